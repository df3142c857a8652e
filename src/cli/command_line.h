// One `mhero` command line, parsed and run: by main() for the person at the terminal, and by
// `mhero run` for the commands other `mhero` processes hand it (app/control_server.h).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "cli/context.h"

namespace mhero::cli {

/// The mhero version (meson project version), e.g. "0.1.0".
const char* version();

/// True for the top-level commands that may move hundreds of MiB through the heap (the daemon,
/// sync, registry imports and pulls, bundles, backups, DHIS2 pulls): main() runs them on huge
/// pages (util/huge_pages.h).
bool moves_bulk_data(std::string_view command);

/// Parses `args` (without the program name) and runs the chosen command. When `may_forward`
/// and a `mhero run` holds the node the command names, the whole command line runs inside that
/// daemon instead (schema/control.capnp), except for commands that never touch the store
/// (`run`, `init`, `id`, `bundle inspect`). Output goes through out()/err(). Returns the exit
/// code: 0 ok, 1 failed, 2 usage, 3 partly done (as each command documents).
int run_command_line(const std::vector<std::string>& args, Context& ctx, bool may_forward);

}  // namespace mhero::cli
