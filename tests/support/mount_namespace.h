// Runs a shell script in a private mount namespace (`unshare`), where it may mount a small tmpfs
// to fill a real disk (the disk-full tests).
#pragma once

#include <catch2/catch.hpp>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "support/temp_dir.h"

namespace mhero::testing {

/// Runs `script` (sh) with `mnt` as $1 inside a private mount namespace, its output in `log`.
/// Returns the unshare variant that worked, or "" when none could run it.
inline std::string run_in_mount_namespace(const std::filesystem::path& script, const std::filesystem::path& mnt,
                                          const std::filesystem::path& log) {
  const char* variants[] = {"unshare --user --map-root-user --mount", "unshare --mount"};
  for (const char* unshare : variants) {
    std::string cmd = std::string(unshare) + " sh " + script.string() + " " + mnt.string() + " >" +
                      log.string() + " 2>&1";
    int status = std::system(cmd.c_str());
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return unshare;
  }
  return "";
}

/// Fails the test with what to set up when no variant of unshare could mount a tmpfs.
inline void require_mount_namespace(const std::string& variant, const std::string& log_text) {
  if (!variant.empty()) return;
  FAIL("cannot mount a tmpfs in a private mount namespace, which this test needs to fill a real disk: "
       "neither `unshare --user --map-root-user --mount` (needs util-linux unshare and unprivileged user "
       "namespaces: sysctl kernel.unprivileged_userns_clone=1 / user.max_user_namespaces > 0) nor "
       "`unshare --mount` (needs root or CAP_SYS_ADMIN) worked. Output:\n" + log_text);
}

}  // namespace mhero::testing
