#include "replication/batch.h"

#include <algorithm>
#include <map>

#include "bundle/record_codec.h"
#include "store/scope.h"

namespace mhero {

namespace {

void put_be32(uint8_t* out, uint32_t v) {
  for (int i = 3; i >= 0; --i, v >>= 8) out[i] = static_cast<uint8_t>(v);
}
uint32_t get_be32(const uint8_t* in) {
  return (uint32_t{in[0]} << 24) | (uint32_t{in[1]} << 16) | (uint32_t{in[2]} << 8) | in[3];
}

}  // namespace

bool is_urgent(const Entry& entry) {
  return entry.kind() == schema::Payload::OUTGOING_MESSAGE &&
         entry.payload().getOutgoingMessage().getPriority() == schema::Priority::URGENT;
}

Result<std::unique_ptr<BatchPlanner>> BatchPlanner::plan(const LogStore& store, const Frontier& peer_has,
                                                         std::function<bool(const FeedId&)> wanted) {
  std::unique_ptr<BatchPlanner> planner(new BatchPlanner(store));
  Frontier mine = store.frontier();
  std::map<FeedId, uint64_t> last_urgent;
  auto cursor = store.entries_after(peer_has, [&](const FeedId& f) {
    return (!wanted || wanted(f)) && mine.get(f) > peer_has.get(f);
  });
  while (true) {
    MHERO_ASSIGN_OR_RETURN(auto e, cursor->next());
    if (!e) break;
    if (e->seq() > mine.get(e->feed())) continue;  // Appended after `mine` was read.
    if (is_urgent(*e)) last_urgent[e->feed()] = e->seq();
  }
  std::vector<Range> urgent, rest;
  for (const auto& [feed, seq] : mine.feeds()) {
    uint64_t have = peer_has.get(feed);
    if (seq <= have || (wanted && !wanted(feed))) continue;
    uint64_t from = have + 1;
    auto u = last_urgent.find(feed);
    if (u != last_urgent.end()) {
      urgent.push_back({feed, from, u->second});
      from = u->second + 1;
    }
    if (from <= seq) rest.push_back({feed, from, seq});
    planner->remaining_ += seq - have;
  }
  for (auto* pass : {&urgent, &rest}) {
    std::stable_partition(pass->begin(), pass->end(),
                          [](const Range& r) { return r.feed.scope == kNationalScope; });
    for (Range& r : *pass) planner->ranges_.push_back(std::move(r));
  }
  return planner;
}

Result<std::optional<Entry>> BatchPlanner::pull() {
  while (!ranges_.empty()) {
    Range& r = ranges_.front();
    if (!cursor_) {
      Frontier have;
      have.set(r.feed, r.from - 1);
      FeedId feed = r.feed;
      cursor_ = store_.entries_after(have, [feed](const FeedId& f) { return f == feed; });
      cursor_next_ = r.from;
    }
    if (cursor_next_ <= r.to) {
      MHERO_ASSIGN_OR_RETURN(auto e, cursor_->next());
      if (e && e->seq() == cursor_next_) {
        ++cursor_next_;
        return e;
      }
      return corruption("feed " + r.feed.to_string() + " seq " + std::to_string(cursor_next_) +
                        " vanished from the store while being sent");
    }
    cursor_.reset();
    ranges_.pop_front();
  }
  return std::optional<Entry>();
}

Result<std::vector<Entry>> BatchPlanner::next(size_t budget_bytes) {
  std::vector<Entry> batch;
  size_t used = 0;
  while (true) {
    std::optional<Entry> e;
    if (held_) {
      e = std::move(held_);
      held_.reset();
    } else {
      MHERO_ASSIGN_OR_RETURN(e, pull());
    }
    if (!e) break;
    size_t size = e->encoded_size() + 4;
    if (!batch.empty() && used + size > budget_bytes) {
      held_ = std::move(e);
      break;
    }
    used += size;
    batch.push_back(std::move(*e));
    --remaining_;
  }
  return batch;
}

std::string pack_entries(std::span<const Entry> entries) {
  std::string out;
  for (const Entry& e : entries) {
    std::string encoded = e.encode();
    uint8_t len[4];
    put_be32(len, static_cast<uint32_t>(encoded.size()));
    out.append(reinterpret_cast<const char*>(len), 4);
    out += encoded;
  }
  return out;
}

Result<std::vector<Entry>> unpack_entries(std::string_view raw, std::string_view where) {
  std::vector<Entry> out;
  size_t pos = 0;
  while (pos < raw.size()) {
    std::string at = std::string(where) + " entry " + std::to_string(out.size() + 1);
    if (raw.size() - pos < 4) return corruption(at + ": truncated length");
    uint32_t len = get_be32(reinterpret_cast<const uint8_t*>(raw.data() + pos));
    pos += 4;
    if (len > raw.size() - pos) return corruption(at + ": length " + std::to_string(len) + " runs past the batch");
    MHERO_ASSIGN_OR_RETURN(Entry e, Entry::decode(raw.substr(pos, len), at));
    out.push_back(std::move(e));
    pos += len;
  }
  return out;
}

BatchCompressor::BatchCompressor(int level) : ctx_(ZSTD_createCCtx()) {
  ZSTD_CCtx_setParameter(ctx_, ZSTD_c_compressionLevel, level);
}
BatchCompressor::~BatchCompressor() { ZSTD_freeCCtx(ctx_); }

std::string BatchCompressor::compress(std::string_view raw) { return compress_with(raw, ZSTD_e_flush); }

std::string BatchCompressor::compress_with(std::string_view raw, ZSTD_EndDirective mode) {
  std::string out;
  ZSTD_inBuffer in{raw.data(), raw.size(), 0};
  std::string chunk(ZSTD_CStreamOutSize(), '\0');
  while (true) {
    ZSTD_outBuffer o{chunk.data(), chunk.size(), 0};
    size_t left = ZSTD_compressStream2(ctx_, &o, &in, mode);
    out.append(chunk.data(), o.pos);
    if (ZSTD_isError(left)) break;
    if (mode == ZSTD_e_continue ? in.pos == in.size : (left == 0 && in.pos == in.size)) break;
  }
  return out;
}

std::string BatchCompressor::compress_records(std::span<const Entry> entries, uint32_t& raw_bytes) {
  std::string out;
  size_t raw = 0;
  bundle::RecordEncoder encoder([&](std::string_view bytes, bool block_end) {
    raw += bytes.size();
    out += compress_with(bytes, block_end ? ZSTD_e_flush : ZSTD_e_continue);
    return Status{};
  });
  for (const Entry& e : entries) (void)encoder.add(e);  // The output above never fails.
  (void)encoder.flush();
  out += compress_with({}, ZSTD_e_flush);  // A batch ending in raw records: flush them too.
  raw_bytes = static_cast<uint32_t>(raw);
  return out;
}

Result<std::vector<Entry>> unpack_records(std::string_view raw, std::string_view where) {
  std::vector<Entry> out;
  MHERO_RETURN_IF_ERROR(bundle::decode_records(raw, std::string(where), [&](Entry&& e, uint64_t) {
    out.push_back(std::move(e));
    return Status{};
  }));
  return out;
}

BatchDecompressor::BatchDecompressor() : ctx_(ZSTD_createDCtx()) {}
BatchDecompressor::~BatchDecompressor() { ZSTD_freeDCtx(ctx_); }

Result<std::string> BatchDecompressor::decompress(std::string_view chunk, size_t raw_bytes, size_t max_bytes) {
  if (raw_bytes > max_bytes) {
    return resource_exhausted("batch of " + std::to_string(raw_bytes) + " bytes exceeds the cap of " +
                              std::to_string(max_bytes));
  }
  std::string out(raw_bytes, '\0');
  ZSTD_inBuffer in{chunk.data(), chunk.size(), 0};
  ZSTD_outBuffer o{out.data(), out.size(), 0};
  while (in.pos < in.size) {
    size_t r = ZSTD_decompressStream(ctx_, &o, &in);
    if (ZSTD_isError(r)) return corruption(std::string("batch is not valid zstd data: ") + ZSTD_getErrorName(r));
    if (o.pos == o.size && in.pos < in.size) {
      // Output full: anything more would exceed the announced size.
      char extra;
      ZSTD_outBuffer probe{&extra, 1, 0};
      size_t p = ZSTD_decompressStream(ctx_, &probe, &in);
      if (ZSTD_isError(p) || probe.pos > 0) return corruption("batch decompresses to more than its announced size");
    }
  }
  if (o.pos != raw_bytes) {
    return corruption("batch decompresses to " + std::to_string(o.pos) + " bytes, announced " +
                      std::to_string(raw_bytes));
  }
  return out;
}

}  // namespace mhero
