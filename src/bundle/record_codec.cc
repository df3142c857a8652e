#include "bundle/record_codec.h"

#include <optional>

#include "bundle/entry_codec.h"
#include "bundle/record_reader.h"
#include "bundle/varint.h"

namespace mhero::bundle {

namespace {

// A whole decompressed buffer as a RecordReader source.
class StringSource {
 public:
  StringSource(std::string_view data, const std::string& name) : data_(data), name_(name) {}
  Status need(size_t n, const std::string& what) {
    if (data_.size() - pos_ < n) return corruption(name_ + ": the records end inside " + what + " (cut short)");
    return {};
  }
  std::string_view take(size_t n) {
    std::string_view out = data_.substr(pos_, n);
    pos_ += n;
    return out;
  }
  std::string_view available() const { return data_.substr(pos_); }
  void consume(size_t n) { pos_ += n; }
  Result<bool> at_end() { return pos_ == data_.size(); }
  uint64_t offset() const { return pos_; }

 private:
  std::string_view data_;
  const std::string& name_;
  size_t pos_ = 0;
};

}  // namespace

Status RecordEncoder::add(const Entry& entry) {
  std::optional<std::string> payload = compact_payload(entry);
  if (!payload) return add_raw(entry);
  Segment& g = segment_;
  if (g.count > 0 && (entry.feed() != g.feed || entry.seq() != g.last_seq + 1 || entry.prev() != g.last_id)) {
    MHERO_RETURN_IF_ERROR(flush());
  }
  if (g.count == 0) {
    g.feed = entry.feed();
    g.first_seq = entry.seq();
    g.first_prev = entry.prev();
    g.last_hlc = 0;
  }
  put_varint(g.hlcs, zigzag(static_cast<int64_t>(entry.hlc_time() - g.last_hlc)));
  size_t head = payload_head_bytes(*payload);
  // The tail's last word ends in the text's NUL and padding: drop up to 7 trailing zero bytes;
  // the reader pads the tail back to a multiple of 8 bytes.
  size_t keep = payload->size();
  while (keep > head && payload->size() - keep < 7 && (*payload)[keep - 1] == '\0') --keep;
  put_varint(g.tail_lengths, keep - head);
  if (g.count == 0) g.head_size = head;
  if (g.head_size != head) g.head_size = 0;
  g.heads.append(*payload, 0, head);
  g.tails.append(*payload, head, keep - head);
  g.signatures.append(entry.signature());
  g.last_seq = entry.seq();
  g.last_id = entry.id();
  g.last_hlc = entry.hlc_time();
  ++g.count;
  if (g.count >= kSegmentEntries || g.tails.size() >= kSegmentTailBytes) return flush();
  return {};
}

uint64_t RecordEncoder::pending_bytes() const {
  const Segment& g = segment_;
  if (g.count == 0) return 0;
  return 128 + g.feed.scope.size() + g.hlcs.size() + g.tail_lengths.size() + g.heads.size() + g.tails.size() +
         g.signatures.size();
}

Status RecordEncoder::flush() {
  Segment& g = segment_;
  if (g.count == 0) return {};
  std::string fixed;
  fixed.push_back(static_cast<char>(kTagSegment));
  put_varint(fixed, g.count);
  fixed.append(g.feed.author.view());
  put_varint(fixed, g.feed.scope.size());
  fixed += g.feed.scope;
  put_varint(fixed, g.first_seq);
  fixed.append(reinterpret_cast<const char*>(g.first_prev.data()), g.first_prev.size());
  fixed += g.hlcs;
  fixed += g.tail_lengths;
  put_varint(fixed, g.head_size);
  if (g.head_size == 0) {
    fixed += g.heads;
  } else {
    // Heads of one size, byte plane by byte plane: byte 0 of every head, then byte 1, …
    const size_t base = fixed.size();
    fixed.resize(base + g.heads.size());
    for (size_t i = 0; i < g.count; ++i) {
      for (size_t b = 0; b < g.head_size; ++b) fixed[base + b * g.count + i] = g.heads[i * g.head_size + b];
    }
  }
  // Each kind of data in blocks of its own (random signatures sharing a block with text would
  // share its literal statistics and cost the text several bytes per entry).
  MHERO_RETURN_IF_ERROR(out_(fixed, true));
  MHERO_RETURN_IF_ERROR(out_(g.tails, true));
  MHERO_RETURN_IF_ERROR(out_(g.signatures, true));
  g.count = 0;
  g.hlcs.clear();
  g.tail_lengths.clear();
  g.heads.clear();
  g.tails.clear();
  g.signatures.clear();
  return {};
}

Status RecordEncoder::add_raw(const Entry& entry) {
  MHERO_RETURN_IF_ERROR(flush());
  std::string framed;
  std::string encoded = entry.encode();
  framed.push_back(static_cast<char>(kTagRaw));
  put_varint(framed, encoded.size());
  framed += encoded;
  ++raw_entries_;
  return out_(framed, false);
}

Status decode_records(std::string_view plain, const std::string& name, const EntrySink& sink) {
  StringSource src(plain, name);
  RecordReader<StringSource> reader(src, name, sink);
  return reader.run();
}

}  // namespace mhero::bundle
