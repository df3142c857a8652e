// Reads the encrypted body written by BodyWriter (schema/README.md "Bundles"; formats in
// body_writer.h): opens the sealed key with the recipient's X25519 key pair, decrypts chunk by
// chunk, decompresses the zstd stream on demand and decodes the entries one at a time. Format 1
// carries each entry whole. Format 2 carries feed runs in segments: the reader rebuilds each
// entry's signed bytes (seq counting up from the segment's first seq, prev = id of the entry
// before, the first prev as carried; entry_codec.h) and hands over the entry with the carried
// signature; it does not verify signatures — LogStore::ingest (import) and verify_body (inspect)
// do, which proves every rebuilt entry is byte-identical to what its author signed.
// Memory stays bounded by one chunk, one zstd output buffer and one entry (format 1) or one
// segment (format 2: at most 4,096 entries, about 1 MiB of payload + one entry), whatever the
// number of entries.
#pragma once

#include <functional>
#include <istream>
#include <string>

#include "bundle/record_codec.h"
#include "identity/node_key.h"
#include "store/entry.h"
#include "util/status.h"

namespace mhero::bundle {


/// Reads `body_bytes` bytes of body in body format `format` (the bundle's format version, 1 or 2)
/// from `in` as `recipient`. `name` (file and part) leads every error. Errors: corruption naming
/// what is wrong (key not sealed to this node, a chunk that does not authenticate, truncation
/// before the final chunk, bytes after it, a malformed zstd stream, record or entry; entries are
/// named by their index in the body and, in format 2, their feed and seq); failed_precondition for
/// a format other than 1 or 2; or whatever `sink` returns.
Status read_body(std::istream& in, uint64_t body_bytes, const NodeKey& recipient, uint32_t format,
                 const std::string& name, const EntrySink& sink);

}  // namespace mhero::bundle
