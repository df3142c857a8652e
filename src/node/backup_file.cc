#include "node/backup_file.h"

#include <fcntl.h>
#include <sodium.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "identity/crypto.h"
#include "util/bytes.h"

namespace mhero {

namespace {

constexpr std::string_view kBackupMagic = "MHEROBAK";
constexpr uint32_t kVersion = 1;
constexpr size_t kChunkPlain = 64 * 1024;
constexpr size_t kHeaderAuth = 8 + 4 + crypto_pwhash_SALTBYTES + 8 + 8;  // 44: the AD of every chunk.
using Stream = crypto_secretstream_xchacha20poly1305_state;


Status derive(std::string_view passphrase, std::string_view salt, uint64_t ops, uint64_t mem,
              unsigned char (&key)[crypto_secretstream_xchacha20poly1305_KEYBYTES], const std::string& name) {
  if (crypto_pwhash(key, sizeof key, passphrase.data(), passphrase.size(),
                    reinterpret_cast<const unsigned char*>(salt.data()), ops, static_cast<size_t>(mem),
                    crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return resource_exhausted(name + ": not enough memory to derive the key from the passphrase (" +
                              std::to_string(mem >> 20) + " MiB)");
  }
  return {};
}

}  // namespace

Result<std::unique_ptr<BackupWriter>> BackupWriter::create(const std::filesystem::path& path,
                                                           std::string_view passphrase) {
  crypto_init();
  if (passphrase.size() < 12) {
    return invalid_argument("the backup passphrase must have at least 12 characters; nothing was written");
  }
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0 && errno == EEXIST) return already_exists(path.string() + " already exists; give a new file name");
  if (fd < 0) return failed_precondition("cannot create " + path.string() + ": " + std::strerror(errno));
  ::close(fd);
  std::unique_ptr<BackupWriter> w(new BackupWriter());
  w->path_ = path;
  w->out_.open(path, std::ios::binary | std::ios::trunc);
  if (!w->out_) return failed_precondition("cannot write " + path.string());

  std::string salt(crypto_pwhash_SALTBYTES, '\0');
  randombytes_buf(salt.data(), salt.size());
  uint64_t ops = crypto_pwhash_OPSLIMIT_INTERACTIVE, mem = crypto_pwhash_MEMLIMIT_INTERACTIVE;
  w->header_ = std::string(kBackupMagic);
  put_u32_be(w->header_, kVersion);
  w->header_ += salt;
  put_u64_be(w->header_, ops);
  put_u64_be(w->header_, mem);
  unsigned char key[crypto_secretstream_xchacha20poly1305_KEYBYTES];
  MHERO_RETURN_IF_ERROR(derive(passphrase, salt, ops, mem, key, path.string()));
  w->state_.resize(sizeof(Stream));
  unsigned char stream_header[crypto_secretstream_xchacha20poly1305_HEADERBYTES];
  crypto_secretstream_xchacha20poly1305_init_push(reinterpret_cast<Stream*>(w->state_.data()), stream_header, key);
  sodium_memzero(key, sizeof key);
  w->out_.write(w->header_.data(), static_cast<std::streamsize>(w->header_.size()));
  w->out_.write(reinterpret_cast<const char*>(stream_header), sizeof stream_header);
  if (!w->out_) return failed_precondition("cannot write " + path.string());
  return w;
}

BackupWriter::~BackupWriter() {
  if (!state_.empty()) sodium_memzero(state_.data(), state_.size());
  if (!finished_ && out_.is_open()) {  // Never leave a half backup that looks like one.
    out_.close();
    std::error_code ec;
    std::filesystem::remove(path_, ec);
  }
}

Status BackupWriter::write(std::string_view bytes) {
  while (!bytes.empty()) {
    size_t take = std::min(bytes.size(), kChunkPlain - pending_.size());
    pending_.append(bytes.substr(0, take));
    bytes.remove_prefix(take);
    if (pending_.size() == kChunkPlain) MHERO_RETURN_IF_ERROR(flush_chunk(false));
  }
  return {};
}

Status BackupWriter::flush_chunk(bool final) {
  std::string cipher(pending_.size() + crypto_secretstream_xchacha20poly1305_ABYTES, '\0');
  unsigned long long len = 0;
  crypto_secretstream_xchacha20poly1305_push(
      reinterpret_cast<Stream*>(state_.data()), reinterpret_cast<unsigned char*>(cipher.data()), &len,
      reinterpret_cast<const unsigned char*>(pending_.data()), pending_.size(),
      reinterpret_cast<const unsigned char*>(header_.data()), header_.size(),
      final ? crypto_secretstream_xchacha20poly1305_TAG_FINAL : 0);
  sodium_memzero(pending_.data(), pending_.size());
  pending_.clear();
  std::string frame;
  put_u32_be(frame, static_cast<uint32_t>(len));
  out_.write(frame.data(), static_cast<std::streamsize>(frame.size()));
  out_.write(cipher.data(), static_cast<std::streamsize>(len));
  if (!out_) return failed_precondition("cannot write " + path_.string() + " (is the disk full?); the partial file was removed");
  return {};
}

Status BackupWriter::finish() {
  MHERO_RETURN_IF_ERROR(flush_chunk(true));
  out_.flush();
  out_.close();
  if (!out_) return failed_precondition("cannot write " + path_.string() + " (is the disk full?); the partial file was removed");
  int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
  bool synced = fd >= 0 && ::fsync(fd) == 0;
  if (fd >= 0) ::close(fd);
  if (!synced) return failed_precondition("cannot flush " + path_.string() + " to disk");
  finished_ = true;
  return {};
}

Result<std::unique_ptr<BackupReader>> BackupReader::open(const std::filesystem::path& path,
                                                         std::string_view passphrase) {
  crypto_init();
  std::unique_ptr<BackupReader> r(new BackupReader());
  r->path_ = path;
  r->in_.open(path, std::ios::binary);
  if (!r->in_) return not_found(path.string() + " cannot be read (no such file?); nothing was changed");
  std::string head(kHeaderAuth + crypto_secretstream_xchacha20poly1305_HEADERBYTES, '\0');
  r->in_.read(head.data(), static_cast<std::streamsize>(head.size()));
  if (r->in_.gcount() != static_cast<std::streamsize>(head.size()) || head.compare(0, kBackupMagic.size(), kBackupMagic) != 0) {
    return corruption(path.string() + " is not an mhero backup (it does not start with " + std::string(kBackupMagic) +
                      ", or is shorter than its header); nothing was changed");
  }
  std::string_view h(head);
  uint64_t version = get_uint_be(h.substr(8, 4));
  if (version != kVersion) {
    return failed_precondition(path.string() + " is a backup of format " + std::to_string(version) +
                               ", this mhero reads format " + std::to_string(kVersion) +
                               "; restore it with a newer mhero. Nothing was changed");
  }
  std::string_view salt = h.substr(12, crypto_pwhash_SALTBYTES);
  uint64_t ops = get_uint_be(h.substr(12 + crypto_pwhash_SALTBYTES, 8));
  uint64_t mem = get_uint_be(h.substr(20 + crypto_pwhash_SALTBYTES, 8));
  if (ops < crypto_pwhash_OPSLIMIT_MIN || ops > crypto_pwhash_OPSLIMIT_MAX || mem < crypto_pwhash_MEMLIMIT_MIN ||
      mem > (uint64_t{4} << 30)) {
    return corruption(path.string() + ": damaged header (key derivation limits out of range); nothing was changed");
  }
  r->header_ = std::string(h.substr(0, kHeaderAuth));
  unsigned char key[crypto_secretstream_xchacha20poly1305_KEYBYTES];
  MHERO_RETURN_IF_ERROR(derive(passphrase, salt, ops, mem, key, path.string()));
  r->state_.resize(sizeof(Stream));
  int ok = crypto_secretstream_xchacha20poly1305_init_pull(
      reinterpret_cast<Stream*>(r->state_.data()), reinterpret_cast<const unsigned char*>(h.data() + kHeaderAuth), key);
  sodium_memzero(key, sizeof key);
  if (ok != 0) return corruption(path.string() + ": damaged header; nothing was changed");
  return r;
}

Status BackupReader::next_chunk() {
  std::string where = path_.string();
  char len_bytes[4];
  in_.read(len_bytes, 4);
  if (in_.gcount() != 4) {
    return corruption(where + " is truncated: it ends after " + std::to_string(chunks_) +
                      " blocks without the final one (copy the backup again); nothing was changed");
  }
  uint64_t len = get_uint_be(std::string_view(len_bytes, 4));
  if (len < crypto_secretstream_xchacha20poly1305_ABYTES || len > kChunkPlain + crypto_secretstream_xchacha20poly1305_ABYTES) {
    return corruption(where + " is damaged: block " + std::to_string(chunks_ + 1) + " has an impossible length " +
                      std::to_string(len) + "; nothing was changed");
  }
  std::string cipher(len, '\0');
  in_.read(cipher.data(), static_cast<std::streamsize>(len));
  if (static_cast<uint64_t>(in_.gcount()) != len) {
    return corruption(where + " is truncated inside block " + std::to_string(chunks_ + 1) +
                      " (copy the backup again); nothing was changed");
  }
  plain_.assign(len - crypto_secretstream_xchacha20poly1305_ABYTES, '\0');
  plain_pos_ = 0;
  unsigned long long plain_len = 0;
  unsigned char tag = 0;
  if (crypto_secretstream_xchacha20poly1305_pull(
          reinterpret_cast<Stream*>(state_.data()), reinterpret_cast<unsigned char*>(plain_.data()), &plain_len, &tag,
          reinterpret_cast<const unsigned char*>(cipher.data()), cipher.size(),
          reinterpret_cast<const unsigned char*>(header_.data()), header_.size()) != 0) {
    if (chunks_ == 0) {
      return permission_denied(where + ": wrong passphrase, or the file was altered (its first block does not "
                                       "decrypt); nothing was changed");
    }
    return corruption(where + " is damaged: block " + std::to_string(chunks_ + 1) +
                      " does not decrypt (altered or a bad copy); nothing was changed");
  }
  ++chunks_;
  if (tag == crypto_secretstream_xchacha20poly1305_TAG_FINAL) {
    final_ = true;
    if (in_.peek() != std::char_traits<char>::eof()) {
      return corruption(where + " is damaged: bytes follow its final block; nothing was changed");
    }
  }
  return {};
}

Result<std::string> BackupReader::read(size_t max) {
  while (plain_pos_ == plain_.size()) {
    if (final_) return std::string();
    MHERO_RETURN_IF_ERROR(next_chunk());
  }
  size_t take = std::min(max, plain_.size() - plain_pos_);
  std::string out = plain_.substr(plain_pos_, take);
  plain_pos_ += take;
  return out;
}

}  // namespace mhero
