// The pipelining window's policy (replication/send_window.h), on clock readings made up here.
#include <catch2/catch.hpp>

#include "replication/send_window.h"

using mhero::sync::SendWindow;
using namespace std::chrono_literals;

namespace {

// `batches` batches of `bytes` over a link of `bytes_per_s` and round trip `rtt`, each sent as
// the previous one's last byte left: acks arrive at the link's pace, the first after its own
// transfer and the round trip.
void run_link(SendWindow& w, int batches, size_t bytes, double bytes_per_s, std::chrono::milliseconds rtt) {
  SendWindow::Time t0{};
  auto transfer = std::chrono::duration_cast<SendWindow::Clock::duration>(
      std::chrono::duration<double>(static_cast<double>(bytes) / bytes_per_s));
  for (int i = 0; i < batches; ++i) {
    SendWindow::Time sent = t0 + i * transfer;
    w.sent(sent);
    w.acked(bytes, sent, t0 + (i + 1) * transfer + rtt);
  }
}

}  // namespace

TEST_CASE("send window: the minimum before anything is measured, the first batch always goes") {
  SendWindow w(64 * 1024, 4 << 20);
  CHECK(w.bytes_now() == 64 * 1024);
  CHECK(w.admits(0, 0, 10 << 20));             // A batch larger than the window goes out alone.
  CHECK(w.admits(30'000, 1, 30'000));          // 60,000 <= 65,536.
  CHECK_FALSE(w.admits(60'000, 2, 30'000));    // 90,000 > 65,536.
}

TEST_CASE("send window: a slow link keeps the minimum, which bounds what a cut costs") {
  // 96 kbit/s, 600 ms: bandwidth x delay is 7.2 KB; with a 30 KB batch's own transfer 37 KB.
  SendWindow w(64 * 1024, 4 << 20);
  run_link(w, 10, 30'000, 12'000, 600ms);
  CHECK(w.bytes_now() == 64 * 1024);
}

TEST_CASE("send window: a fast, distant link opens it to bandwidth x round trip, up to the ceiling") {
  SendWindow w(64 * 1024, 4 << 20);
  run_link(w, 400, 30'000, 10e6, 100ms);  // 10 MB/s, 100 ms: about 1 MB once the rate is measured.
  CHECK(w.bytes_now() > 900'000);
  CHECK(w.bytes_now() < 1'200'000);
  SendWindow capped(64 * 1024, 512 * 1024);
  run_link(capped, 40, 30'000, 10e6, 100ms);
  CHECK(capped.bytes_now() == 512 * 1024);
}

TEST_CASE("send window: never more than kMaxBatchesInFlight batches, however small") {
  SendWindow w(1 << 20, 1 << 20);
  CHECK(w.admits(100 * (SendWindow::kMaxBatchesInFlight - 1), SendWindow::kMaxBatchesInFlight - 1, 100));
  CHECK_FALSE(w.admits(100 * SendWindow::kMaxBatchesInFlight, SendWindow::kMaxBatchesInFlight, 100));
}

TEST_CASE("send window: 0 and 0 is one batch at a time") {
  SendWindow w(0, 0);
  CHECK(w.admits(0, 0, 5000));
  CHECK_FALSE(w.admits(5000, 1, 1));
  run_link(w, 5, 5000, 1e6, 10ms);
  CHECK_FALSE(w.admits(5000, 1, 1));
}
