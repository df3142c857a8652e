#include "bundle/body_reader.h"

#include <sodium.h>
#include <zstd.h>

#include <array>
#include <memory>

#include "bundle/body_writer.h"

namespace mhero::bundle {

namespace {

constexpr size_t kMaxChunkCipher = kChunkPlainBytes + crypto_secretstream_xchacha20poly1305_ABYTES;
constexpr uint32_t kMaxEntryBytes = 16u << 20;

struct ZstdDelete {
  void operator()(ZSTD_DCtx* p) const { ZSTD_freeDCtx(p); }
};

// Splits the decompressed stream into length-prefixed entries.
class EntryFramer {
 public:
  EntryFramer(const std::string& name, const EntrySink& sink) : name_(name), sink_(sink) {}

  Status feed(std::string_view bytes, uint64_t body_read) {
    buffer_.append(bytes);
    size_t pos = 0;
    while (buffer_.size() - pos >= 4) {
      auto b = [&](size_t i) { return static_cast<uint32_t>(static_cast<unsigned char>(buffer_[pos + i])); };
      uint32_t n = (b(0) << 24) | (b(1) << 16) | (b(2) << 8) | b(3);
      if (n == 0 || n > kMaxEntryBytes) {
        return corruption(name_ + ": entry " + std::to_string(count_ + 1) + " has length " +
                          std::to_string(n) + ", not a valid entry size");
      }
      if (buffer_.size() - pos - 4 < n) break;
      ++count_;
      std::string where = name_ + " entry " + std::to_string(count_);
      MHERO_ASSIGN_OR_RETURN(Entry e, Entry::decode(std::string_view(buffer_).substr(pos + 4, n), where));
      pos += 4 + n;
      MHERO_RETURN_IF_ERROR(sink_(std::move(e), body_read));
    }
    buffer_.erase(0, pos);
    return {};
  }
  bool empty() const { return buffer_.empty(); }

 private:
  const std::string& name_;
  const EntrySink& sink_;
  std::string buffer_;
  uint64_t count_ = 0;
};

}  // namespace

Status read_body(std::istream& in, uint64_t body_bytes, const NodeKey& recipient,
                 const std::string& name, const EntrySink& sink) {
  crypto_init();
  uint64_t offset = 0;
  auto read_exact = [&](void* out, size_t n, const char* what) -> Status {
    if (body_bytes - offset < n) {
      return corruption(name + ": body ends inside the " + std::string(what) + " at body byte " +
                        std::to_string(offset) + " (truncated)");
    }
    in.read(static_cast<char*>(out), static_cast<std::streamsize>(n));
    if (in.gcount() != static_cast<std::streamsize>(n)) {
      return corruption(name + ": file ends inside the " + std::string(what) + " at body byte " +
                        std::to_string(offset) + " (truncated)");
    }
    offset += n;
    return {};
  };

  std::array<unsigned char, crypto_box_SEALBYTES + crypto_secretstream_xchacha20poly1305_KEYBYTES> sealed;
  MHERO_RETURN_IF_ERROR(read_exact(sealed.data(), sealed.size(), "sealed key"));
  auto pk = x25519_public(recipient.id());
  auto sk = recipient.x25519_secret();
  std::array<unsigned char, crypto_secretstream_xchacha20poly1305_KEYBYTES> key;
  if (!pk || crypto_box_seal_open(key.data(), sealed.data(), sealed.size(), pk->data(), sk.data()) != 0) {
    sodium_memzero(sk.data(), sk.size());
    return corruption(name + ": the body key is not sealed to this node (" + recipient.id().hex() +
                      ") or the sealed key is damaged");
  }
  sodium_memzero(sk.data(), sk.size());
  std::array<unsigned char, crypto_secretstream_xchacha20poly1305_HEADERBYTES> header;
  MHERO_RETURN_IF_ERROR(read_exact(header.data(), header.size(), "stream header"));
  crypto_secretstream_xchacha20poly1305_state state;
  if (crypto_secretstream_xchacha20poly1305_init_pull(&state, header.data(), key.data()) != 0) {
    return corruption(name + ": the body stream header is invalid");
  }
  sodium_memzero(key.data(), key.size());

  std::unique_ptr<ZSTD_DCtx, ZstdDelete> zstd(ZSTD_createDCtx());
  EntryFramer framer(name, sink);
  std::string cipher(kMaxChunkCipher, '\0');
  std::string plain(kChunkPlainBytes, '\0');
  std::array<char, 128 * 1024> out_buf;
  bool final_seen = false;
  size_t zstd_left = 1;
  uint64_t chunk = 0;
  while (!final_seen) {
    if (offset == body_bytes) {
      return corruption(name + ": body ends after chunk " + std::to_string(chunk) +
                        " without the final chunk (truncated)");
    }
    unsigned char len_bytes[4];
    MHERO_RETURN_IF_ERROR(read_exact(len_bytes, 4, "chunk length"));
    uint32_t n = (uint32_t{len_bytes[0]} << 24) | (uint32_t{len_bytes[1]} << 16) |
                 (uint32_t{len_bytes[2]} << 8) | uint32_t{len_bytes[3]};
    if (n < crypto_secretstream_xchacha20poly1305_ABYTES || n > kMaxChunkCipher) {
      return corruption(name + ": chunk " + std::to_string(chunk + 1) + " at body byte " +
                        std::to_string(offset - 4) + " has invalid length " + std::to_string(n));
    }
    uint64_t chunk_offset = offset;
    MHERO_RETURN_IF_ERROR(read_exact(cipher.data(), n, "chunk"));
    ++chunk;
    unsigned long long plain_len = 0;
    unsigned char tag = 0;
    if (crypto_secretstream_xchacha20poly1305_pull(
            &state, reinterpret_cast<unsigned char*>(plain.data()), &plain_len, &tag,
            reinterpret_cast<const unsigned char*>(cipher.data()), n, nullptr, 0) != 0) {
      return corruption(name + ": chunk " + std::to_string(chunk) + " at body byte " +
                        std::to_string(chunk_offset) + " does not authenticate (damaged or altered)");
    }
    final_seen = tag == crypto_secretstream_xchacha20poly1305_TAG_FINAL;
    ZSTD_inBuffer zin{plain.data(), plain_len, 0};
    bool out_full = false;
    while (zin.pos < zin.size || out_full) {
      ZSTD_outBuffer zout{out_buf.data(), out_buf.size(), 0};
      zstd_left = ZSTD_decompressStream(zstd.get(), &zout, &zin);
      if (ZSTD_isError(zstd_left)) {
        return corruption(name + ": the compressed stream is malformed in chunk " +
                          std::to_string(chunk) + " (" + ZSTD_getErrorName(zstd_left) + ")");
      }
      out_full = zout.pos == zout.size;
      MHERO_RETURN_IF_ERROR(framer.feed({out_buf.data(), zout.pos}, offset));
    }
  }
  if (offset != body_bytes) {
    return corruption(name + ": " + std::to_string(body_bytes - offset) +
                      " unexpected bytes after the final chunk");
  }
  if (zstd_left != 0 || !framer.empty()) {
    return corruption(name + ": the final chunk ends inside an entry (the sender wrote it cut short)");
  }
  return {};
}

}  // namespace mhero::bundle
