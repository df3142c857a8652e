// Where a command's output goes and where its questions are asked: the terminal of the person
// who typed it. In a one-shot `mhero` process that is this process's stdin/stdout/stderr; when
// `mhero run` runs a command for a client (app/control_server.h), it is the client's terminal,
// reached over the control socket.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace mhero {

class Terminal {
 public:
  enum class Stream { out, err };
  virtual ~Terminal() = default;
  /// Writes `bytes` to stdout or stderr, in order. Errors are ignored (a client that went away
  /// does not stop the command; see ControlServer).
  virtual void write(Stream stream, std::string_view bytes) = 0;
  /// Prints `prompt` on stderr and reads one line (without its newline), not echoed when
  /// `secret`. nullopt when the input ended (or the client went away).
  virtual std::optional<std::string> ask(std::string_view prompt, bool secret) = 0;
  /// True when that stream is a terminal (isatty), e.g. to draw progress bars.
  virtual bool is_terminal(Stream stream) const = 0;
};

/// This process's own stdin/stdout/stderr (file descriptors 0, 1, 2). Thread-compatible.
class ProcessTerminal final : public Terminal {
 public:
  void write(Stream stream, std::string_view bytes) override;
  std::optional<std::string> ask(std::string_view prompt, bool secret) override;
  bool is_terminal(Stream stream) const override;
};

}  // namespace mhero
