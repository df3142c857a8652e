#include "app/terminal.h"

#include <termios.h>
#include <unistd.h>

#include <iostream>

namespace mhero {

void ProcessTerminal::write(Stream stream, std::string_view bytes) {
  std::ostream& os = stream == Stream::out ? std::cout : std::cerr;
  os.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  os.flush();
}

std::optional<std::string> ProcessTerminal::ask(std::string_view prompt, bool secret) {
  std::cout.flush();
  std::cerr << prompt << std::flush;
  termios saved{};
  bool hide = secret && ::isatty(STDIN_FILENO) == 1 && ::tcgetattr(STDIN_FILENO, &saved) == 0;
  if (hide) {
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
  }
  std::string line;
  bool got = static_cast<bool>(std::getline(std::cin, line));
  if (hide) {
    ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
    std::cerr << "\n";
  }
  if (!got) return std::nullopt;
  return line;
}

bool ProcessTerminal::is_terminal(Stream stream) const {
  return ::isatty(stream == Stream::out ? STDOUT_FILENO : STDERR_FILENO) == 1;
}

}  // namespace mhero
