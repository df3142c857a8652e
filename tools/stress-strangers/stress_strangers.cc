// stress-strangers: a real central `mhero run` on loopback while N idle and N slow-handshake
// TCP connections from strangers hold its sync port, and K enrolled districts sync (issue 16
// "Under load from strangers"). Prints how many districts synced and the time they took, beside
// the time with no strangers. Exit 0 when every district synced both times.
//
//   build/tools/stress-strangers [--idle 150] [--slow 150] [--districts 20] [--sources 40]
//                                [--mhero build/src/mhero]
//
// Strangers come from --sources loopback addresses (127.0.0.2, …) and connect again at once when
// the node cuts them. With strangers the districts sync twice: each from its own address
// (127.0.1.N, through [sync] source_address: districts in the field dial from their own IPs) and
// all from one address (127.0.0.1: districts behind one carrier NAT). A district turned away as busy waits the
// retry-after it was given and dials again, as its daemon does; one whose connection was cut
// dials again after 1 s (the daemon's first backoff); both counted, 5 attempts at most.
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <thread>

#include "../bench_sync_common.h"
#include "node/node.h"
#include "stress-strangers/strangers.h"

using namespace mhero;
using namespace mhero::bench;
namespace fs = std::filesystem;
using Seconds = std::chrono::duration<double>;

namespace {

uint16_t free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

struct Round {
  size_t synced = 0;
  size_t busy_retries = 0;
  size_t cut_retries = 0;      // Dials again after a cut connection (1 s, the daemon's first backoff).
  double seconds = 0;          // Until the last district synced.
  double slowest = 0;          // The slowest district's time.
  std::vector<std::string> errors;
};

// Every district appends `notes` new entries, then all sync at once.
Round run_round(std::vector<std::unique_ptr<BenchNode>>& nodes, uint16_t port, int round) {
  Round out;
  std::vector<double> took(nodes.size(), -1);
  std::vector<std::string> error(nodes.size());
  std::atomic<size_t> busy{0}, cut{0};
  for (size_t d = 0; d < nodes.size(); ++d) {
    std::vector<std::string> notes;
    for (int i = 0; i < 50; ++i) notes.push_back("round " + std::to_string(round) + " note " + std::to_string(i));
    nodes[d]->append_notes(notes);
  }
  auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (size_t d = 0; d < nodes.size(); ++d) {
    threads.emplace_back([&, d] {
      for (int attempt = 0; attempt < 5; ++attempt) {
        auto r = nodes[d]->sync_to(port);
        if (r.ok()) {
          took[d] = Seconds(std::chrono::steady_clock::now() - start).count();
          return;
        }
        error[d] = r.status.to_string();
        if (r.retry_after) {  // Told busy: dial when told, as the daemon does.
          ++busy;
          std::this_thread::sleep_for(*r.retry_after);
        } else if (r.status.code() == StatusCode::unavailable) {  // Cut: the daemon's first backoff.
          ++cut;
          std::this_thread::sleep_for(std::chrono::seconds(1));
        } else {
          return;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  out.seconds = Seconds(std::chrono::steady_clock::now() - start).count();
  for (size_t d = 0; d < nodes.size(); ++d) {
    if (took[d] >= 0) {
      ++out.synced;
      out.slowest = std::max(out.slowest, took[d]);
    } else {
      out.errors.push_back(error[d]);
    }
  }
  out.busy_retries = busy;
  out.cut_retries = cut;
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  crypto_init();
  spdlog::set_level(spdlog::level::err);
  size_t idle = 150, slow = 150, districts = 20, sources = 40;
  std::string mhero = (fs::read_symlink("/proc/self/exe").parent_path().parent_path() / "src" / "mhero").string();
  for (int i = 1; i + 1 < argc; ++i) {
    std::string flag = argv[i];
    if (flag == "--idle") idle = std::stoul(argv[i + 1]);
    if (flag == "--slow") slow = std::stoul(argv[i + 1]);
    if (flag == "--districts") districts = std::stoul(argv[i + 1]);
    if (flag == "--sources") sources = std::stoul(argv[i + 1]);
    if (flag == "--mhero") mhero = argv[i + 1];
  }
  fs::path base = fs::temp_directory_path() / ("mhero-stress-strangers-" + std::to_string(getpid()));
  fs::remove_all(base);
  NodePaths central_paths{base / "central"};
  auto central_id = Node::init(central_paths, Role::central, "", std::nullopt);
  if (!central_id.ok()) return std::fprintf(stderr, "%s\n", central_id.status().to_string().c_str()), 1;
  std::vector<std::unique_ptr<BenchNode>> nodes;
  {
    SystemClock clock;
    auto central = std::move(Node::open(central_paths, clock)).value();
    for (size_t d = 0; d < districts; ++d) {
      std::string code = "d" + std::to_string(d);
      nodes.push_back(std::make_unique<BenchNode>(base / code, key_n(static_cast<uint32_t>(d + 10)), *central_id, code));
      auto enrolled = enroll_key(central->store(), central->key(), central->config(), nodes.back()->key.id(), code, "");
      if (!enrolled.ok()) return std::fprintf(stderr, "%s\n", enrolled.status().to_string().c_str()), 1;
    }
  }

  uint16_t port = free_port();
  pid_t pid = fork();
  if (pid == 0) {
    std::string listen = "127.0.0.1:" + std::to_string(port);
    int devnull = ::open("/dev/null", O_WRONLY);
    dup2(devnull, 1);
    dup2(devnull, 2);
    execl(mhero.c_str(), mhero.c_str(), "run", "--dir", central_paths.dir.c_str(), "--listen", listen.c_str(),
          static_cast<char*>(nullptr));
    _exit(127);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // Let it open the store and listen.

  auto dial_from = [&](bool own_address) {
    for (size_t d = 0; d < nodes.size(); ++d) {
      nodes[d]->dialer.config.source_address = own_address ? "127.0.1." + std::to_string(1 + d % 250) : "";
    }
  };
  dial_from(true);
  Round quiet = run_round(nodes, port, 1);
  Round loaded, shared;
  uint64_t connects = 0, cuts = 0;
  size_t open_at_start = 0;
  {
    stress::StrangerPlan plan;
    plan.port = port;
    plan.idle = idle;
    plan.slow = slow;
    for (size_t i = 0; i < sources; ++i) plan.sources.push_back("127.0.0." + std::to_string(2 + i % 250));
    stress::Strangers strangers(plan);
    std::this_thread::sleep_for(std::chrono::seconds(2));  // They hold the port before districts come.
    open_at_start = strangers.open_now();
    loaded = run_round(nodes, port, 2);
    dial_from(false);
    shared = run_round(nodes, port, 3);
    connects = strangers.connects();
    cuts = strangers.cuts();
  }
  kill(pid, SIGTERM);
  int status = 0;
  waitpid(pid, &status, 0);

  std::printf("== central (`mhero run`, default [sync] limits) with strangers on its sync port\n");
  std::printf("   strangers: %zu idle + %zu slow-handshake connections from %zu addresses (%zu open when the "
              "districts started); %llu connects, %llu cut by the node\n",
              idle, slow, sources, open_at_start, static_cast<unsigned long long>(connects),
              static_cast<unsigned long long>(cuts));
  std::printf("   no strangers:   %zu/%zu districts synced in %.2f s (slowest district %.2f s); retries: busy %zu, "
              "cut %zu\n", quiet.synced, districts, quiet.seconds, quiet.slowest, quiet.busy_retries, quiet.cut_retries);
  std::printf("   with strangers, each district from its own address: %zu/%zu districts synced in %.2f s (slowest "
              "district %.2f s); retries: busy %zu, cut %zu\n", loaded.synced, districts, loaded.seconds,
              loaded.slowest, loaded.busy_retries, loaded.cut_retries);
  for (const auto& e : loaded.errors) std::printf("   failed: %s\n", e.c_str());
  std::printf("   with strangers, all districts from one address (NAT): %zu/%zu districts synced in %.2f s (slowest "
              "district %.2f s); retries: busy %zu, cut %zu\n", shared.synced, districts, shared.seconds,
              shared.slowest, shared.busy_retries, shared.cut_retries);
  for (const auto& e : shared.errors) std::printf("   failed: %s\n", e.c_str());
  std::printf("   central exit status after SIGTERM: %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
  nodes.clear();
  fs::remove_all(base);
  return quiet.synced == districts && loaded.synced == districts && shared.synced == districts ? 0 : 1;
}
