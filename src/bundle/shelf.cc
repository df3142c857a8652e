#include "bundle/shelf.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <fstream>

#include "bundle/atomic_file.h"

namespace mhero::bundle {

std::string Shelf::file_name(const Header& header) {
  return header.recipient.hex() + "-" + header.id_hex() + "-" + std::to_string(header.part_index) + "of" +
         std::to_string(header.part_count) + ".mhb";
}

Result<bool> Shelf::keep(const std::filesystem::path& file, const Header& header) {
  std::error_code ec;
  std::filesystem::create_directories(dir_, ec);
  if (ec) return failed_precondition("cannot create " + dir_.string() + ": " + ec.message());
  std::filesystem::path target = dir_ / file_name(header);
  if (std::filesystem::exists(target)) return false;
  MHERO_RETURN_IF_ERROR(copy_file_atomically(file, target));
  return true;
}

std::vector<ShelvedFile> Shelf::list() const {
  std::vector<ShelvedFile> files;
  std::error_code ec;
  if (!std::filesystem::is_directory(dir_, ec)) return files;
  for (const auto& item : std::filesystem::directory_iterator(dir_, ec)) {
    if (item.path().extension() != ".mhb") continue;
    std::ifstream in(item.path(), std::ios::binary);
    auto front = read_front(in, item.path().string());
    if (!front.ok()) {
      spdlog::warn("skipping {}: {}", item.path().string(), front.status().to_string());
      continue;
    }
    files.push_back({item.path(), std::move(front->header)});
  }
  std::sort(files.begin(), files.end(), [](const auto& a, const auto& b) { return a.path < b.path; });
  return files;
}

void Shelf::drop(const std::filesystem::path& path) {
  std::error_code ec;
  std::filesystem::remove(path, ec);
}

}  // namespace mhero::bundle
