#include "store/keys.h"

#include <cstring>

#include "util/bytes.h"

namespace mhero::keys {

std::string feed_prefix(const FeedId& feed) {
  std::string out(feed.author.view());
  out += feed.scope;
  out.push_back('\0');
  return out;
}

std::string entry_key(const FeedId& feed, uint64_t seq) {
  std::string out = feed_prefix(feed);
  put_u64_be(out, seq);
  return out;
}

std::optional<FeedId> parse_feed_prefix(std::string_view key) {
  if (key.size() < NodeId::kSize + 1 || key.back() != '\0') return std::nullopt;
  auto author = NodeId::from_bytes(key.substr(0, NodeId::kSize));
  std::string_view scope = key.substr(NodeId::kSize, key.size() - NodeId::kSize - 1);
  if (!author || scope.find('\0') != std::string_view::npos) return std::nullopt;
  return FeedId{*author, std::string(scope)};
}

std::optional<std::pair<FeedId, uint64_t>> parse_entry_key(std::string_view key) {
  if (key.size() < NodeId::kSize + 1 + 8) return std::nullopt;
  auto feed = parse_feed_prefix(key.substr(0, key.size() - 8));
  if (!feed) return std::nullopt;
  return std::make_pair(std::move(*feed), get_u64_be(key.substr(key.size() - 8)));
}

std::string encode_head(const FeedHead& head) {
  std::string out;
  put_u64_be(out, head.seq);
  out.append(reinterpret_cast<const char*>(head.id.data()), head.id.size());
  put_u64_be(out, head.hlc_time);
  return out;
}

std::optional<FeedHead> decode_head(std::string_view value) {
  if (value.size() != 8 + 32 + 8) return std::nullopt;
  FeedHead head;
  head.seq = get_u64_be(value);
  std::memcpy(head.id.data(), value.data() + 8, head.id.size());
  head.hlc_time = get_u64_be(value.substr(40));
  return head;
}

std::string frozen_key(const FeedId& feed) {
  return "frozen/" + feed.author.hex() + "/" + feed.scope;
}

}  // namespace mhero::keys
