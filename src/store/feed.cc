#include "store/feed.h"

namespace mhero {

std::string FeedId::to_string() const { return author.short_hex() + "/" + scope; }

uint64_t Frontier::get(const FeedId& feed) const {
  auto it = feeds_.find(feed);
  return it == feeds_.end() ? 0 : it->second;
}

void Frontier::set(const FeedId& feed, uint64_t seq) {
  if (seq == 0) {
    feeds_.erase(feed);
  } else {
    feeds_[feed] = seq;
  }
}

bool Frontier::raise(const FeedId& feed, uint64_t seq) {
  if (seq <= get(feed)) return false;
  feeds_[feed] = seq;
  return true;
}

void Frontier::merge(const Frontier& other) {
  for (const auto& [feed, seq] : other.feeds_) raise(feed, seq);
}

uint64_t Frontier::total() const {
  uint64_t sum = 0;
  for (const auto& [feed, seq] : feeds_) sum += seq;
  return sum;
}

bool Frontier::covers(const Frontier& other) const {
  for (const auto& [feed, seq] : other.feeds_) {
    if (get(feed) < seq) return false;
  }
  return true;
}

void Frontier::to_capnp(schema::Frontier::Builder out) const {
  auto list = out.initFeeds(static_cast<unsigned>(feeds_.size()));
  unsigned i = 0;
  for (const auto& [feed, seq] : feeds_) {
    auto item = list[i++];
    auto f = item.initFeed();
    f.setAuthor(capnp::Data::Reader(feed.author.bytes.data(), feed.author.bytes.size()));
    f.setScope(feed.scope);
    item.setSeq(seq);
  }
}

bool Frontier::from_capnp(schema::Frontier::Reader in) {
  bool all_ok = true;
  for (auto item : in.getFeeds()) {
    auto author = item.getFeed().getAuthor();
    auto id = NodeId::from_bytes(
        std::string_view(reinterpret_cast<const char*>(author.begin()), author.size()));
    if (!id) {
      all_ok = false;
      continue;
    }
    raise(FeedId{*id, std::string(item.getFeed().getScope().cStr())}, item.getSeq());
  }
  return all_ok;
}

}  // namespace mhero
