// Whole-file writes that are all or nothing: written to "<path>.tmp", fsynced, renamed over
// `path`, and the directory fsynced. A crash leaves either the old file or the new one (and at
// worst a stray .tmp file).
#pragma once

#include <filesystem>
#include <functional>
#include <ostream>

#include "util/status.h"

namespace mhero::bundle {

/// Calls `fill(out)` to produce the content, then publishes it at `path`. On any error the
/// temporary file is removed and `path` is untouched. Errors: failed_precondition naming the
/// path (cannot create, disk full, rename failed), or whatever `fill` returns.
Status write_file_atomically(const std::filesystem::path& path,
                             const std::function<Status(std::ostream&)>& fill);

/// Copies `from` to `to` atomically (same guarantees).
Status copy_file_atomically(const std::filesystem::path& from, const std::filesystem::path& to);

/// Appends the contents of `from` to `out` in bounded memory. Errors: failed_precondition.
Status append_file(std::ostream& out, const std::filesystem::path& from);

}  // namespace mhero::bundle
