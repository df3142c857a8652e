// Helpers shared by the libFuzzer targets of tools/fuzz (README "Reliability"): the fixed
// recipient key, a ByteStream over the input, and a per-process scratch file for parsers that
// read paths. Each target defines LLVMFuzzerTestOneInput and must never crash, leak, or trip a
// sanitizer on any input; a refusal is a Status, never an exception or abort.
#pragma once

#include <unistd.h>

#include <array>
#include <cstdlib>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <span>
#include <string>
#include <string_view>

#include "identity/node_key.h"
#include "replication/byte_stream.h"

namespace mhero::fuzz {

/// The input as text (bytes unchanged).
inline std::string_view as_text(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

/// The recipient of every fuzzed bundle: a key from a fixed seed, so seeds written by
/// fuzz-seeds decrypt in the target (deterministic; never a real node's key).
inline const NodeKey& recipient_key() {
  static const NodeKey key = [] {
    std::array<uint8_t, NodeKey::kSeedSize> seed{};
    for (size_t i = 0; i < seed.size(); ++i) seed[i] = static_cast<uint8_t>(0xf0 + i);
    return NodeKey::from_seed(seed);
  }();
  return key;
}

/// The sender of seed bundles and entries (another fixed seed).
inline const NodeKey& sender_key() {
  static const NodeKey key = [] {
    std::array<uint8_t, NodeKey::kSeedSize> seed{};
    for (size_t i = 0; i < seed.size(); ++i) seed[i] = static_cast<uint8_t>(0x10 + i);
    return NodeKey::from_seed(seed);
  }();
  return key;
}

/// A ByteStream that reads the fuzz input and discards writes; reading past the end is
/// `unavailable`, as a closed socket is.
class InputStream final : public ByteStream {
 public:
  explicit InputStream(std::string_view input) : input_(input) {}
  Status read_exact(std::span<uint8_t> out) override {
    if (out.size() > input_.size() - pos_) return unavailable("end of input");
    std::memcpy(out.data(), input_.data() + pos_, out.size());
    pos_ += out.size();
    read_ += out.size();
    return {};
  }
  Status write_all(std::span<const uint8_t> data) override {
    written_ += data.size();
    return {};
  }
  void close() override {}

 private:
  std::string_view input_;
  size_t pos_ = 0;
};

/// Writes `bytes` to a scratch file of this process (under $TMPDIR, else /tmp; tools/fuzz.sh
/// points TMPDIR at its work directory) and returns its path; the same path is reused for every
/// input. `name` is the file name inside the directory.
inline std::filesystem::path scratch_file(std::string_view bytes, const std::string& name) {
  static const std::filesystem::path dir = [] {
    const char* tmp = std::getenv("TMPDIR");
    std::filesystem::path base = tmp && *tmp ? tmp : "/tmp";
    auto d = base / ("mhero-fuzz-" + std::to_string(::getpid()));
    std::filesystem::create_directories(d);
    return d;
  }();
  auto path = dir / name;
  std::ofstream(path, std::ios::binary | std::ios::trunc).write(bytes.data(),
                                                                static_cast<std::streamsize>(bytes.size()));
  return path;
}

}  // namespace mhero::fuzz
