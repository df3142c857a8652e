#include "bundle/body_reader.h"

#include <sodium.h>
#include <zstd.h>

#include <array>
#include <cstring>
#include <memory>
#include <vector>

#include "bundle/body_writer.h"
#include "bundle/entry_codec.h"
#include "bundle/record_reader.h"
#include "bundle/varint.h"

namespace mhero::bundle {

namespace {

constexpr size_t kMaxChunkCipher = kChunkPlainBytes + crypto_secretstream_xchacha20poly1305_ABYTES;

struct ZstdDelete {
  void operator()(ZSTD_DCtx* p) const { ZSTD_freeDCtx(p); }
};

// The decrypted, decompressed plaintext of a body as a pull stream: bytes are produced on demand,
// one chunk and one zstd output buffer at a time, so memory stays bounded by what the caller asks
// to hold.
class PlainSource {
 public:
  PlainSource(std::istream& in, uint64_t body_bytes, const std::string& name)
      : in_(in), body_bytes_(body_bytes), name_(name) {}

  Status open(const NodeKey& recipient) {
    std::array<unsigned char, crypto_box_SEALBYTES + crypto_secretstream_xchacha20poly1305_KEYBYTES> sealed;
    MHERO_RETURN_IF_ERROR(read_exact(sealed.data(), sealed.size(), "sealed key"));
    auto pk = x25519_public(recipient.id());
    auto sk = recipient.x25519_secret();
    std::array<unsigned char, crypto_secretstream_xchacha20poly1305_KEYBYTES> key;
    if (!pk || crypto_box_seal_open(key.data(), sealed.data(), sealed.size(), pk->data(), sk.data()) != 0) {
      sodium_memzero(sk.data(), sk.size());
      return corruption(name_ + ": the body key is not sealed to this node (" + recipient.id().hex() +
                        ") or the sealed key is damaged");
    }
    sodium_memzero(sk.data(), sk.size());
    std::array<unsigned char, crypto_secretstream_xchacha20poly1305_HEADERBYTES> header;
    MHERO_RETURN_IF_ERROR(read_exact(header.data(), header.size(), "stream header"));
    int bad = crypto_secretstream_xchacha20poly1305_init_pull(&state_, header.data(), key.data());
    sodium_memzero(key.data(), key.size());
    if (bad != 0) return corruption(name_ + ": the body stream header is invalid");
    zstd_.reset(ZSTD_createDCtx());
    return {};
  }

  /// Makes at least n plaintext bytes available; `what` names the thing being read when the
  /// stream ends first.
  Status need(size_t n, const std::string& what) {
    while (buffer_.size() - pos_ < n) {
      MHERO_ASSIGN_OR_RETURN(bool more, fill());
      if (!more) return corruption(name_ + ": the final chunk ends inside " + what + " (the sender wrote it cut short)");
    }
    return {};
  }
  /// The next n bytes (after need(n)); valid until the next need/at_end.
  std::string_view take(size_t n) {
    std::string_view out(buffer_.data() + pos_, n);
    pos_ += n;
    return out;
  }
  /// The available bytes, for varint parsing; consume() what was used.
  std::string_view available() const { return std::string_view(buffer_).substr(pos_); }
  void consume(size_t n) { pos_ += n; }

  /// True when the plaintext is exhausted (the final chunk was read and decompressed).
  Result<bool> at_end() {
    while (pos_ == buffer_.size()) {
      MHERO_ASSIGN_OR_RETURN(bool more, fill());
      if (!more) return true;
    }
    return false;
  }

  /// After at_end(): the body ends exactly after the final chunk and the zstd frame is complete.
  Status finish() {
    if (offset_ != body_bytes_) {
      return corruption(name_ + ": " + std::to_string(body_bytes_ - offset_) + " unexpected bytes after the final chunk");
    }
    if (zstd_left_ != 0) return corruption(name_ + ": the final chunk ends inside the compressed stream");
    return {};
  }

  uint64_t offset() const { return offset_; }

 private:
  Status read_exact(void* out, size_t n, const char* what) {
    if (body_bytes_ - offset_ < n) {
      return corruption(name_ + ": body ends inside the " + std::string(what) + " at body byte " +
                        std::to_string(offset_) + " (truncated)");
    }
    in_.read(static_cast<char*>(out), static_cast<std::streamsize>(n));
    if (in_.gcount() != static_cast<std::streamsize>(n)) {
      return corruption(name_ + ": file ends inside the " + std::string(what) + " at body byte " +
                        std::to_string(offset_) + " (truncated)");
    }
    offset_ += n;
    return {};
  }

  Status next_chunk() {
    if (offset_ == body_bytes_) {
      return corruption(name_ + ": body ends after chunk " + std::to_string(chunk_) +
                        " without the final chunk (truncated)");
    }
    unsigned char len_bytes[4];
    MHERO_RETURN_IF_ERROR(read_exact(len_bytes, 4, "chunk length"));
    uint32_t n = (uint32_t{len_bytes[0]} << 24) | (uint32_t{len_bytes[1]} << 16) | (uint32_t{len_bytes[2]} << 8) |
                 uint32_t{len_bytes[3]};
    if (n < crypto_secretstream_xchacha20poly1305_ABYTES || n > kMaxChunkCipher) {
      return corruption(name_ + ": chunk " + std::to_string(chunk_ + 1) + " at body byte " +
                        std::to_string(offset_ - 4) + " has invalid length " + std::to_string(n));
    }
    uint64_t chunk_offset = offset_;
    cipher_.resize(kMaxChunkCipher);
    MHERO_RETURN_IF_ERROR(read_exact(cipher_.data(), n, "chunk"));
    ++chunk_;
    plain_.resize(kChunkPlainBytes);
    unsigned long long plain_len = 0;
    unsigned char tag = 0;
    if (crypto_secretstream_xchacha20poly1305_pull(&state_, reinterpret_cast<unsigned char*>(plain_.data()),
                                                   &plain_len, &tag,
                                                   reinterpret_cast<const unsigned char*>(cipher_.data()), n,
                                                   nullptr, 0) != 0) {
      return corruption(name_ + ": chunk " + std::to_string(chunk_) + " at body byte " +
                        std::to_string(chunk_offset) + " does not authenticate (damaged or altered)");
    }
    final_seen_ = tag == crypto_secretstream_xchacha20poly1305_TAG_FINAL;
    zin_ = {plain_.data(), plain_len, 0};
    return {};
  }

  // Appends some plaintext to buffer_; false when there is no more.
  Result<bool> fill() {
    if (pos_ > 0 && pos_ >= buffer_.size() / 2) {
      buffer_.erase(0, pos_);
      pos_ = 0;
    }
    while (true) {
      if (zin_.pos < zin_.size || out_full_) {
        ZSTD_outBuffer zout{out_buf_.data(), out_buf_.size(), 0};
        zstd_left_ = ZSTD_decompressStream(zstd_.get(), &zout, &zin_);
        if (ZSTD_isError(zstd_left_)) {
          return corruption(name_ + ": the compressed stream is malformed in chunk " + std::to_string(chunk_) +
                            " (" + ZSTD_getErrorName(zstd_left_) + ")");
        }
        out_full_ = zout.pos == zout.size;
        if (zout.pos > 0) {
          buffer_.append(out_buf_.data(), zout.pos);
          return true;
        }
        continue;
      }
      if (final_seen_) return false;
      MHERO_RETURN_IF_ERROR(next_chunk());
    }
  }

  std::istream& in_;
  const uint64_t body_bytes_;
  const std::string& name_;
  uint64_t offset_ = 0;
  uint64_t chunk_ = 0;
  crypto_secretstream_xchacha20poly1305_state state_{};
  std::unique_ptr<ZSTD_DCtx, ZstdDelete> zstd_;
  std::string cipher_, plain_;
  ZSTD_inBuffer zin_{nullptr, 0, 0};
  bool out_full_ = false;
  bool final_seen_ = false;
  size_t zstd_left_ = 1;
  std::array<char, 128 * 1024> out_buf_;
  std::string buffer_;
  size_t pos_ = 0;
};

// Version 1: u32 BE length | SignedEntry, repeated.
Status read_v1(PlainSource& src, const std::string& name, const EntrySink& sink) {
  uint64_t count = 0;
  while (true) {
    MHERO_ASSIGN_OR_RETURN(bool end, src.at_end());
    if (end) return {};
    std::string what = "entry " + std::to_string(count + 1);
    MHERO_RETURN_IF_ERROR(src.need(4, what));
    std::string_view len = src.take(4);
    auto b = [&](size_t i) { return static_cast<uint32_t>(static_cast<unsigned char>(len[i])); };
    uint32_t n = (b(0) << 24) | (b(1) << 16) | (b(2) << 8) | b(3);
    if (n == 0 || n > kMaxEntryBytes) {
      return corruption(name + ": entry " + std::to_string(count + 1) + " has length " + std::to_string(n) +
                        ", not a valid entry size");
    }
    MHERO_RETURN_IF_ERROR(src.need(n, what));
    ++count;
    MHERO_ASSIGN_OR_RETURN(Entry e, Entry::decode(src.take(n), name + " entry " + std::to_string(count)));
    MHERO_RETURN_IF_ERROR(sink(std::move(e), src.offset()));
  }
}

}  // namespace

Status read_body(std::istream& in, uint64_t body_bytes, const NodeKey& recipient, uint32_t format,
                 const std::string& name, const EntrySink& sink) {
  crypto_init();
  if (format != kBodyFormatV1 && format != kBodyFormatV2) {
    return failed_precondition(name + ": body format " + std::to_string(format) + " is not one this program reads");
  }
  PlainSource src(in, body_bytes, name);
  MHERO_RETURN_IF_ERROR(src.open(recipient));
  if (format == kBodyFormatV1) {
    MHERO_RETURN_IF_ERROR(read_v1(src, name, sink));
  } else {
    RecordReader<PlainSource> reader(src, name, sink);
    MHERO_RETURN_IF_ERROR(reader.run());
  }
  return src.finish();
}

}  // namespace mhero::bundle
