#include "bundle/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>

namespace mhero::bundle {

namespace {

bool fsync_path(const std::filesystem::path& path, bool directory) {
  int fd = ::open(path.c_str(), (directory ? O_RDONLY | O_DIRECTORY : O_RDONLY) | O_CLOEXEC);
  if (fd < 0) return false;
  bool ok = ::fsync(fd) == 0;
  ::close(fd);
  return ok;
}

}  // namespace

Status write_file_atomically(const std::filesystem::path& path,
                             const std::function<Status(std::ostream&)>& fill) {
  std::filesystem::path tmp = path;
  tmp += ".tmp";
  std::error_code ec;
  Status status;
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return failed_precondition("cannot create " + tmp.string() + ": " + std::strerror(errno));
    status = fill(out);
    if (status.ok()) {
      out.flush();
      if (!out) status = failed_precondition("cannot write " + path.string() + " (disk full?)");
    }
  }
  if (status.ok() && !fsync_path(tmp, false)) {
    status = failed_precondition("cannot fsync " + tmp.string() + " (disk full?)");
  }
  if (status.ok()) {
    std::filesystem::rename(tmp, path, ec);
    if (ec) status = failed_precondition("cannot rename " + tmp.string() + ": " + ec.message());
  }
  if (!status.ok()) {
    std::filesystem::remove(tmp, ec);
    return status;
  }
  std::filesystem::path dir = path.parent_path().empty() ? "." : path.parent_path();
  fsync_path(dir, true);  // Best effort: some file systems (USB FAT) do not support it.
  return {};
}

Status append_file(std::ostream& out, const std::filesystem::path& from) {
  std::ifstream in(from, std::ios::binary);
  if (!in) return failed_precondition("cannot read " + from.string() + ": " + std::strerror(errno));
  std::array<char, 256 * 1024> buf;
  while (in) {
    in.read(buf.data(), buf.size());
    out.write(buf.data(), in.gcount());
    if (!out) return failed_precondition("cannot write while copying " + from.string() + " (disk full?)");
  }
  if (in.bad()) return failed_precondition("cannot read " + from.string());
  return {};
}

Status copy_file_atomically(const std::filesystem::path& from, const std::filesystem::path& to) {
  return write_file_atomically(to, [&](std::ostream& out) { return append_file(out, from); });
}

}  // namespace mhero::bundle
