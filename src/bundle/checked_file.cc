#include "bundle/checked_file.h"

#include <array>
#include <fstream>

#include "bundle/body_writer.h"

namespace mhero::bundle {

Result<CheckedFile> check_file(const std::filesystem::path& path) {
  std::string name = path.string();
  std::error_code ec;
  uint64_t size = std::filesystem::file_size(path, ec);
  if (ec) return not_found(name + ": cannot read the bundle file (" + ec.message() + ")");
  std::ifstream in(path, std::ios::binary);
  if (!in) return not_found(name + ": cannot open the bundle file");
  MHERO_ASSIGN_OR_RETURN(ParsedFront front, read_front(in, name));
  CheckedFile file{path, std::move(front.header), front.body_offset};
  uint64_t expected = file.body_offset + file.header.body_bytes;
  if (size < expected) {
    return corruption(name + ": truncated: the file has " + std::to_string(size) +
                      " bytes but its header announces " + std::to_string(expected));
  }
  if (size > expected) {
    return corruption(name + ": " + std::to_string(size - expected) +
                      " unexpected bytes after the body (the header announces " +
                      std::to_string(expected) + " bytes)");
  }
  BodyHasher hasher;
  std::array<char, 256 * 1024> buf;
  uint64_t left = file.header.body_bytes;
  while (left > 0) {
    auto n = static_cast<std::streamsize>(std::min<uint64_t>(left, buf.size()));
    in.read(buf.data(), n);
    if (in.gcount() != n) return corruption(name + ": the file ended while reading the body (truncated)");
    hasher.update({buf.data(), static_cast<size_t>(n)});
    left -= static_cast<uint64_t>(n);
  }
  if (hasher.finish() != file.header.body_hash) {
    return corruption(name + ": the body does not match the hash in the signed header "
                      "(the file was damaged or altered after export)");
  }
  return file;
}

}  // namespace mhero::bundle
