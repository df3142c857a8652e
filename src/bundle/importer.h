// `mhero bundle import`: verifies bundle files and applies those addressed to this node; keeps
// those addressed to another node for relay (bundle/shelf.h): a known node, or — at a district
// node — any node, since the next export to the central node carries it there. A bundle this
// node wrote itself is never applied (it belongs on the stick to its recipient): set aside among
// other files, refused alone.
//
// Order of work, so that bad input changes nothing:
//  1. every given file is checked (checked_file.h: signature, length, body hash); the first
//     fault refuses the whole call before anything is written. A file (with --strict) addressed
//     elsewhere also refuses the whole call;
//  1b. files are routed in rounds: every file that can be placed now (sender known, recipient this
//     node or relayable) is applied or shelved (steps 2-4), then the files that could not be placed
//     (unknown or revoked sender, unknown or revoked recipient, a bundle this node wrote) are
//     routed again, since a bundle just applied may carry the enrollment that makes them placeable
//     (a district's bundle riding beside the central node's). Files still unplaceable when a round
//     places nothing are set aside (Outcome::set_aside, with the reason and what to do; nothing
//     from them is written). When no file at all can be placed, the call is refused with the
//     first file's reason instead;
//  2. parts of a bundle for this node are applied only when all its parts are present (given now
//     or shelved by an earlier import in <dir>/bundle-parts/), in part order whatever the order
//     given; incomplete bundles are shelved and reported as waiting;
//  3. bodies are decrypted and decoded as a stream, and committed with LogStore::ingest in atomic
//     segments (segment_entries / segment_bytes); a failing segment writes nothing, segments
//     before it stay (they are verified entries);
//  4. once every part is in, one `receipt` entry (bundle id, sender, frontier after import) is
//     appended to this node's own feed together with meta "bundle/imported/<bundle id hex>",
//     which makes a later import of the same bundle a no-op reported as already imported.
#pragma once

#include <filesystem>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "bundle/header.h"
#include "node/arrival_recorder.h"
#include "node/node.h"

namespace mhero::bundle {

struct ImportProgress {
  uint64_t entries = 0;
  uint64_t total_entries = 0;
  uint64_t body_bytes = 0;
  uint64_t total_body_bytes = 0;
};

struct ImportOptions {
  bool relay = true;                 // false (--strict): refuse bundles addressed elsewhere.
  size_t segment_entries = 4096;     // Entries per atomic commit (at most).
  uint64_t segment_bytes = 8u << 20; // Encoded bytes per atomic commit (at most, but >= 1 entry).
  /// Commits one segment. Default: node.store().ingest. Tests inject failures (disk full) here.
  std::function<IngestResult(std::span<const Entry>)> ingest;
  /// Called after each segment and every few thousand entries. May be empty.
  std::function<void(const ImportProgress&)> progress;
  /// Told of every bundle applied (node/arrival_recorder.h): id, sender, exported/imported
  /// times, entries new, and the relaying node when the file came as another export's
  /// ".relay-" copy (exporter.h) given in the same call. Not owned; may be null.
  ArrivalRecorder* arrivals = nullptr;
};

enum class Outcome {
  imported,           // Applied; receipt written.
  already_imported,   // The bundle id was imported before: nothing done.
  relayed,            // Addressed to another node; kept in <dir>/relay/ for the next export.
  already_relayed,    // Kept before.
  relayed_to_central, // Addressed to a node this district does not know (not yet told of its
                      // enrollment): kept in <dir>/relay/, it rides with the next export to the
                      // central node, which knows every enrolled node and forwards it.
  waiting_for_parts,  // Part of an incomplete multi-part bundle; kept in <dir>/bundle-parts/.
  set_aside,          // Could not be placed (FileReport::reason says why and what to do); nothing
                      // from it was written or kept; the other files were imported.
};
const char* outcome_name(Outcome outcome);

struct FileReport {
  std::filesystem::path path;
  Header header;
  Outcome outcome = Outcome::imported;
  bool counted = false;     // True on the one report of a bundle that carries its counts.
  uint64_t added = 0;       // New entries of the whole bundle (when counted).
  uint64_t duplicates = 0;  // Entries already held (when counted).
  std::string reason;       // set_aside: "<file>: <fault>; <what to do>"; waiting_for_parts: which
                            // parts are missing and what to do.
  bool unreadable = false;  // set_aside: the file itself is missing, damaged or empty (`header` is unset).
  StatusCode unreadable_code = StatusCode::ok;  // Then why: not_found (no such file), corruption, ….
};

/// Imports `paths` into `node`. Returns one report per file, in the order given; files that could
/// not be placed while others could are reports with Outcome::set_aside, not errors. Errors (each
/// message names the file and the fault): not_found, corruption (damaged/altered/truncated file,
/// malformed body, an entry the store refuses), failed_precondition (newer format, disk full,
/// strict import of a bundle for another node, a bundle this node wrote — only when no given file
/// can be placed), resource_exhausted (the
/// disk holding the store is full: whole segments before stay, import again after freeing space),
/// permission_denied (unknown or revoked sender, revoked recipient — only when no given file can
/// be placed — or entries of a feed this node may not hold), not_found (at the central node:
/// recipient never enrolled, cannot relay — only when no given file can be placed).
Result<std::vector<FileReport>> import_bundles(Node& node, std::span<const std::filesystem::path> paths,
                                               const ImportOptions& options);

}  // namespace mhero::bundle
