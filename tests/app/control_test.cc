// The control socket (app/control_*.h): commands handed to the one owner of a node.
#include <capnp/message.h>
#include <capnp/serialize.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <catch2/catch.hpp>

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <thread>

#include "app/control_channel.h"
#include "app/control_client.h"
#include "app/control_server.h"
#include "control.capnp.h"
#include "support/temp_dir.h"

using namespace mhero;
using mhero::testing::TempDir;

namespace {

// A terminal that records what it is given and answers prompts from a list.
class RecordingTerminal final : public Terminal {
 public:
  std::string out, err, prompts;
  std::vector<std::string> answers;
  void write(Stream stream, std::string_view bytes) override {
    (stream == Stream::out ? out : err) += bytes;
  }
  std::optional<std::string> ask(std::string_view prompt, bool secret) override {
    prompts += std::string(prompt) + (secret ? " (secret)" : "") + "\n";
    if (answers.empty()) return std::nullopt;
    std::string a = answers.front();
    answers.erase(answers.begin());
    return a;
  }
  bool is_terminal(Stream) const override { return false; }
};

}  // namespace

TEST_CASE(
    "a command runs in the server with its output, exit code and prompts relayed to the client") {
  TempDir dir;
  auto socket = dir / "control.sock";
  auto server = ControlServer::open(
      socket,
      [](const ControlCall& call, Terminal& t) {
        t.write(Terminal::Stream::out, "argv:");
        for (const auto& a : call.argv) t.write(Terminal::Stream::out, " " + a);
        t.write(Terminal::Stream::out, "\n");
        auto pw = t.ask("Password: ", true);
        t.write(Terminal::Stream::err, "got " + pw.value_or("<eof>") + " in " +
                                           std::filesystem::current_path().string() + "\n");
        return 7;
      },
      "test-1");
  REQUIRE(server.ok());
  CHECK((std::filesystem::status(socket).permissions() & std::filesystem::perms::all) ==
        (std::filesystem::perms::owner_read | std::filesystem::perms::owner_write));

  auto before = std::filesystem::current_path();
  std::filesystem::current_path(dir.path());
  RecordingTerminal t;
  t.answers = {"hunter2-long"};
  auto code = forward_command(socket, dir.path(), {"log", "show", "--json"}, "test-1", t);
  std::filesystem::current_path(before);
  REQUIRE(code.ok());
  CHECK(*code == 7);
  CHECK(t.out == "argv: log show --json\n");
  CHECK(t.prompts == "Password:  (secret)\n");
  // The command's thread took the client's working directory; the server's own did not move.
  CHECK(t.err == "got hunter2-long in " + dir.path().string() + "\n");
  CHECK(std::filesystem::current_path() == before);
  CHECK((*server)->calls() == 1);
}

TEST_CASE("no server: forward_command says not_found so the command runs itself") {
  TempDir dir;
  RecordingTerminal t;
  auto code = forward_command(dir / "control.sock", dir.path(), {"status"}, "test-1", t);
  REQUIRE_FALSE(code.ok());
  CHECK(code.status().code() == StatusCode::not_found);
}

TEST_CASE("a second server on the same socket is refused; a stale socket file is replaced") {
  TempDir dir;
  auto socket = dir / "control.sock";
  {
    auto first = ControlServer::open(
        socket, [](const ControlCall&, Terminal&) { return 0; }, "t");
    REQUIRE(first.ok());
    auto second = ControlServer::open(
        socket, [](const ControlCall&, Terminal&) { return 0; }, "t");
    REQUIRE_FALSE(second.ok());
    CHECK_THAT(second.status().message(), Catch::Contains("already serves"));
  }
  CHECK_FALSE(std::filesystem::exists(socket));
  // A file left by a crashed daemon (nothing listens on it) does not stop a new one.
  {
    auto stale = ControlServer::open(
        socket, [](const ControlCall&, Terminal&) { return 0; }, "t");
    REQUIRE(stale.ok());
  }
  REQUIRE(::mknod(socket.c_str(), S_IFSOCK | 0600, 0) == 0);
  auto again = ControlServer::open(
      socket, [](const ControlCall&, Terminal&) { return 0; }, "t");
  CHECK(again.ok());
}

TEST_CASE(
    "a client speaking another protocol version is refused with what to do, and nothing runs") {
  TempDir dir;
  auto socket = dir / "control.sock";
  std::atomic<int> ran{0};
  auto server = ControlServer::open(
      socket, [&](const ControlCall&, Terminal&) { return ++ran; }, "0.1.0");
  REQUIRE(server.ok());
  auto channel = ControlChannel::connect(socket);
  REQUIRE(channel.ok());
  capnp::MallocMessageBuilder message;
  auto request = message.initRoot<schema::ControlRequest>();
  request.setProtocolVersion(kControlProtocolVersion + 1);
  request.setBuild("9.9.9");
  REQUIRE((*channel)->send(message).ok());
  auto words = (*channel)->receive(std::chrono::seconds(5));
  REQUIRE(words.ok());
  capnp::FlatArrayMessageReader reader(*words);
  auto reply = reader.getRoot<schema::ControlReply>();
  REQUIRE(reply.isRefused());
  CHECK_THAT(std::string(reply.getRefused().cStr()),
             Catch::Contains("restart `mhero run` after an upgrade"));
  CHECK(ran == 0);
}

TEST_CASE("garbage on the control socket is refused and the server keeps serving") {
  TempDir dir;
  auto socket = dir / "control.sock";
  auto server = ControlServer::open(
      socket, [](const ControlCall&, Terminal&) { return 0; }, "t");
  REQUIRE(server.ok());
  {
    auto channel = ControlChannel::connect(socket);
    REQUIRE(channel.ok());
    const uint8_t junk[] = {0, 0, 0, 16, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
    REQUIRE(::send((*channel)->fd(), junk, sizeof junk, MSG_NOSIGNAL) ==
            static_cast<ssize_t>(sizeof junk));
    auto words = (*channel)->receive(std::chrono::seconds(5));
    REQUIRE(words.ok());
    capnp::FlatArrayMessageReader reader(*words);
    CHECK(reader.getRoot<schema::ControlReply>().isRefused());
  }
  {
    auto channel = ControlChannel::connect(socket);
    REQUIRE(channel.ok());
    const uint8_t huge[] = {0x7f, 0xff, 0xff,
                            0xff};  // A length over the cap: refused, not allocated.
    REQUIRE(::send((*channel)->fd(), huge, sizeof huge, MSG_NOSIGNAL) == 4);
  }
  RecordingTerminal t;
  auto code = forward_command(socket, dir.path(), {"status"}, "t", t);
  REQUIRE(code.ok());
  CHECK(*code == 0);
}

TEST_CASE("commands run side by side; beyond max_clients the client is told to try again") {
  TempDir dir;
  auto socket = dir / "control.sock";
  std::mutex mu;
  std::condition_variable cv;
  bool release = false;
  int running = 0;
  auto server = ControlServer::open(
      socket,
      [&](const ControlCall& call, Terminal&) {
        if (call.argv.at(0) != "slow") return 0;
        std::unique_lock lock(mu);
        ++running;
        cv.notify_all();
        cv.wait(lock, [&] { return release; });
        return 0;
      },
      "t", /*max_clients=*/2);
  REQUIRE(server.ok());
  std::thread slow([&] {
    RecordingTerminal t;
    CHECK(forward_command(socket, dir.path(), {"slow"}, "t", t).ok());
  });
  {
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return running == 1; });
  }
  // One slot left: a quick command still runs while the slow one waits.
  RecordingTerminal quick;
  auto q = forward_command(socket, dir.path(), {"quick"}, "t", quick);
  REQUIRE(q.ok());
  CHECK(*q == 0);
  std::thread slow2([&] {
    RecordingTerminal t;
    CHECK(forward_command(socket, dir.path(), {"slow"}, "t", t).ok());
  });
  {
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return running == 2; });
  }
  RecordingTerminal busy;
  auto b = forward_command(socket, dir.path(), {"quick"}, "t", busy);
  REQUIRE_FALSE(b.ok());
  CHECK(b.status().code() == StatusCode::unavailable);
  CHECK_THAT(b.status().message(), Catch::Contains("already running"));
  {
    std::lock_guard lock(mu);
    release = true;
    cv.notify_all();
  }
  slow.join();
  slow2.join();
}
