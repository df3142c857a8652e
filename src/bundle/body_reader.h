// Reads the encrypted body written by BodyWriter (schema/README.md "Bundles"): opens the sealed
// key with the recipient's X25519 key pair, decrypts chunk by chunk, decompresses the zstd stream
// and decodes the entries one at a time. Memory stays bounded by one chunk and one entry, whatever
// the number of entries.
#pragma once

#include <functional>
#include <istream>
#include <string>

#include "identity/node_key.h"
#include "store/entry.h"
#include "util/status.h"

namespace mhero::bundle {

/// Called for every entry in body order with the body bytes consumed so far. A non-ok status
/// stops the read and is returned as is.
using EntrySink = std::function<Status(Entry&& entry, uint64_t body_bytes_read)>;

/// Reads `body_bytes` bytes of body from `in` as `recipient`. `name` (file and part) leads every
/// error. Errors: corruption naming what is wrong (key not sealed to this node, a chunk that does
/// not authenticate, truncation before the final chunk, bytes after it, a malformed zstd stream or
/// entry) at its byte offset in the body; or whatever `sink` returns.
Status read_body(std::istream& in, uint64_t body_bytes, const NodeKey& recipient,
                 const std::string& name, const EntrySink& sink);

}  // namespace mhero::bundle
