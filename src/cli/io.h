// Where a command prints and asks: the terminal of whoever asked for it. In a one-shot `mhero`
// process that is this process's stdin/stdout/stderr; on a thread of `mhero run` that runs a
// command for a client (app/control_server.h) it is that client's terminal. Commands use out(),
// err() and ask() only, never std::cout/std::cerr/std::cin directly.
#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <string_view>

#include "app/terminal.h"

namespace mhero::cli {

/// The calling thread's terminal: the one a ScopedTerminal set, else this process's own.
Terminal& terminal();
/// Streams to terminal()'s stdout / stderr. Per thread; flushed at each newline and when the
/// ScopedTerminal ends.
std::ostream& out();
std::ostream& err();
/// Asks terminal() for one line; nullopt when input ended.
std::optional<std::string> ask(std::string_view prompt, bool secret = false);

/// Makes `terminal` the calling thread's terminal until destroyed (then flushes out()/err()).
/// Not nestable; `terminal` must outlive it.
class ScopedTerminal {
 public:
  explicit ScopedTerminal(Terminal& terminal);
  ~ScopedTerminal();
  ScopedTerminal(const ScopedTerminal&) = delete;
  ScopedTerminal& operator=(const ScopedTerminal&) = delete;
};

/// True on a thread that runs a command for a client of `mhero run`.
bool serving_client();

/// In `mhero run`: log lines (spdlog) written while a thread serves a client also go to that
/// client's stderr, as they would if the command ran in its own process. Call once, at start,
/// before other threads log.
void install_client_log_sink();

}  // namespace mhero::cli
