// Helpers to build payloads and entries in tests.
#pragma once

#include <capnp/message.h>

#include <array>
#include <string>

#include "identity/node_key.h"
#include "store/entry.h"
#include "store/log_store.h"

namespace mhero::testing {

/// A deterministic key: seed = {n, n, n, …}.
inline NodeKey test_key(uint8_t n) {
  std::array<uint8_t, 32> seed;
  seed.fill(n);
  return NodeKey::from_seed(seed);
}

/// A note payload message (owns its memory).
class NotePayload {
 public:
  explicit NotePayload(const std::string& text) { message_.initRoot<schema::Payload>().setNote(text); }
  schema::Payload::Reader reader() { return message_.getRoot<schema::Payload>().asReader(); }

 private:
  capnp::MallocMessageBuilder message_;
};

/// Appends a note and requires success.
inline Entry append_note(LogStore& store, const NodeKey& key, const std::string& scope,
                         const std::string& text) {
  NotePayload p(text);
  auto r = store.append(key, scope, p.reader());
  if (!r.ok()) throw std::runtime_error(r.status().to_string());
  return std::move(r).value();
}

/// Builds a note entry without a store (for crafting chains, forks, gaps).
inline Entry make_note_entry(const NodeKey& key, const std::string& scope, uint64_t seq,
                             const Hash256& prev, const std::string& text, uint64_t hlc = 1) {
  NotePayload p(text);
  return Entry::create(key, scope, seq, prev, hlc, p.reader());
}

}  // namespace mhero::testing
