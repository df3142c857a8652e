#include "app/control_client.h"

#include <capnp/serialize.h>
#include <sys/stat.h>
#include <unistd.h>

#include "app/control_channel.h"
#include "control.capnp.h"

namespace mhero {

namespace {

std::string current_dir() {
  std::error_code ec;
  auto cwd = std::filesystem::current_path(ec);
  return ec ? std::string() : cwd.string();
}

mode_t current_umask() {
  mode_t mask = ::umask(0);
  ::umask(mask);
  return mask;
}

}  // namespace

Result<int> forward_command(const std::filesystem::path& socket, const std::filesystem::path& dir,
                            const std::vector<std::string>& argv, const std::string& build,
                            Terminal& terminal, std::chrono::milliseconds accept_timeout) {
  auto channel = ControlChannel::connect(socket);
  if (!channel.ok()) return channel.status();
  {
    capnp::MallocMessageBuilder message;
    auto request = message.initRoot<schema::ControlRequest>();
    request.setProtocolVersion(kControlProtocolVersion);
    request.setBuild(build);
    auto list = request.initArgv(static_cast<unsigned>(argv.size()));
    for (unsigned i = 0; i < argv.size(); ++i) list.set(i, argv[i]);
    request.setCwd(current_dir());
    request.setDir(dir.string());
    request.setStdoutTerminal(terminal.is_terminal(Terminal::Stream::out));
    request.setStderrTerminal(terminal.is_terminal(Terminal::Stream::err));
    request.setStdinTerminal(::isatty(STDIN_FILENO) == 1);
    request.setUmask(current_umask());
    Status sent = (*channel)->send(message);
    if (!sent.ok()) {
      // A daemon that turns the command away (busy) answers and closes at once: its reason may
      // already be waiting even though our request could not be written whole.
      auto words = (*channel)->receive(std::chrono::milliseconds(500));
      if (words.ok()) {
        try {
          capnp::FlatArrayMessageReader reader(*words);
          auto reply = reader.getRoot<schema::ControlReply>();
          if (reply.isRefused()) {
            return unavailable(std::string("the running `mhero run` refused the command: ") +
                               reply.getRefused().cStr());
          }
        } catch (const kj::Exception&) {
        }
      }
      return sent.with_context("the running `mhero run` closed its control socket");
    }
  }
  bool accepted = false;
  while (true) {
    auto words = (*channel)->receive(accepted ? std::nullopt : std::optional(accept_timeout));
    if (!words.ok()) {
      if (!accepted) {
        return unavailable("the running `mhero run` did not accept the command (" +
                           words.status().message() + "); see its log, or try again");
      }
      return unavailable("the running `mhero run` went away before the command ended (" +
                         words.status().message() +
                         "); see its log; what the command had committed stays");
    }
    try {
      capnp::FlatArrayMessageReader reader(*words);
      auto reply = reader.getRoot<schema::ControlReply>();
      switch (reply.which()) {
        case schema::ControlReply::ACCEPTED:
          accepted = true;
          break;
        case schema::ControlReply::REFUSED:
          return unavailable(std::string("the running `mhero run` refused the command: ") +
                             reply.getRefused().cStr());
        case schema::ControlReply::STDOUT: {
          auto d = reply.getStdout();
          terminal.write(Terminal::Stream::out,
                         std::string_view(reinterpret_cast<const char*>(d.begin()), d.size()));
          break;
        }
        case schema::ControlReply::STDERR: {
          auto d = reply.getStderr();
          terminal.write(Terminal::Stream::err,
                         std::string_view(reinterpret_cast<const char*>(d.begin()), d.size()));
          break;
        }
        case schema::ControlReply::PROMPT: {
          auto line =
              terminal.ask(reply.getPrompt().getText().cStr(), reply.getPrompt().getSecret());
          capnp::MallocMessageBuilder message;
          auto answer = message.initRoot<schema::ControlAnswer>();
          if (line) {
            answer.setText(*line);
          } else {
            answer.setEndOfInput(true);
          }
          Status sent = (*channel)->send(message);
          if (!sent.ok())
            return unavailable("the running `mhero run` went away while asking a question");
          break;
        }
        case schema::ControlReply::EXIT:
          return reply.getExit();
        default:
          return corruption(
              "the running `mhero run` sent a reply this `mhero` does not know; are both the same "
              "version?");
      }
    } catch (const kj::Exception&) {
      return corruption("malformed reply from the running `mhero run`");
    }
  }
}

}  // namespace mhero
