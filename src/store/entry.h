// One signed record of a feed (DESIGN.md "entry"; format in schema/entry.capnp and
// schema/README.md). An Entry owns its bytes; it is immutable and cheap to move.
#pragma once

#include <capnp/message.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "entry.capnp.h"
#include "identity/crypto.h"
#include "identity/node_key.h"
#include "store/feed.h"
#include "util/status.h"

namespace mhero {

class Entry {
 public:
  /// Builds and signs an entry of feed (key.id(), scope). `prev` is the id of entry seq-1 (zeros
  /// for seq 1); `hlc_time` is a hybrid logical clock value. The payload is deep-copied.
  static Entry create(const NodeKey& key, std::string_view scope, uint64_t seq, const Hash256& prev,
                      uint64_t hlc_time, schema::Payload::Reader payload);

  /// Parses the stored/wire form (a serialized schema::SignedEntry message). Checks structure
  /// only: sizes, canonical body, a valid scope, seq >= 1. Does not check the signature.
  /// Errors: corruption, with `where` (e.g. "bundle.mhb entry 12") leading the message.
  static Result<Entry> decode(std::string_view encoded, std::string_view where = "entry");

  /// The stored/wire form: a serialized schema::SignedEntry (Cap'n Proto, segment table first).
  std::string encode() const;

  /// crypto_sign_verify_detached of the body by the author.
  bool signature_valid() const;

  const FeedId& feed() const { return feed_; }
  uint64_t seq() const { return seq_; }
  const Hash256& prev() const { return prev_; }
  uint64_t hlc_time() const { return hlc_time_; }
  /// BLAKE2b-256 of the body bytes; computed at construction.
  const Hash256& id() const { return id_; }

  /// The signed bytes (canonical EntryBody).
  std::string_view body_bytes() const {
    return {reinterpret_cast<const char*>(body_.data()), body_.size() * sizeof(capnp::word)};
  }
  std::string_view signature() const {
    return {reinterpret_cast<const char*>(signature_.data()), signature_.size()};
  }

  /// Read access to the body; valid while this Entry lives.
  schema::EntryBody::Reader body() const;
  schema::Payload::Reader payload() const { return body().getPayload(); }
  /// The payload kind; a value outside the known enumerators means "written by a newer node".
  schema::Payload::Which kind() const { return payload().which(); }
  /// "note", "registrySnapshot", …, or "unknown(17)".
  std::string kind_name() const;

  /// Size of encode() in bytes, computed without encoding.
  size_t encoded_size() const;

 private:
  Entry() = default;
  Status parse_header(std::string_view where);

  // Canonical EntryBody segment. uint64_t keeps it word-aligned (capnp::word is not copyable).
  std::vector<uint64_t> body_;
  const capnp::word* words() const { return reinterpret_cast<const capnp::word*>(body_.data()); }
  Signature signature_{};
  FeedId feed_;
  uint64_t seq_ = 0;
  Hash256 prev_{};
  uint64_t hlc_time_ = 0;
  Hash256 id_{};
};

/// Deep-copies `payload` into a fresh message; handy for tests and callers that build payloads.
/// `fill` receives the Payload builder.
template <typename Fill>
std::unique_ptr<capnp::MallocMessageBuilder> make_payload(Fill&& fill) {
  auto message = std::make_unique<capnp::MallocMessageBuilder>();
  fill(message->initRoot<schema::Payload>());
  return message;
}

}  // namespace mhero
