// bench-export: peak memory of the console's streamed responses export (/responses.csv,
// console/responses_export.h) beside building the same CSV in memory first, on N responses
// (default 100,000). Not a test: run it by hand.
//
//   build/tools/bench-export [--responses N] [--dir DIR]
//
// The store is written once; each way then runs in its own process (this program again, with
// --phase), so each has its own peak RSS (after one open that replays the write-ahead log, so
// both find the same store): the store is opened, an HTTP server started, peak RSS
// reset (/proc/self/clear_refs 5), the CSV fetched over loopback HTTP with a raw socket that
// discards it, and the growth of peak RSS (VmHWM) over the RSS before the request reported.
//   stream:    the streamed response (chunked, one page of 500 rows at a time);
//   in-memory: the whole CSV built into one string (the same rows), sent as an ordinary body.
#include <arpa/inet.h>
#include <capnp/message.h>
#include <netinet/in.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "console/responses_export.h"
#include "identity/node_key.h"
#include "messaging/answer_view.h"
#include "messaging/response_rows.h"
#include "net/http_server.h"
#include "store/log_store.h"
#include "util/clock.h"

extern char** environ;

using namespace mhero;

namespace {

long status_kb(const char* field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field, 0) == 0) return std::strtol(line.c_str() + std::strlen(field), nullptr, 10);
  }
  return -1;
}

void reset_peak() { std::ofstream("/proc/self/clear_refs") << "5"; }

/// GETs http://127.0.0.1:port/ and discards the bytes; returns how many came.
size_t fetch(uint16_t port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) return 0;
  std::string req = "GET /responses.csv HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
  if (write(fd, req.data(), req.size()) != static_cast<ssize_t>(req.size())) return 0;
  char buf[16384];
  size_t total = 0;
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n <= 0) break;
    total += static_cast<size_t>(n);
  }
  close(fd);
  return total;
}

int write_store(const std::filesystem::path& dir, size_t count) {
  SystemClock clock;
  AnswerView answers;
  auto store = LogStore::open(dir, clock, StoreOptions{{&answers}, nullptr, true, 1});
  if (!store.ok()) return std::fprintf(stderr, "%s\n", store.status().to_string().c_str()), 1;
  NodeKey key = NodeKey::generate();
  const char* districts[] = {"BONG", "NIMBA", "LOFA", "MARGIBI"};
  size_t written = 0;
  while (written < count) {
    std::vector<std::unique_ptr<capnp::MallocMessageBuilder>> builders;
    std::vector<schema::Payload::Reader> payloads;
    const char* district = districts[(written / 1000) % 4];
    for (size_t i = 0; i < 1000 && written < count; ++i, ++written) {
      ResponseRecord r;
      r.message_id = "6f1c2a94-0b1e-4c55-9e0a-" + std::to_string(100000000000 + written % 7);
      r.entity_id = std::string(district) + "-" + std::to_string(written);
      r.district = district;
      r.answered_at_ms = 1'780'000'000'000 + static_cast<int64_t>(written) * 1000;
      r.source_id = "run:" + std::to_string(900000000 + written);
      r.values = {{"stock", std::to_string(written % 97)}, {"expiry", "2027-0" + std::to_string(1 + written % 9)}};
      r.raw_text = std::to_string(written % 97) + " 2027-0" + std::to_string(1 + written % 9);
      builders.push_back(std::make_unique<capnp::MallocMessageBuilder>());
      response_to_capnp(r, builders.back()->initRoot<schema::Payload>().initResponse());
      payloads.push_back(builders.back()->getRoot<schema::Payload>().asReader());
    }
    auto ok = (*store)->append_all(key, std::string("district/") + district, payloads);
    if (!ok.ok()) return std::fprintf(stderr, "%s\n", ok.status().to_string().c_str()), 1;
  }
  return 0;
}

/// One way, in this process: prints "<peak growth kB> <bytes> <rss before kB>".
int phase(const std::filesystem::path& dir, const std::string& way) {
  SystemClock clock;
  AnswerView answers;
  auto store = LogStore::open(dir, clock, StoreOptions{{&answers}, nullptr, true, 1});
  if (!store.ok()) return std::fprintf(stderr, "%s\n", store.status().to_string().c_str()), 1;
  if (way == "open") return 0;  // The first open after writing replays the log: not measured.
  const ViewReader& views = (*store)->views();
  net::BackgroundHttpServer server({}, [&](const net::HttpRequest&) {
    if (way == "stream") return console::responses_export(views, {}, console::ExportFormat::csv);
    net::HttpResponse r;
    r.headers = {{"Content-Type", "text/csv; charset=utf-8"}};
    r.body = response_csv_header();
    Status s = scan_answers(views, {}, "", [&](const ResponseRecord& row, const std::string&) {
      r.body += response_csv_row(row);
      return true;
    });
    if (!s.ok()) return net::HttpResponse::text(500, s.to_string());
    return r;
  });
  auto port = server.start();
  if (!port.ok()) return std::fprintf(stderr, "%s\n", port.status().to_string().c_str()), 1;
  long before = status_kb("VmRSS:");
  reset_peak();
  size_t bytes = fetch(*port);
  long peak = status_kb("VmHWM:");
  std::printf("%ld %zu %ld\n", peak - before, bytes, before);
  return 0;
}

std::string run_phase(const std::string& self, const std::filesystem::path& dir, const std::string& way) {
  int fds[2];
  if (pipe(fds) != 0) return "";
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], 1);
  posix_spawn_file_actions_addclose(&actions, fds[0]);
  std::string dir_text = dir.string();
  std::vector<char*> argv = {const_cast<char*>(self.c_str()), const_cast<char*>("--phase"), const_cast<char*>(way.c_str()),
                             const_cast<char*>("--dir"), dir_text.data(), nullptr};
  pid_t pid = 0;
  int rc = posix_spawn(&pid, self.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(fds[1]);
  std::string out;
  char buf[256];
  for (ssize_t n; (n = read(fds[0], buf, sizeof buf)) > 0;) out.append(buf, static_cast<size_t>(n));
  close(fds[0]);
  int status = 0;
  if (rc == 0) waitpid(pid, &status, 0);
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  size_t count = 100'000;
  std::filesystem::path dir;
  std::string way;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--responses") count = std::strtoul(argv[i + 1], nullptr, 10);
    if (a == "--dir") dir = argv[i + 1];
    if (a == "--phase") way = argv[i + 1];
  }
  if (!way.empty()) return phase(dir, way);
  bool temporary = dir.empty();
  if (temporary) dir = std::filesystem::temp_directory_path() / ("bench-export-" + std::to_string(getpid()));
  auto start = std::chrono::steady_clock::now();
  if (int rc = write_store(dir, count)) return rc;
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("store: %zu responses written in %.1f s (%s)\n", count, secs, dir.c_str());
  std::string self = std::filesystem::read_symlink("/proc/self/exe");
  long stream_kb = 0, memory_kb = 0;
  size_t stream_bytes = 0, memory_bytes = 0;
  long rss0 = 0, rss1 = 0;
  run_phase(self, dir, "open");
  if (std::sscanf(run_phase(self, dir, "stream").c_str(), "%ld %zu %ld", &stream_kb, &stream_bytes, &rss0) != 3 ||
      std::sscanf(run_phase(self, dir, "memory").c_str(), "%ld %zu %ld", &memory_kb, &memory_bytes, &rss1) != 3) {
    std::fprintf(stderr, "bench-export: a phase failed\n");
    return 1;
  }
  std::printf("export of %zu responses over HTTP (%.1f MB of CSV):\n", count, static_cast<double>(stream_bytes) / 1e6);
  std::printf("  streamed (chunked, 500 rows a page):  peak RSS +%7.1f MB over %.1f MB before\n", stream_kb / 1024.0, rss0 / 1024.0);
  std::printf("  whole CSV built in memory, then sent: peak RSS +%7.1f MB over %.1f MB before\n", memory_kb / 1024.0, rss1 / 1024.0);
  std::printf("  ratio streamed / in memory: %.3f\n", memory_kb > 0 ? static_cast<double>(stream_kb) / static_cast<double>(memory_kb) : 0.0);
  if (temporary) std::filesystem::remove_all(dir);
  return stream_bytes == memory_bytes ? 0 : 2;
}
