#include "bundle/body_writer.h"

#include <array>

#include "bundle/entry_codec.h"
#include "bundle/varint.h"

namespace mhero::bundle {

BodyHasher::BodyHasher() { crypto_generichash_init(&state_, nullptr, 0, 32); }

void BodyHasher::update(std::string_view bytes) {
  crypto_generichash_update(&state_, reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
}

Hash256 BodyHasher::finish() {
  Hash256 out{};
  crypto_generichash_final(&state_, out.data(), out.size());
  return out;
}

Result<std::unique_ptr<BodyWriter>> BodyWriter::start(const NodeId& recipient, std::ostream& out,
                                                      int zstd_level, uint32_t format) {
  crypto_init();
  if (format != kBodyFormatV1 && format != kBodyFormatV2) {
    return invalid_argument("bundle body format " + std::to_string(format) + " is not one this program writes");
  }
  auto x25519 = x25519_public(recipient);
  if (!x25519) return invalid_argument("recipient " + recipient.hex() + " is not a valid node id");
  std::unique_ptr<BodyWriter> w(new BodyWriter(out));
  w->format_ = format;
  std::array<unsigned char, crypto_secretstream_xchacha20poly1305_KEYBYTES> key;
  crypto_secretstream_xchacha20poly1305_keygen(key.data());
  std::array<unsigned char, crypto_box_SEALBYTES + key.size()> sealed;
  crypto_box_seal(sealed.data(), key.data(), key.size(), x25519->data());
  std::array<unsigned char, crypto_secretstream_xchacha20poly1305_HEADERBYTES> header;
  crypto_secretstream_xchacha20poly1305_init_push(&w->stream_, header.data(), key.data());
  sodium_memzero(key.data(), key.size());
  w->zstd_ = ZSTD_createCCtx();
  ZSTD_CCtx_setParameter(w->zstd_, ZSTD_c_compressionLevel, zstd_level);
  MHERO_RETURN_IF_ERROR(w->write({reinterpret_cast<const char*>(sealed.data()), sealed.size()}));
  MHERO_RETURN_IF_ERROR(w->write({reinterpret_cast<const char*>(header.data()), header.size()}));
  return w;
}

BodyWriter::~BodyWriter() {
  if (zstd_) ZSTD_freeCCtx(zstd_);
  sodium_memzero(&stream_, sizeof stream_);
}

Status BodyWriter::write(std::string_view bytes) {
  out_.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out_) return failed_precondition("writing the bundle body failed (disk full?)");
  hasher_.update(bytes);
  written_ += bytes.size();
  return {};
}

Status BodyWriter::emit_chunk(std::string_view plain, bool final) {
  std::string cipher(plain.size() + crypto_secretstream_xchacha20poly1305_ABYTES + 4, '\0');
  unsigned long long cipher_len = 0;
  crypto_secretstream_xchacha20poly1305_push(
      &stream_, reinterpret_cast<unsigned char*>(cipher.data() + 4), &cipher_len,
      reinterpret_cast<const unsigned char*>(plain.data()), plain.size(), nullptr, 0,
      final ? crypto_secretstream_xchacha20poly1305_TAG_FINAL : 0);
  auto n = static_cast<uint32_t>(cipher_len);
  for (int i = 0; i < 4; ++i) cipher[static_cast<size_t>(i)] = static_cast<char>((n >> (24 - 8 * i)) & 0xff);
  cipher.resize(4 + cipher_len);
  return write(cipher);
}

Status BodyWriter::compress(std::string_view input, ZSTD_EndDirective mode) {
  ZSTD_inBuffer in{input.data(), input.size(), 0};
  std::array<char, 64 * 1024> buf;
  while (true) {
    ZSTD_outBuffer out{buf.data(), buf.size(), 0};
    size_t left = ZSTD_compressStream2(zstd_, &out, &in, mode);
    if (ZSTD_isError(left)) return failed_precondition(std::string("zstd: ") + ZSTD_getErrorName(left));
    compressed_.append(buf.data(), out.pos);
    while (compressed_.size() >= kChunkPlainBytes) {
      MHERO_RETURN_IF_ERROR(emit_chunk(std::string_view(compressed_).substr(0, kChunkPlainBytes), false));
      compressed_.erase(0, kChunkPlainBytes);
    }
    bool done = mode == ZSTD_e_continue ? in.pos == in.size : left == 0;
    if (done) break;
  }
  return {};
}

Status BodyWriter::add(const Entry& entry) {
  plain_ += entry.encoded_size();
  if (format_ == kBodyFormatV1) return add_v1(entry);
  return records_.add(entry);
}

Status BodyWriter::emit_record_bytes(std::string_view bytes, bool block_end) {
  if (!block_end) return compress_framed(bytes);  // A raw record.
  // A segment's piece: end a zstd block after each kind of data, since random signatures
  // sharing a block with text would share its literal statistics and cost the text several
  // bytes per entry.
  MHERO_RETURN_IF_ERROR(compress(bytes, ZSTD_e_flush));
  uncompressed_pending_ = 0;
  return {};
}

Status BodyWriter::add_v1(const Entry& entry) {
  std::string framed;
  std::string encoded = entry.encode();
  auto n = static_cast<uint32_t>(encoded.size());
  framed.reserve(4 + encoded.size());
  for (int i = 0; i < 4; ++i) framed.push_back(static_cast<char>((n >> (24 - 8 * i)) & 0xff));
  framed += encoded;
  return compress_framed(framed);
}

Status BodyWriter::compress_framed(std::string_view framed) {
  uncompressed_pending_ += framed.size();
  MHERO_RETURN_IF_ERROR(compress(framed, ZSTD_e_continue));
  if (uncompressed_pending_ >= 4 * kChunkPlainBytes) {
    // Flush so pending_bytes() stays a tight bound for --max-bytes splitting.
    MHERO_RETURN_IF_ERROR(compress({}, ZSTD_e_flush));
    uncompressed_pending_ = 0;
  }
  return {};
}

Status BodyWriter::flush() {
  MHERO_RETURN_IF_ERROR(records_.flush());
  MHERO_RETURN_IF_ERROR(compress({}, ZSTD_e_flush));
  uncompressed_pending_ = 0;
  return {};
}

Status BodyWriter::finish() {
  MHERO_RETURN_IF_ERROR(records_.flush());
  MHERO_RETURN_IF_ERROR(compress({}, ZSTD_e_end));
  uncompressed_pending_ = 0;
  while (compressed_.size() > kChunkPlainBytes) {
    MHERO_RETURN_IF_ERROR(emit_chunk(std::string_view(compressed_).substr(0, kChunkPlainBytes), false));
    compressed_.erase(0, kChunkPlainBytes);
  }
  MHERO_RETURN_IF_ERROR(emit_chunk(compressed_, true));
  compressed_.clear();
  out_.flush();
  if (!out_) return failed_precondition("writing the bundle body failed (disk full?)");
  hash_ = hasher_.finish();
  return {};
}

}  // namespace mhero::bundle
