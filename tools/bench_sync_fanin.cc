// bench-sync-fanin: the central node (a real `mhero run` process) serving 200 concurrent district
// sessions over TLS on loopback (issue 4 benchmark 4). Reports: all converge, entries/s and the
// central process's peak RSS (VmHWM; target <= 512 MiB).
//
//   build/tools/bench-sync-fanin [--districts 200] [--records FILE] [--mhero build/src/mhero]
//
// Each district pushes 100 reference records (note entries); the central node holds 100 national
// entries plus the 200 enrollments and 20 entries for each district, which each district pulls.
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

#include "bench_sync_common.h"
#include "node/node.h"

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

long peak_rss_kib(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

}  // namespace

int main(int argc, char** argv) {
  crypto_init();
  spdlog::set_level(spdlog::level::err);
  size_t districts = 200;
  std::string records_path = "../shared/data/bench/responses-20k.jsonl";
  std::string mhero = (fs::read_symlink("/proc/self/exe").parent_path().parent_path() / "src" / "mhero").string();
  for (int i = 1; i + 1 < argc; ++i) {
    std::string flag = argv[i];
    if (flag == "--districts") districts = std::stoul(argv[i + 1]);
    if (flag == "--records") records_path = argv[i + 1];
    if (flag == "--mhero") mhero = argv[i + 1];
  }
  auto records = load_records(records_path);
  if (records.size() < districts * 100) {
    std::fprintf(stderr, "bench-sync-fanin: need %zu records in %s\n", districts * 100, records_path.c_str());
    return 1;
  }
  fs::path base = fs::temp_directory_path() / ("mhero-bench-fanin-" + std::to_string(getpid()));
  fs::remove_all(base);
  NodePaths central_paths{base / "central"};
  auto central_id = Node::init(central_paths, Role::central, "", std::nullopt);
  if (!central_id.ok()) return std::fprintf(stderr, "%s\n", central_id.status().to_string().c_str()), 1;

  // Prepare: districts with their records; the central node's enrollments and entries.
  std::vector<std::unique_ptr<BenchNode>> nodes;
  {
    SystemClock clock;
    auto central = std::move(Node::open(central_paths, clock)).value();
    std::vector<std::string> national(records.begin(), records.begin() + 100);
    for (size_t d = 0; d < districts; ++d) {
      std::string code = "d" + std::to_string(d);
      nodes.push_back(std::make_unique<BenchNode>(base / code, key_n(static_cast<uint32_t>(d + 10)), *central_id, code));
      nodes.back()->append_notes(std::vector<std::string>(records.begin() + static_cast<long>(d * 100),
                                                          records.begin() + static_cast<long>(d * 100 + 100)));
      (void)enroll_key(central->store(), central->key(), central->config(), nodes.back()->key.id(), code, "");
      for (int i = 0; i < 20; ++i) {
        capnp::MallocMessageBuilder m;
        m.initRoot<schema::Payload>().setNote(records[static_cast<size_t>(i)]);
        (void)central->store().append(central->key(), district_scope(code), m.getRoot<schema::Payload>().asReader());
      }
    }
    for (const auto& text : national) {
      capnp::MallocMessageBuilder m;
      m.initRoot<schema::Payload>().setNote(text);
      (void)central->store().append(central->key(), "national", m.getRoot<schema::Payload>().asReader());
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

  std::atomic<size_t> ready{0};
  std::atomic<bool> go{false};
  std::vector<sync::SessionResult> results(districts);
  std::vector<std::thread> threads;
  for (size_t d = 0; d < districts; ++d) {
    threads.emplace_back([&, d] {
      ++ready;
      while (!go) std::this_thread::yield();
      results[d] = nodes[d]->sync_to(port);
    });
  }
  while (ready < districts) std::this_thread::yield();
  auto start = std::chrono::steady_clock::now();
  go = true;
  for (auto& t : threads) t.join();
  double secs = Seconds(std::chrono::steady_clock::now() - start).count();

  size_t ok = 0;
  uint64_t moved = 0;
  for (const auto& r : results) {
    ok += r.ok() ? 1 : 0;
    moved += r.entries_sent + r.entries_received;
  }
  // Converged: a second round moves nothing.
  size_t converged = 0;
  for (size_t d = 0; d < districts; ++d) {
    auto again = nodes[d]->sync_to(port);
    if (again.ok() && again.entries_sent == 0 && again.entries_received == 0) ++converged;
  }
  long rss = peak_rss_kib(pid);
  kill(pid, SIGTERM);
  int status = 0;
  waitpid(pid, &status, 0);

  std::printf("== central (`mhero run`, durable store) serving %zu concurrent district sessions over TLS\n", districts);
  std::printf("   sessions ok %zu/%zu; converged (second round moves nothing) %zu/%zu\n", ok, districts, converged,
              districts);
  std::printf("   entries moved %llu in %.2f s: %.0f entries/s\n", static_cast<unsigned long long>(moved), secs,
              static_cast<double>(moved) / secs);
  std::printf("   central peak RSS %.1f MiB   target <= 512 MiB (%s)\n", static_cast<double>(rss) / 1024.0,
              rss >= 0 && rss <= 512 * 1024 ? "met" : "NOT met");
  std::printf("   central exit status after SIGTERM: %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
  nodes.clear();
  fs::remove_all(base);
  return ok == districts && converged == districts ? 0 : 1;
}
