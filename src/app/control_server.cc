#include "app/control_server.h"

#include <capnp/serialize.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "app/control_channel.h"
#include "control.capnp.h"

namespace mhero {

namespace {

constexpr std::chrono::milliseconds kRequestDeadline{5000};

Status send_reply(ControlChannel& channel,
                  const std::function<void(schema::ControlReply::Builder)>& fill) {
  capnp::MallocMessageBuilder message;
  fill(message.initRoot<schema::ControlReply>());
  return channel.send(message);
}

// The client's terminal, over its connection. Output and prompts from the command's thread.
class SocketTerminal final : public Terminal {
 public:
  SocketTerminal(ControlChannel& channel, bool out_tty, bool err_tty)
      : channel_(channel), out_tty_(out_tty), err_tty_(err_tty) {}

  void write(Stream stream, std::string_view bytes) override {
    std::lock_guard lock(mu_);
    if (gone_ || bytes.empty()) return;
    kj::ArrayPtr<const kj::byte> data(reinterpret_cast<const kj::byte*>(bytes.data()),
                                      bytes.size());
    Status s = send_reply(channel_, [&](schema::ControlReply::Builder r) {
      if (stream == Stream::out) {
        r.setStdout(data);
      } else {
        r.setStderr(data);
      }
    });
    gone_ = !s.ok();
  }

  std::optional<std::string> ask(std::string_view prompt, bool secret) override {
    std::lock_guard lock(mu_);
    if (gone_) return std::nullopt;
    Status s = send_reply(channel_, [&](schema::ControlReply::Builder r) {
      auto p = r.initPrompt();
      p.setText(std::string(prompt));
      p.setSecret(secret);
    });
    if (!s.ok()) {
      gone_ = true;
      return std::nullopt;
    }
    auto words = channel_.receive();
    if (!words.ok()) {
      gone_ = true;
      return std::nullopt;
    }
    try {
      capnp::FlatArrayMessageReader reader(*words);
      auto answer = reader.getRoot<schema::ControlAnswer>();
      if (answer.getEndOfInput()) return std::nullopt;
      return std::string(answer.getText().cStr());
    } catch (const kj::Exception&) {
      gone_ = true;
      return std::nullopt;
    }
  }

  bool is_terminal(Stream stream) const override {
    return stream == Stream::out ? out_tty_ : err_tty_;
  }
  bool gone() {
    std::lock_guard lock(mu_);
    return gone_;
  }

 private:
  ControlChannel& channel_;
  bool out_tty_, err_tty_;
  std::mutex mu_;
  bool gone_ = false;
};

}  // namespace

ControlServer::ControlServer(std::filesystem::path path, int fd, Runner runner, std::string version,
                             size_t max_clients)
    : path_(std::move(path)),
      fd_(fd),
      runner_(std::move(runner)),
      version_(std::move(version)),
      max_clients_(max_clients) {}

Result<std::unique_ptr<ControlServer>> ControlServer::open(const std::filesystem::path& path,
                                                           Runner runner, std::string version,
                                                           size_t max_clients) {
  // A socket file that still answers belongs to a running daemon: never take it over. One that
  // refuses connections was left by a daemon that crashed, and is replaced.
  auto probe = ControlChannel::connect(path);
  if (probe.ok()) {
    return failed_precondition("another `mhero run` already serves " + path.parent_path().string() +
                               " (it answers on " + path.string() +
                               "); stop it before starting one");
  }
  if (probe.status().code() == StatusCode::invalid_argument)
    return failed_precondition(probe.status().message());
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::string p = path.string();
  std::memcpy(addr.sun_path, p.c_str(), p.size() + 1);
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return failed_precondition(std::string("socket: ") + std::strerror(errno));
  ::unlink(path.c_str());
  // Bind with a umask that leaves the socket 0600 from its first moment (no window for others).
  mode_t old = ::umask(0177);
  int bound = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  ::umask(old);
  if (bound != 0 || ::listen(fd, 16) != 0) {
    int e = errno;
    ::close(fd);
    return failed_precondition("cannot listen on " + p + ": " + std::strerror(e));
  }
  std::unique_ptr<ControlServer> server(
      new ControlServer(path, fd, std::move(runner), std::move(version), max_clients));
  if (::pipe2(server->wake_, O_CLOEXEC) != 0)
    return failed_precondition(std::string("pipe: ") + std::strerror(errno));
  server->accept_thread_ = std::thread([s = server.get()] { s->accept_loop(); });
  return server;
}

ControlServer::~ControlServer() {
  char byte = 0;
  if (::write(wake_[1], &byte, 1) < 0) spdlog::debug("control: wake pipe write failed");
  if (accept_thread_.joinable()) accept_thread_.join();
  ::close(fd_);
  ::unlink(path_.c_str());
  std::list<Client> clients;
  {
    std::lock_guard lock(mu_);
    clients.swap(clients_);
  }
  for (auto& c : clients) c.thread.join();
  ::close(wake_[0]);
  ::close(wake_[1]);
}

void ControlServer::reap() {
  std::lock_guard lock(mu_);
  for (auto it = clients_.begin(); it != clients_.end();) {
    if (it->done) {
      it->thread.join();
      it = clients_.erase(it);
    } else {
      ++it;
    }
  }
}

void ControlServer::accept_loop() {
  while (true) {
    pollfd fds[2] = {{fd_, POLLIN, 0}, {wake_[0], POLLIN, 0}};
    int ready = ::poll(fds, 2, 1000);
    if (ready < 0 && errno != EINTR) return;
    if (fds[1].revents != 0) return;
    reap();
    if (ready <= 0 || (fds[0].revents & POLLIN) == 0) continue;
    int client = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) continue;
    std::lock_guard lock(mu_);
    if (clients_.size() >= max_clients_) {
      ControlChannel channel(client);
      (void)send_reply(channel, [&](schema::ControlReply::Builder r) {
        r.setRefused(std::to_string(max_clients_) +
                     " commands are already running on this node; try again when one ends");
      });
      continue;
    }
    auto& c = clients_.emplace_back();
    c.thread = std::thread([this, client, &c] {
      serve(client);
      c.done = true;
    });
  }
}

void ControlServer::serve(int fd) {
  ControlChannel channel(fd);
  auto refuse = [&](const std::string& why) {
    (void)send_reply(channel, [&](schema::ControlReply::Builder r) { r.setRefused(why); });
  };
  ucred cred{};
  socklen_t len = sizeof cred;
  if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0 || cred.uid != ::geteuid()) {
    return refuse("only the user running `mhero run` may use this node's control socket");
  }
  auto words = channel.receive(kRequestDeadline);
  if (!words.ok()) return;
  ControlCall call;
  std::string cwd;
  bool out_tty = false, err_tty = false;
  mode_t client_umask = 077;
  try {
    capnp::FlatArrayMessageReader reader(*words);
    auto request = reader.getRoot<schema::ControlRequest>();
    if (request.getProtocolVersion() != kControlProtocolVersion) {
      return refuse("this `mhero` (" + std::string(request.getBuild().cStr()) +
                    ") and the running `mhero run` (" + version_ +
                    ") speak different control protocols; restart `mhero run` after an upgrade");
    }
    for (auto a : request.getArgv()) call.argv.emplace_back(a.cStr());
    call.dir = request.getDir().cStr();
    cwd = request.getCwd().cStr();
    out_tty = request.getStdoutTerminal();
    err_tty = request.getStderrTerminal();
    client_umask = static_cast<mode_t>(request.getUmask() & 0777);
  } catch (const kj::Exception& e) {
    return refuse("malformed control request");
  }
  // Its own working directory and umask for this thread only (Linux: CLONE_FS per task).
  if (::unshare(CLONE_FS) != 0) {
    return refuse(
        std::string("the daemon cannot give this command its own working directory (unshare: ") +
        std::strerror(errno) + ")");
  }
  if (!cwd.empty() && ::chdir(cwd.c_str()) != 0) {
    return refuse(
        "the daemon cannot enter your working directory " + cwd + ": " + std::strerror(errno) +
        "; run the command from a directory the daemon's user can read, or use absolute paths");
  }
  ::umask(client_umask);
  if (!send_reply(channel, [&](schema::ControlReply::Builder r) { r.setAccepted(version_); }).ok())
    return;
  ++calls_;
  SocketTerminal terminal(channel, out_tty, err_tty);
  int code = runner_(call, terminal);
  if (!terminal.gone())
    (void)send_reply(channel, [&](schema::ControlReply::Builder r) { r.setExit(code); });
}

}  // namespace mhero
