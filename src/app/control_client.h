// The command's side of the control protocol (schema/control.capnp): hands a whole command line
// to the `mhero run` that holds the node and relays its output and prompts to this terminal.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "app/terminal.h"
#include "util/status.h"

namespace mhero {

/// Runs `argv` (without the program name) inside the daemon listening on `socket`, for the node
/// in `dir` (absolute), with this process's working directory and umask. Output and prompts go
/// through `terminal`. Returns the command's exit code.
/// Errors: not_found when no daemon listens there (the caller runs the command itself);
/// unavailable when the daemon did not accept within `accept_timeout`, refused the command
/// (another protocol version, too many running) or went away before the command ended.
Result<int> forward_command(const std::filesystem::path& socket, const std::filesystem::path& dir,
                            const std::vector<std::string>& argv, const std::string& build,
                            Terminal& terminal,
                            std::chrono::milliseconds accept_timeout = std::chrono::seconds(10));

}  // namespace mhero
