// Data at rest (issue 16): a node's data directory holds the RapidPro token and the OpenInfoMan
// password (config.toml), its secret key (node.key) and every health worker's name and phone
// number (db/). It must be private to the user running the node: the directory and every
// directory in it mode 0700, every file 0600.
//
// `mhero` sets its umask to 077 (cli/main.cc), so what it and RocksDB create is private from
// the start; Node::init makes the directory, config.toml and db/ private explicitly (a directory
// that already existed, e.g. made by an administrator with 0755, is tightened); Node::open
// checks and warns, naming each loosened path and the chmod that fixes it. Only regular files
// and directories are checked (not symlinks or sockets).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "util/status.h"

namespace mhero {

/// A file or directory readable, writable or searchable by group or others.
struct LoosePath {
  std::filesystem::path path;
  unsigned mode = 0;  // Permission bits, e.g. 0644.
};

/// Every loosened path at `dir` itself and below it (recursively, symlinks not followed), in
/// directory order. Unreadable entries are skipped.
std::vector<LoosePath> find_loose_paths(const std::filesystem::path& dir);

/// The warning for `loose` (empty when none): names each path with its mode, why it matters and
/// the fix, `chmod -R go-rwx DIR`.
std::string loose_paths_warning(const std::filesystem::path& dir, const std::vector<LoosePath>& loose);

/// Sets `path` to 0700 (directory) or 0600 (file). Errors: failed_precondition naming the path.
Status make_private(const std::filesystem::path& path);

/// "0644".
std::string mode_text(unsigned mode);

/// OK when `dir` does not exist yet or belongs to this process's effective user. Otherwise
/// failed_precondition naming the owner and the command to use instead ("sudo -u mhero mhero
/// …"): files root would write there (RocksDB's, a new key) would lock the node's own service
/// out of its data. Called by Node::init and Node::open, before anything is written.
Status check_data_owner(const std::filesystem::path& dir);

}  // namespace mhero
