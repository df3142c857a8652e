#include "bundle/entry_codec.h"

#include <cstring>

namespace mhero::bundle {

namespace {

// Cap'n Proto pointer words (encoding spec, "Structs" and "Lists"): little-endian u64.
constexpr uint64_t kByteList = 2;  // List element size code for 1-byte elements.

uint64_t struct_pointer(int64_t offset, uint64_t data_words, uint64_t pointers) {
  return (static_cast<uint64_t>(offset) << 2 & 0xffffffffu) | data_words << 32 | pointers << 48;
}

uint64_t byte_list_pointer(int64_t offset, uint64_t count) {
  return ((static_cast<uint64_t>(offset) << 2 | 1) & 0xffffffffu) | kByteList << 32 | count << 35;
}

void put_word(std::string& out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

uint64_t word_at(std::string_view bytes, size_t index) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = v << 8 | static_cast<unsigned char>(bytes[index * 8 + static_cast<size_t>(i)]);
  return v;
}

size_t text_words(size_t length) { return (length + 1 + 7) / 8; }  // Text has a NUL terminator.

}  // namespace

size_t payload_head_bytes(std::string_view first_word) {
  if (first_word.size() < 8) return 0;
  uint64_t w = word_at(first_word, 0);
  if ((w & 0xffffffffu) != 0) return 0;  // Not a struct pointer at offset 0.
  return 8 * (1 + (w >> 32 & 0xffff) + (w >> 48));
}

std::string rebuild_body(const FeedId& feed, uint64_t seq, const Hash256& prev, uint64_t hlc_time,
                         std::string_view payload) {
  const std::string& scope = feed.scope;
  const uint64_t scope_words = text_words(scope.size());
  const uint64_t data_words = hlc_time != 0 ? 2 : 1;  // Canonical form drops a trailing zero word.
  std::string out;
  out.reserve(8 * (1 + data_words + 4 + 4 + scope_words + 4) + payload.size());
  put_word(out, struct_pointer(0, data_words, 4));
  put_word(out, seq);
  if (data_words == 2) put_word(out, hlc_time);
  put_word(out, byte_list_pointer(3, 32));                                   // author
  put_word(out, byte_list_pointer(2 + 4, scope.size() + 1));                 // scope
  put_word(out, byte_list_pointer(1 + 4 + static_cast<int64_t>(scope_words), 32));  // prev
  uint64_t root = word_at(payload, 0);
  put_word(out, struct_pointer(4 + static_cast<int64_t>(scope_words) + 4, root >> 32 & 0xffff, root >> 48));
  out.append(feed.author.view());
  out.append(scope);
  out.append(8 * scope_words - scope.size(), '\0');
  out.append(reinterpret_cast<const char*>(prev.data()), prev.size());
  out.append(payload.substr(8));
  return out;
}

Result<Entry> assemble_entry(std::string_view body, std::string_view signature, std::string_view where) {
  if (body.empty() || body.size() % 8 != 0 || signature.size() != 64) {
    return corruption(std::string(where) + ": " + std::to_string(body.size()) + " body bytes and " +
                      std::to_string(signature.size()) + " signature bytes are not an entry");
  }
  // The stored form as Entry::encode lays it out: one segment holding a SignedEntry whose two
  // byte lists (body, signature) follow its pointers.
  const uint64_t body_words = body.size() / 8;
  std::string encoded;
  encoded.reserve(32 + body.size() + 64);
  put_word(encoded, (1 + 2 + body_words + 8) << 32);  // Segment table: 1 segment of N words.
  put_word(encoded, struct_pointer(0, 0, 2));
  put_word(encoded, byte_list_pointer(1, body.size()));
  put_word(encoded, byte_list_pointer(static_cast<int64_t>(body_words), 64));
  encoded.append(body);
  encoded.append(signature);
  return Entry::decode(encoded, where);
}

std::optional<std::string> compact_payload(const Entry& entry) {
  std::string_view body = entry.body_bytes();
  if (body.size() < 8) return std::nullopt;
  uint64_t root = word_at(body, 0);
  uint64_t data_words = root >> 32 & 0xffff;
  if ((root & 0xffffffffu) != 0 || root >> 48 != 4 || data_words < 1 || data_words > 2) return std::nullopt;
  size_t payload_ptr = 1 + data_words + 3;
  size_t subtree = 1 + data_words + 4 + 4 + text_words(entry.feed().scope.size()) + 4;
  if (body.size() < 8 * subtree) return std::nullopt;
  uint64_t ptr = word_at(body, payload_ptr);
  if ((ptr & 3) != 0 || ptr == 0) return std::nullopt;  // Not a (non-null) struct pointer.
  std::string payload;
  payload.reserve(body.size() - 8 * subtree + 8);
  put_word(payload, ptr & ~uint64_t{0xffffffffu});
  payload.append(body.substr(8 * subtree));
  if (payload_head_bytes(payload) > payload.size()) return std::nullopt;
  std::string again = rebuild_body(entry.feed(), entry.seq(), entry.prev(), entry.hlc_time(), payload);
  if (again != body) return std::nullopt;
  return payload;
}

}  // namespace mhero::bundle
