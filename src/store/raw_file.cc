#include "store/raw_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

namespace mhero {

namespace {
constexpr std::string_view kRawFileMagic = "MHRAW001";
}

Result<size_t> write_raw_file(const std::filesystem::path& path, EntryCursor& cursor) {
  std::filesystem::path tmp = path;
  tmp += ".partial";
  std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
  if (!out) return failed_precondition("cannot create " + tmp.string() + ": " + std::strerror(errno));
  // Plain entries can carry personal data (phone numbers): readable by the owner only.
  std::filesystem::permissions(tmp, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  out.write(kRawFileMagic.data(), kRawFileMagic.size());
  size_t count = 0;
  while (true) {
    auto next = cursor.next();
    if (!next.ok()) {
      out.close();
      std::filesystem::remove(tmp);
      return next.status();
    }
    if (!next->has_value()) break;
    std::string bytes = (*next)->encode();
    uint32_t n = static_cast<uint32_t>(bytes.size());
    char len[4] = {static_cast<char>(n >> 24), static_cast<char>(n >> 16), static_cast<char>(n >> 8),
                   static_cast<char>(n)};
    out.write(len, 4);
    out.write(bytes.data(), bytes.size());
    ++count;
  }
  out.close();
  int fd = ::open(tmp.c_str(), O_RDONLY | O_CLOEXEC);
  bool synced = fd >= 0 && ::fsync(fd) == 0;
  if (fd >= 0) ::close(fd);
  if (!out || !synced) {
    std::filesystem::remove(tmp);
    return failed_precondition("cannot write " + path.string() + " (disk full?)");
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) return failed_precondition("cannot rename " + tmp.string() + ": " + ec.message());
  return count;
}

Result<std::vector<Entry>> read_raw_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return not_found("cannot open " + path.string());
  std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (data.size() < kRawFileMagic.size() || std::string_view(data).substr(0, kRawFileMagic.size()) != kRawFileMagic) {
    return corruption(path.string() + ": not a raw entry file (bad magic at offset 0)");
  }
  std::vector<Entry> entries;
  size_t offset = kRawFileMagic.size();
  while (offset < data.size()) {
    std::string where = path.string() + " entry " + std::to_string(entries.size() + 1) + " at byte " +
                        std::to_string(offset);
    if (data.size() - offset < 4) return corruption(where + ": truncated length");
    auto b = [&](size_t i) { return static_cast<uint32_t>(static_cast<unsigned char>(data[offset + i])); };
    uint32_t n = (b(0) << 24) | (b(1) << 16) | (b(2) << 8) | b(3);
    offset += 4;
    if (data.size() - offset < n) return corruption(where + ": truncated entry");
    MHERO_ASSIGN_OR_RETURN(Entry e, Entry::decode(std::string_view(data).substr(offset, n), where));
    entries.push_back(std::move(e));
    offset += n;
  }
  return entries;
}

}  // namespace mhero
