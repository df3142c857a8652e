// The reader of version 2 records (record_codec.h), over any plaintext source: the bundle body's
// decrypting, decompressing stream (body_reader.cc) or a sync batch in memory (record_codec.cc).
// Internal to those two files.
#pragma once

#include <cstring>
#include <string>
#include <vector>

#include "bundle/entry_codec.h"
#include "bundle/record_codec.h"
#include "bundle/varint.h"

namespace mhero::bundle {

inline constexpr uint32_t kMaxEntryBytes = 16u << 20;
// A segment's payloads (heads and tails) may not exceed this: the writer closes a segment at
// kSegmentTailBytes, so only one entry (< kMaxEntryBytes) can overshoot.
inline constexpr uint64_t kMaxSegmentPayloadBytes = 2 * kMaxEntryBytes;
inline constexpr size_t kMaxScopeBytes = 4096;

// Reads version 2 records (record_codec.h) from a Source, calling the sink for each entry. A
// Source has: need(n, what) -> Status (at least n bytes available, or a corruption naming `what`),
// take(n) -> string_view, available() -> string_view, consume(n), at_end() -> Result<bool>,
// offset() -> uint64_t (bytes consumed, for the sink).
template <class Source>
class RecordReader {
 public:
  RecordReader(Source& src, const std::string& name, const EntrySink& sink)
      : src_(src), name_(name), sink_(sink) {}

  Status run() {
    while (true) {
      MHERO_ASSIGN_OR_RETURN(bool end, src_.at_end());
      if (end) return {};
      auto tag = static_cast<uint8_t>(src_.take(1)[0]);
      if (tag == kTagSegment) {
        MHERO_RETURN_IF_ERROR(segment());
      } else if (tag == kTagRaw) {
        MHERO_RETURN_IF_ERROR(raw());
      } else {
        return corruption(name_ + ": after entry " + std::to_string(count_) + ": record tag " +
                          std::to_string(tag) + " is not a segment (1) or a raw entry (2)");
      }
    }
  }

 private:
  std::string at() const { return name_ + ": the record after entry " + std::to_string(count_); }

  Result<uint64_t> varint(const char* what) {
    for (size_t want = 1;; ++want) {
      MHERO_RETURN_IF_ERROR(src_.need(want, what));
      size_t pos = 0;
      std::string_view avail = src_.available();
      if (auto v = get_varint(avail.substr(0, want), pos)) {
        src_.consume(pos);
        return *v;
      }
      if (want >= 10) return corruption(at() + ": " + what + " is not a valid varint");
    }
  }

  Result<std::string> bytes(size_t n, const char* what) {
    MHERO_RETURN_IF_ERROR(src_.need(n, what));
    return std::string(src_.take(n));
  }

  Status raw() {
    MHERO_ASSIGN_OR_RETURN(uint64_t n, varint("a raw entry length"));
    if (n == 0 || n > kMaxEntryBytes) {
      return corruption(at() + ": raw entry length " + std::to_string(n) + " is not a valid entry size");
    }
    MHERO_RETURN_IF_ERROR(src_.need(n, "a raw entry"));
    ++count_;
    MHERO_ASSIGN_OR_RETURN(Entry e, Entry::decode(src_.take(n), name_ + " entry " + std::to_string(count_)));
    return sink_(std::move(e), src_.offset());
  }

  Status segment() {
    MHERO_ASSIGN_OR_RETURN(uint64_t count, varint("a segment's entry count"));
    if (count == 0 || count > kSegmentEntries) {
      return corruption(at() + ": segment of " + std::to_string(count) + " entries (1 to " +
                        std::to_string(kSegmentEntries) + " allowed)");
    }
    MHERO_ASSIGN_OR_RETURN(std::string author_bytes, bytes(NodeId::kSize, "a segment's author"));
    MHERO_ASSIGN_OR_RETURN(uint64_t scope_len, varint("a segment's scope length"));
    if (scope_len > kMaxScopeBytes) return corruption(at() + ": scope length " + std::to_string(scope_len));
    MHERO_ASSIGN_OR_RETURN(std::string scope, bytes(scope_len, "a segment's scope"));
    MHERO_ASSIGN_OR_RETURN(uint64_t seq, varint("a segment's first seq"));
    MHERO_ASSIGN_OR_RETURN(std::string prev_bytes, bytes(32, "a segment's first prev"));
    auto author = NodeId::from_bytes(author_bytes);
    if (!author || seq == 0) return corruption(at() + ": segment has a malformed author or seq 0");
    FeedId feed{*author, std::move(scope)};
    Hash256 prev;
    std::memcpy(prev.data(), prev_bytes.data(), prev.size());

    std::vector<uint64_t> hlc(count), tail(count), head(count);
    uint64_t last = 0;
    for (uint64_t& h : hlc) {
      MHERO_ASSIGN_OR_RETURN(uint64_t z, varint("a segment's timestamps"));
      h = last + static_cast<uint64_t>(unzigzag(z));
      last = h;
    }
    uint64_t payload_total = 0, carried_total = 0;
    for (uint64_t& t : tail) {
      MHERO_ASSIGN_OR_RETURN(t, varint("a segment's payload lengths"));
      if (t > kMaxSegmentPayloadBytes) return corruption(at() + ": segment payload length " + std::to_string(t));
      carried_total += t;
      payload_total += (t + 7) / 8 * 8;
      if (payload_total > kMaxSegmentPayloadBytes) {
        return corruption(at() + ": segment payload length " + std::to_string(t) + " is not valid");
      }
    }
    MHERO_ASSIGN_OR_RETURN(uint64_t head_size, varint("a segment's head size"));
    std::string heads;
    if (head_size > 0) {
      if (head_size % 8 != 0 || head_size > kMaxSegmentPayloadBytes ||
          payload_total + head_size * count > kMaxSegmentPayloadBytes) {
        return corruption(at() + ": segment head size " + std::to_string(head_size) + " is not valid");
      }
      MHERO_RETURN_IF_ERROR(src_.need(head_size * count, "a segment's payload heads"));
      std::string_view planes = src_.take(head_size * count);
      heads.resize(planes.size());
      for (uint64_t i = 0; i < count; ++i) {
        for (uint64_t b = 0; b < head_size; ++b) heads[i * head_size + b] = planes[b * count + i];
        if (payload_head_bytes(std::string_view(heads).substr(i * head_size, 8)) != head_size) {
          return corruption(at() + ": segment payload head " + std::to_string(i + 1) + " is not " +
                            std::to_string(head_size) + " bytes long");
        }
        head[i] = head_size;
      }
      payload_total += heads.size();
    } else {
      for (uint64_t& h : head) {
        MHERO_RETURN_IF_ERROR(src_.need(8, "a segment's payload heads"));
        h = payload_head_bytes(src_.available().substr(0, 8));
        payload_total += h;
        if (h == 0 || payload_total > kMaxSegmentPayloadBytes) {
          return corruption(at() + ": segment payload head is not a struct pointer or is too long");
        }
        MHERO_RETURN_IF_ERROR(src_.need(h, "a segment's payload heads"));
        heads.append(src_.take(h));
      }
    }
    std::string tails;
    MHERO_ASSIGN_OR_RETURN(tails, bytes(carried_total, "a segment's payload tails"));
    MHERO_RETURN_IF_ERROR(src_.need(64 * count, "a segment's signatures"));
    std::string signatures(src_.take(64 * count));

    size_t head_pos = 0, tail_pos = 0;
    std::string payload;
    for (uint64_t i = 0; i < count; ++i) {
      payload.assign(heads, head_pos, head[i]);
      payload.append(tails, tail_pos, tail[i]);
      payload.append((8 - tail[i] % 8) % 8, '\0');
      head_pos += head[i];
      tail_pos += tail[i];
      std::string body = rebuild_body(feed, seq, prev, hlc[i], payload);
      ++count_;
      std::string where = name_ + " entry " + std::to_string(count_) + " (" + feed.to_string() + " seq " +
                          std::to_string(seq) + ")";
      MHERO_ASSIGN_OR_RETURN(Entry e, assemble_entry(body, std::string_view(signatures).substr(64 * i, 64), where));
      prev = e.id();
      ++seq;
      MHERO_RETURN_IF_ERROR(sink_(std::move(e), src_.offset()));
    }
    return {};
  }

  Source& src_;
  const std::string& name_;
  const EntrySink& sink_;
  uint64_t count_ = 0;
};


}  // namespace mhero::bundle
