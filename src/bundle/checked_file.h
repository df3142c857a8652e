// The first step of every import and of `inspect`: read a bundle file's front and prove its body
// intact against the signed header, without the recipient's key. After this, any remaining
// fault can only be the sender's own (a validly signed but malformed body).
#pragma once

#include <filesystem>

#include "bundle/header.h"

namespace mhero::bundle {

struct CheckedFile {
  std::filesystem::path path;
  Header header;
  uint64_t body_offset = 0;
};

/// Reads and verifies `path`: not empty (an empty file is named as an unfinished copy), magic
/// (anything else is "not an mhero bundle"), version, header signature, the file length against the
/// header's body length (truncated / trailing bytes), and the BLAKE2b-256 of the body against the
/// header's body hash. Reads the file once, in bounded memory. Errors name the file and the
/// fault: not_found, corruption, failed_precondition (newer format version).
Result<CheckedFile> check_file(const std::filesystem::path& path);

}  // namespace mhero::bundle
