// A directory inside the node directory that keeps verified bundle files unchanged:
//   <node dir>/relay/        bundles addressed to other nodes, waiting to be carried on;
//   <node dir>/bundle-parts/ parts of a multi-part bundle for this node, waiting for the rest.
// File name: "<recipient hex>-<bundle id hex>-<part>of<count>.mhb", so keeping the same part
// twice is a no-op. Files are copied atomically (atomic_file.h) and never modified.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "bundle/header.h"
#include "util/status.h"

namespace mhero::bundle {

struct ShelvedFile {
  std::filesystem::path path;
  Header header;
};

class Shelf {
 public:
  explicit Shelf(std::filesystem::path dir) : dir_(std::move(dir)) {}

  /// Copies `file` (whose verified header is `header`) onto the shelf unless already there.
  /// Returns true when it was newly kept. Errors: failed_precondition (file system).
  Result<bool> keep(const std::filesystem::path& file, const Header& header);

  /// Every file on the shelf with its header (re-read and re-verified; a file that no longer
  /// verifies is skipped with a warning in the log). Sorted by name.
  std::vector<ShelvedFile> list() const;

  /// Removes a shelved file (no error if it is already gone).
  void drop(const std::filesystem::path& path);

  /// The name a part gets on the shelf and in exports.
  static std::string file_name(const Header& header);

 private:
  std::filesystem::path dir_;
};

}  // namespace mhero::bundle
