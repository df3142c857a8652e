// The sync protocol's frames as plain C++ values, and their encoding (schema/sync.capnp,
// Cap'n Proto packed). Decoding never throws: a malformed frame is a corruption Status.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "identity/node_id.h"
#include "node/config.h"
#include "store/feed.h"
#include "util/status.h"

namespace mhero::sync {

/// schema::syncProtocolVersion.
uint32_t protocol_version();

struct Hello {
  NodeId node;
  Role role = Role::district;
  std::string district;             // Empty for the central node.
  uint32_t version = 0;
  std::vector<std::string> scopes;  // Scopes wanted.
  Frontier frontier;
  int64_t sent_at_ms = 0;           // Sender's clock (Unix ms) at sending; 0 = not given.
  bool early_done = false;          // Dialer: accepts the listener's done before its acks.
  bool record_batches = false;      // Reads batches in the records encoding.
  /// Dialer: asks for a frontier delta. Listener: `frontier` holds only the feeds whose seq
  /// differs from the dialer's hello and `frontier_lacks` the dialer's feeds it does not hold.
  bool frontier_delta = false;
  std::vector<FeedId> frontier_lacks{};
};
/// Batch::encoding values (schema/sync.capnp SyncBatch).
inline constexpr uint8_t kBatchEntries = 0;  // Length-prefixed SignedEntries (replication/batch.h).
inline constexpr uint8_t kBatchRecords = 1;  // Version 2 records (bundle/record_codec.h).

struct Batch {
  uint64_t number = 0;
  uint32_t entry_count = 0;
  uint32_t raw_bytes = 0;
  std::string zstd;
  uint8_t encoding = kBatchEntries;
};
struct Ack {
  uint64_t number = 0;
  Frontier frontier;
};
struct Done {
  uint64_t sent_entries = 0;
};
struct Error {
  Error() = default;
  Error(std::string code_name, std::string text) : code(std::move(code_name)), message(std::move(text)) {}
  Error(std::string code_name, std::string text, uint32_t retry_ms, int64_t revoked_ms, std::optional<NodeId> by)
      : code(std::move(code_name)), message(std::move(text)), retry_after_ms(retry_ms), revoked_at_ms(revoked_ms),
        revoked_by(by) {}
  std::string code;
  std::string message;
  uint32_t retry_after_ms = 0;       // "resource_exhausted": dial again after this; 0 = no advice.
  int64_t revoked_at_ms = 0;         // "permission_denied": the reader's key was revoked then; 0 = not.
  std::optional<NodeId> revoked_by;  // The central key that signed that revocation, when known.
};

using Message = std::variant<Hello, Batch, Ack, Done, Error>;

/// "hello", "batch", "ack", "done", "error".
const char* message_name(const Message& message);

/// The frame payload (without its length prefix).
std::string encode(const Message& message);
/// Parses a frame payload. Errors: corruption naming what is wrong.
Result<Message> decode(std::string_view frame);

}  // namespace mhero::sync
