#include "node/backup.h"

#include <sodium.h>
#include <sys/stat.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "identity/crypto.h"
#include "node/backup_file.h"
#include "node/data_modes.h"
#include "node/store_origin.h"
#include "util/bytes.h"

namespace mhero {

namespace {

constexpr const char* kManifest = "MANIFEST.json";

void put_be(std::string& out, uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

std::string random_suffix() {
  crypto_init();
  uint8_t b[6];
  randombytes_buf(b, sizeof b);
  return to_hex(std::span<const uint8_t>(b, sizeof b));
}

// Removes a directory tree when it goes out of scope (unless released).
struct RemoveOnExit {
  std::filesystem::path path;
  ~RemoveOnExit() {
    if (path.empty()) return;
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

Status add_record(BackupWriter& w, const std::string& rel, unsigned mode, std::string_view bytes) {
  std::string head = "F";
  put_be(head, rel.size(), 2);
  head += rel;
  put_be(head, mode, 4);
  put_be(head, bytes.size(), 8);
  MHERO_RETURN_IF_ERROR(w.write(head));
  return w.write(bytes);
}

Status add_file(BackupWriter& w, const std::filesystem::path& file, const std::string& rel, BackupSummary& sum) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return failed_precondition("cannot read " + file.string() + " for the backup");
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return failed_precondition("cannot read " + file.string() + " for the backup");
  struct stat st {};
  unsigned mode = ::stat(file.c_str(), &st) == 0 ? (st.st_mode & 07777) : 0600;
  ++sum.files;
  sum.bytes += bytes.size();
  return add_record(w, rel, mode, bytes);
}

// Every regular file under `root` (symlinks and sockets skipped), skipping the top-level names
// in `skip`, with its '/'-separated path relative to root prefixed by `prefix`.
Status add_tree(BackupWriter& w, const std::filesystem::path& root, const std::string& prefix,
                const std::vector<std::string>& skip, BackupSummary& sum) {
  std::error_code ec;
  std::vector<std::filesystem::path> files;
  auto it = std::filesystem::recursive_directory_iterator(root, ec);
  if (ec) return failed_precondition("cannot list " + root.string() + ": " + ec.message());
  for (; it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) return failed_precondition("cannot list " + root.string() + ": " + ec.message());
    std::filesystem::path rel = it->path().lexically_relative(root);
    if (it.depth() == 0 && std::find(skip.begin(), skip.end(), rel.string()) != skip.end()) {
      if (it->is_directory()) it.disable_recursion_pending();
      continue;
    }
    if (it->is_symlink() || !it->is_regular_file()) continue;
    files.push_back(rel);
  }
  std::sort(files.begin(), files.end());
  for (const auto& rel : files) MHERO_RETURN_IF_ERROR(add_file(w, root / rel, prefix + rel.generic_string(), sum));
  return {};
}

// Reads exactly n plain bytes. Errors: the reader's; corruption when the archive ends early.
Result<std::string> read_exact(BackupReader& r, size_t n, const std::string& where) {
  std::string out;
  while (out.size() < n) {
    MHERO_ASSIGN_OR_RETURN(std::string part, r.read(n - out.size()));
    if (part.empty()) return corruption(where + " is damaged: its archive ends inside a record; nothing was changed");
    out += part;
  }
  return out;
}

bool safe_relative(const std::string& rel) {
  if (rel.empty() || rel.front() == '/' || rel.find('\0') != std::string::npos) return false;
  for (const auto& part : std::filesystem::path(rel)) {
    if (part == ".." || part == "." || part.empty()) return false;
  }
  return true;
}

}  // namespace

Result<BackupSummary> write_backup(Node& node, const std::filesystem::path& out, std::string_view passphrase) {
  BackupSummary sum;
  sum.node_hex = node.id().hex();
  sum.role = node.config().role == Role::central ? "central" : "district " + node.config().district;
  sum.made_at_ms = node.clock().now().count();
  MHERO_ASSIGN_OR_RETURN(auto writer, BackupWriter::create(out, passphrase));
  std::string checkpoint_name = ".backup-checkpoint-" + random_suffix();
  RemoveOnExit checkpoint{node.paths().dir / checkpoint_name};
  MHERO_RETURN_IF_ERROR(node.store().checkpoint(checkpoint.path));
  {  // Entries in the checkpoint: the frontier as of the checkpoint is at least this.
    sum.entries = node.store().frontier().total();
  }
  nlohmann::json manifest = {{"format", 1}, {"node", sum.node_hex}, {"role", sum.role},
                             {"made_at_ms", sum.made_at_ms}, {"entries", sum.entries}};
  MHERO_RETURN_IF_ERROR(add_record(*writer, kManifest, 0600, manifest.dump()));
  MHERO_RETURN_IF_ERROR(add_tree(*writer, node.paths().dir, "",
                                 {"db", "control.sock", checkpoint_name, out.filename().string()}, sum));
  MHERO_RETURN_IF_ERROR(add_tree(*writer, checkpoint.path, "db/", {}, sum));
  MHERO_RETURN_IF_ERROR(writer->write("E"));
  MHERO_RETURN_IF_ERROR(writer->finish());
  return sum;
}

Result<BackupSummary> restore_backup(const std::filesystem::path& file, const std::filesystem::path& dir_in,
                                     std::string_view passphrase, const Clock& clock) {
  std::filesystem::path dir = std::filesystem::absolute(dir_in).lexically_normal();
  if (dir.filename().empty()) dir = dir.parent_path();
  std::error_code ec;
  bool existed = std::filesystem::exists(dir, ec);
  if (existed && std::filesystem::exists(dir / "node.key", ec)) {
    return already_exists(dir.string() + " holds a node already (its node.key): a restore never writes over a "
                          "node, this one or another. Restore into a new directory; nothing was changed");
  }
  if (existed && (!std::filesystem::is_directory(dir, ec) || !std::filesystem::is_empty(dir, ec))) {
    return already_exists(dir.string() + " exists and is not an empty directory; restore into a new directory. "
                          "Nothing was changed");
  }
  std::string where = file.string();
  MHERO_ASSIGN_OR_RETURN(auto reader, BackupReader::open(file, passphrase));
  RemoveOnExit staging{dir.parent_path() / ("." + dir.filename().string() + ".restoring-" + random_suffix())};
  std::filesystem::create_directories(staging.path, ec);
  if (ec) return failed_precondition("cannot create " + staging.path.string() + ": " + ec.message() + "; nothing was changed");
  MHERO_RETURN_IF_ERROR(make_private(staging.path));

  BackupSummary sum;
  bool first = true;
  while (true) {
    MHERO_ASSIGN_OR_RETURN(std::string type, read_exact(*reader, 1, where));
    if (type == "E") break;
    if (type != "F") return corruption(where + " is damaged: unknown archive record; nothing was changed");
    MHERO_ASSIGN_OR_RETURN(std::string len, read_exact(*reader, 2, where));
    MHERO_ASSIGN_OR_RETURN(std::string rel, read_exact(*reader, get_uint_be(len), where));
    MHERO_ASSIGN_OR_RETURN(std::string mode_size, read_exact(*reader, 12, where));
    uint64_t size = get_uint_be(std::string_view(mode_size).substr(4));
    if (first != (rel == kManifest) || !safe_relative(rel)) {
      return corruption(where + " is damaged: unexpected archive path \"" + rel + "\"; nothing was changed");
    }
    if (first) {
      if (size > (1u << 20)) return corruption(where + " is damaged: oversized manifest; nothing was changed");
      MHERO_ASSIGN_OR_RETURN(std::string text, read_exact(*reader, size, where));
      auto manifest = nlohmann::json::parse(text, nullptr, false);
      if (manifest.is_discarded() || !manifest.is_object()) {
        return corruption(where + " is damaged: unreadable manifest; nothing was changed");
      }
      sum.node_hex = manifest.value("node", "");
      sum.role = manifest.value("role", "");
      sum.made_at_ms = manifest.value("made_at_ms", int64_t{0});
      sum.entries = manifest.value("entries", uint64_t{0});
      first = false;
      continue;
    }
    std::filesystem::path target = staging.path / rel;
    std::filesystem::create_directories(target.parent_path(), ec);
    if (ec) return failed_precondition("cannot create " + target.parent_path().string() + ": " + ec.message());
    std::ofstream out(target, std::ios::binary | std::ios::trunc);
    if (!out) return failed_precondition("cannot write " + target.string() + "; nothing was changed");
    MHERO_RETURN_IF_ERROR(make_private(target));
    uint64_t left = size;
    while (left > 0) {
      MHERO_ASSIGN_OR_RETURN(std::string part, read_exact(*reader, std::min<uint64_t>(left, 1u << 20), where));
      out.write(part.data(), static_cast<std::streamsize>(part.size()));
      left -= part.size();
    }
    out.close();
    if (!out) return failed_precondition("cannot write " + target.string() + " (is the disk full?); nothing was changed");
    ++sum.files;
    sum.bytes += size;
  }
  MHERO_ASSIGN_OR_RETURN(std::string after, reader->read(1));
  if (!after.empty()) return corruption(where + " is damaged: data after the archive's end; nothing was changed");
  for (const char* needed : {"node.key", "config.toml", "db/CURRENT"}) {
    if (!std::filesystem::exists(staging.path / needed)) {
      return corruption(where + " holds no " + needed + ": not a whole node backup; nothing was changed");
    }
  }
  for (const auto& made : std::filesystem::recursive_directory_iterator(staging.path, ec)) {
    if (made.is_directory()) MHERO_RETURN_IF_ERROR(make_private(made.path()));
  }
  {  // The restored store holds its writes until it has learned its heads from a peer.
    MHERO_ASSIGN_OR_RETURN(auto store, LogStore::open(staging.path / "db", clock, StoreOptions{}));
    MHERO_RETURN_IF_ERROR(store->hold_writes("restored from the backup " + std::filesystem::path(file).filename().string() +
                                             " made " + iso_time_ms(sum.made_at_ms)));
  }
  if (existed) std::filesystem::remove(dir, ec);
  std::filesystem::rename(staging.path, dir, ec);
  if (ec) return failed_precondition("cannot move the restored node to " + dir.string() + ": " + ec.message() + "; nothing was changed");
  staging.path.clear();
  return sum;
}

}  // namespace mhero
