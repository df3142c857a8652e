// Encrypts a bundle body plaintext to the fuzz recipient exactly as bundle/body_writer.cc lays it
// out (sealed key, secretstream header, length-prefixed chunks, TAG_FINAL on the last), so the
// bundle body target and fuzz-seeds can work on the plaintext, where the structure is.
#pragma once

#include <sodium.h>
#include <zstd.h>

#include <optional>
#include <string>
#include <string_view>

#include "fuzz_support.h"

namespace mhero::fuzz {

/// The zstd frame of `plain` (level 1).
inline std::string zstd_frame(std::string_view plain) {
  std::string out(ZSTD_compressBound(plain.size()), '\0');
  size_t n = ZSTD_compress(out.data(), out.size(), plain.data(), plain.size(), 1);
  out.resize(ZSTD_isError(n) ? 0 : n);
  return out;
}

/// The encrypted body carrying `stream` (the zstd frame) to recipient_key().
inline std::string seal_body(std::string_view stream) {
  auto x25519 = x25519_public(recipient_key().id());
  unsigned char key[crypto_secretstream_xchacha20poly1305_KEYBYTES];
  crypto_secretstream_xchacha20poly1305_keygen(key);
  std::string out(crypto_box_SEALBYTES + sizeof key, '\0');
  crypto_box_seal(reinterpret_cast<unsigned char*>(out.data()), key, sizeof key, x25519->data());
  crypto_secretstream_xchacha20poly1305_state state;
  unsigned char header[crypto_secretstream_xchacha20poly1305_HEADERBYTES];
  crypto_secretstream_xchacha20poly1305_init_push(&state, header, key);
  out.append(reinterpret_cast<const char*>(header), sizeof header);
  constexpr size_t kChunk = 64 * 1024;
  size_t pos = 0;
  do {
    std::string_view plain = stream.substr(pos, kChunk);
    pos += plain.size();
    bool final = pos >= stream.size();
    std::string cipher(plain.size() + crypto_secretstream_xchacha20poly1305_ABYTES, '\0');
    unsigned long long len = 0;
    crypto_secretstream_xchacha20poly1305_push(
        &state, reinterpret_cast<unsigned char*>(cipher.data()), &len,
        reinterpret_cast<const unsigned char*>(plain.data()), plain.size(), nullptr, 0,
        final ? crypto_secretstream_xchacha20poly1305_TAG_FINAL : 0);
    for (int i = 0; i < 4; ++i) out += static_cast<char>((len >> (24 - 8 * i)) & 0xff);
    out.append(cipher.data(), len);
    if (final) break;
  } while (true);
  return out;
}

}  // namespace mhero::fuzz
