#include "bundle/checked_file.h"

#include <algorithm>
#include <array>
#include <fstream>

#include "bundle/body_writer.h"

namespace mhero::bundle {

Result<CheckedFile> check_file(const std::filesystem::path& path) {
  std::string name = path.string();
  std::error_code ec;
  uint64_t size = std::filesystem::file_size(path, ec);
  if (ec) return not_found(name + ": cannot read the bundle file (" + ec.message() + ")");
  if (size == 0) {
    return corruption(name + ": the file is empty (0 bytes), probably an unfinished copy (the stick "
                      "was removed, or the export stopped, before the copy ended). Nothing was changed; "
                      "copy the bundle again from the sending node and import that copy");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return not_found(name + ": cannot open the bundle file");
  char start[8] = {};
  size_t n = static_cast<size_t>(std::min<uint64_t>(size, sizeof start));
  in.read(start, static_cast<std::streamsize>(n));
  if (in.gcount() != static_cast<std::streamsize>(n)) return not_found(name + ": cannot read the bundle file");
  if (std::string_view(start, n) != kMagic.substr(0, n)) {
    return corruption(name + ": not an mhero bundle (" + std::to_string(size) +
                      " bytes that do not start with \"MHBUNDLE\"). Nothing was changed; pick the .mhb "
                      "file written by `mhero bundle export`");
  }
  if (size < kMagic.size()) {
    return corruption(name + ": truncated: only " + std::to_string(size) +
                      " bytes, the start of a bundle header (an unfinished copy?)");
  }
  in.seekg(0);
  MHERO_ASSIGN_OR_RETURN(ParsedFront front, read_front(in, name));
  CheckedFile file{path, std::move(front.header), front.body_offset};
  uint64_t expected = file.body_offset + file.header.body_bytes;
  if (size < expected) {
    return corruption(name + ": truncated: the file has " + std::to_string(size) +
                      " bytes but its header announces " + std::to_string(expected) +
                      ". Nothing was changed; copy the bundle again from the exporting node (eject the "
                      "stick safely before unplugging it)");
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
    if (in.gcount() != n) {
      return corruption(name + ": the file ended while reading the body (truncated). Nothing was changed; "
                        "copy the bundle again from the exporting node");
    }
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
