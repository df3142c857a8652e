#include "identity/node_key.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "util/bytes.h"

namespace mhero {

namespace {
constexpr std::string_view kHeader = "mhero-node-key v1 ed25519";
}

NodeKey::~NodeKey() { sodium_memzero(secret_.data(), secret_.size()); }

NodeKey NodeKey::generate() {
  std::array<uint8_t, kSeedSize> seed;
  random_bytes(seed.data(), seed.size());
  NodeKey key = from_seed(seed);
  sodium_memzero(seed.data(), seed.size());
  return key;
}

NodeKey NodeKey::from_seed(const std::array<uint8_t, kSeedSize>& seed) {
  crypto_init();
  NodeKey key;
  crypto_sign_seed_keypair(key.id_.bytes.data(), key.secret_.data(), seed.data());
  return key;
}

Result<NodeKey> NodeKey::create_file(const std::filesystem::path& path) {
  NodeKey key = generate();
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (errno == EEXIST) {
      return already_exists(path.string() + " already exists; refusing to overwrite a node key");
    }
    return failed_precondition("cannot create " + path.string() + ": " + std::strerror(errno));
  }
  std::string text = std::string(kHeader) + "\n" +
                     to_hex(std::span<const uint8_t>(key.secret_.data(), kSeedSize)) + "\n";
  bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
                 ::fchmod(fd, 0600) == 0 && ::fsync(fd) == 0;
  int saved_errno = errno;
  sodium_memzero(text.data(), text.size());
  ::close(fd);
  if (!written) {
    std::filesystem::remove(path);
    return failed_precondition("cannot write " + path.string() + ": " + std::strerror(saved_errno));
  }
  return key;
}

Result<NodeKey> NodeKey::load_file(const std::filesystem::path& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    return not_found("no node key at " + path.string() + " (run `mhero init` first)");
  }
  if ((st.st_mode & 077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%03o", static_cast<unsigned>(st.st_mode & 0777));
    return permission_denied(path.string() + " has mode " + mode +
                             "; a node key must be private: run `chmod 600 " + path.string() + "`");
  }
  std::ifstream in(path);
  if (!in) {
    return permission_denied("cannot read " + path.string() + ": " + std::strerror(errno) +
                             " (run the command as the user that owns the node directory)");
  }
  std::string header, hex;
  std::getline(in, header);
  std::getline(in, hex);
  if (header != kHeader || hex.size() != 2 * kSeedSize) {
    return corruption(path.string() + " is not an mhero node key (expected \"" +
                      std::string(kHeader) + "\" and 64 hex characters)");
  }
  auto raw = from_hex(hex);
  sodium_memzero(hex.data(), hex.size());
  if (!raw) return corruption(path.string() + ": line 2 is not hex");
  std::array<uint8_t, kSeedSize> seed;
  std::memcpy(seed.data(), raw->data(), kSeedSize);
  sodium_memzero(raw->data(), raw->size());
  NodeKey key = from_seed(seed);
  sodium_memzero(seed.data(), seed.size());
  return key;
}

Signature NodeKey::sign(std::string_view message) const {
  Signature sig;
  crypto_sign_detached(sig.data(), nullptr, reinterpret_cast<const unsigned char*>(message.data()),
                       message.size(), secret_.data());
  return sig;
}

std::array<uint8_t, 32> NodeKey::x25519_secret() const {
  std::array<uint8_t, 32> out;
  crypto_sign_ed25519_sk_to_curve25519(out.data(), secret_.data());
  return out;
}

std::optional<std::array<uint8_t, 32>> x25519_public(const NodeId& id) {
  std::array<uint8_t, 32> out;
  if (crypto_sign_ed25519_pk_to_curve25519(out.data(), id.bytes.data()) != 0) return std::nullopt;
  return out;
}

}  // namespace mhero
