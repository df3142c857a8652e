// The raw entry stream: a plain file of signed entries, for moving a log by hand and for tests.
// Not encrypted and not for real use (bundles replace it). Layout (schema/README.md):
//   "MHRAW001" (8 bytes), then per entry: u32 big-endian length, encoded SignedEntry.
#pragma once

#include <filesystem>
#include <vector>

#include "store/entry.h"
#include "store/log_store.h"

namespace mhero {

/// Writes every entry `cursor` yields to `path` (replacing it atomically: written to a temporary
/// file, fsynced, renamed). Returns the number of entries written.
Result<size_t> write_raw_file(const std::filesystem::path& path, EntryCursor& cursor);

/// Reads and decodes every entry of `path`. Errors: not_found; corruption naming the file, the
/// entry index and the byte offset of a bad magic, a truncated record or a malformed entry.
Result<std::vector<Entry>> read_raw_file(const std::filesystem::path& path);

}  // namespace mhero
