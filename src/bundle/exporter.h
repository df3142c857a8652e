// `mhero bundle export`: writes the entries a recipient lacks, encrypted to it, as one bundle
// file or several numbered parts, plus the relayed bundles waiting for that recipient.
//
// What is sent: entries after the frontier known for the recipient (node/peer_frontier.h; empty
// with `full`), only in feeds the recipient may hold (node/holding.h), never the recipient's own
// feeds (unless `full`). Selection and order are replication's BatchPlanner (replication/batch.h):
// urgent messages first, national feeds first, each feed in seq order.
//
// Files: a single part is written at `out`. With max_bytes, when more than one part is needed,
// part k of m is written at "<stem>.part<k>of<m><ext>" beside `out` (each part ≤ max_bytes).
// Relayed bundles (bundle/shelf.h) for the recipient — or every relayed bundle when the
// recipient is the central node, which forwards them; never one the recipient itself wrote — are
// copied unchanged beside them as "<stem>.relay-<shelf name>". Every file is written atomically.
// A relayed bundle written more than kRelayMaxAge ago (its header's created_at, by this node's
// clock) is dropped from the shelf instead, with a warning: its recipient never took it (e.g. a
// node the central node never enrolled), and whatever it carried has travelled since by other
// bundles or syncs of its sender.
#pragma once

#include <chrono>

#include <filesystem>
#include <vector>

#include "bundle/header.h"
#include "bundle/peers.h"
#include "node/node.h"

namespace mhero::bundle {

/// How long a bundle kept for relay rides with exports before it is dropped (60 days).
inline constexpr std::chrono::milliseconds kRelayMaxAge = std::chrono::hours(24 * 60);

struct ExportOptions {
  PeerProfile recipient;
  std::filesystem::path out;
  bool full = false;
  uint64_t max_bytes = 0;  // 0: one part, whatever its size.
  /// With max_bytes: split by the entries' uncompressed sizes, a bound that holds whatever they
  /// compress to but cuts far more parts than needed (entries that compress 8:1 fill an eighth
  /// of each part). false: by their predicted compressed size; export_bundle() checks every
  /// part before writing any and, should one come out over max_bytes, exports again with a wider
  /// margin, then this way.
  bool split_by_plain_size = false;
  /// The margin over an entry's size compressed on its own: 1/this of it. export_bundle()
  /// widens it to 1/4, then splits by plain sizes, when a part came out over max_bytes.
  uint32_t predicted_margin_divisor = 32;
  int zstd_level = 3;
  /// Bundle format version written: kFormatVersion, or 1 for a recipient still running a
  /// program that reads only version 1 (and for tests).
  uint32_t format_version = kFormatVersion;
};

struct ExportReport {
  BundleId bundle_id{};
  std::vector<std::filesystem::path> parts;    // In part order.
  std::vector<std::filesystem::path> relayed;  // Relayed bundles copied beside the parts.
  std::vector<std::string> warnings;           // Relayed bundles dropped as too old: which, why.
  uint64_t entry_count = 0;
  uint64_t bytes = 0;                          // Sum of the part file sizes.
  int64_t created_at_ms = 0;                   // The header's createdAtMs (Unix ms, this node's clock).
  Frontier base;
  Frontier covers;
};

/// Exports from `node`. The store is only read. With max_bytes, a bundle that fits in max_bytes
/// whole is written as one part, whatever the per-entry bounds that cut parts predict. Errors: invalid_argument (max_bytes too small
/// for one entry and the header; recipient is this node), failed_precondition (file system,
/// disk full: no file is left at the output names), corruption (damaged store).
Result<ExportReport> export_bundle(Node& node, const ExportOptions& options);

}  // namespace mhero::bundle
