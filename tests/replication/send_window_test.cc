// The pipelining window's policy (replication/send_window.h), driven in a closed loop over a
// simulated link: the sender sends only what admits() allows, the link carries one batch at a
// time at its bandwidth, and each ack comes back a round trip after its batch's last byte.
#include <catch2/catch.hpp>

#include <deque>

#include "replication/send_window.h"

using mhero::sync::SendWindow;
using namespace std::chrono_literals;

namespace {

struct LinkRun {
  double link_share;   // Bytes acknowledged per second over the link's bandwidth.
  size_t window;       // The window at the end.
  size_t most_bytes;   // Most compressed bytes in flight at once.
};

// `batches` batches of `bytes` through a link of `bytes_per_s` and round trip `rtt`.
LinkRun run_link(SendWindow& w, int batches, size_t bytes, double bytes_per_s, std::chrono::milliseconds rtt) {
  using Clock = SendWindow::Clock;
  auto seconds = [](double s) { return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(s)); };
  const SendWindow::Time t0{};
  SendWindow::Time now = t0, link_free = t0;
  struct Sent {
    SendWindow::Time sent_at, acked_at;
  };
  std::deque<Sent> in_flight;
  size_t most = 0;
  int sent = 0;
  while (sent < batches || !in_flight.empty()) {
    while (sent < batches && w.admits(in_flight.size() * bytes, in_flight.size(), bytes)) {
      SendWindow::Time done = std::max(now, link_free) + seconds(static_cast<double>(bytes) / bytes_per_s);
      link_free = done;
      in_flight.push_back({now, done + rtt});
      ++sent;
      most = std::max(most, in_flight.size() * bytes);
    }
    Sent oldest = in_flight.front();
    in_flight.pop_front();
    now = std::max(now, oldest.acked_at);
    w.acked(bytes, oldest.sent_at, now);
  }
  double elapsed = std::chrono::duration<double>(now - t0).count();
  return {static_cast<double>(batches) * static_cast<double>(bytes) / elapsed / bytes_per_s, w.bytes_now(), most};
}

}  // namespace

TEST_CASE("send window: the minimum before anything is measured, the first batch always goes") {
  SendWindow w(64 * 1024, 4 << 20);
  CHECK(w.bytes_now() == 64 * 1024);
  CHECK(w.admits(0, 0, 10 << 20));             // A batch larger than the window goes out alone.
  CHECK(w.admits(30'000, 1, 30'000));          // 60,000 <= 65,536.
  CHECK_FALSE(w.admits(60'000, 2, 30'000));    // 90,000 > 65,536.
}

TEST_CASE("send window: a slow link keeps the minimum, which bounds what a cut costs, and stays full") {
  SendWindow two_g(64 * 1024, 4 << 20);
  LinkRun r = run_link(two_g, 20, 30'000, 12'000, 600ms);  // 96 kbit/s, 600 ms.
  CHECK(r.window == 64 * 1024);
  CHECK(r.most_bytes <= 64 * 1024);
  CHECK(r.link_share > 0.95);
  SendWindow vsat(64 * 1024, 4 << 20);
  r = run_link(vsat, 40, 30'000, 32'000, 650ms);  // 256 kbit/s, 650 ms.
  CHECK(r.most_bytes <= 64 * 1024);
  CHECK(r.link_share > 0.90);
}

TEST_CASE("send window: a fast, distant link opens it until the link is full, up to the ceiling") {
  SendWindow w(64 * 1024, 4 << 20);
  LinkRun r = run_link(w, 2000, 30'000, 10e6, 100ms);  // 10 MB/s, 100 ms: 1 MB in flight fills it.
  CHECK(r.window > 1'000'000);
  CHECK(r.link_share > 0.80);
  SendWindow fixed(64 * 1024, 64 * 1024);  // The same link with the window held at 64 KiB.
  CHECK(run_link(fixed, 200, 30'000, 10e6, 100ms).link_share < 0.10);
  SendWindow capped(64 * 1024, 512 * 1024);
  r = run_link(capped, 400, 30'000, 10e6, 100ms);
  CHECK(r.window == 512 * 1024);
  CHECK(r.most_bytes <= 512 * 1024);
}

TEST_CASE("send window: never more than kMaxBatchesInFlight batches, however small") {
  SendWindow w(1 << 30, 1 << 30);
  CHECK(w.admits(100 * (SendWindow::kMaxBatchesInFlight - 1), SendWindow::kMaxBatchesInFlight - 1, 100));
  CHECK_FALSE(w.admits(100 * SendWindow::kMaxBatchesInFlight, SendWindow::kMaxBatchesInFlight, 100));
}

TEST_CASE("send window: 0 and 0 is one batch at a time") {
  SendWindow w(0, 0);
  CHECK(w.admits(0, 0, 5000));
  CHECK_FALSE(w.admits(5000, 1, 1));
  LinkRun r = run_link(w, 5, 5000, 1e6, 10ms);
  CHECK(r.most_bytes == 5000);
  CHECK_FALSE(w.admits(5000, 1, 1));
}
