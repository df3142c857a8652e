// countrysim's links: the season's windows per link kind, and the proxy that carries a session
// across a simulated link, charging its bytes and turns and cutting it where the link would.
#include <catch2/catch.hpp>

#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include <thread>

#include "countrysim/links.h"

namespace mhero::countrysim {
namespace {

using boost::asio::ip::tcp;
constexpr int64_t kHourMs = 3'600'000;

TEST_CASE("countrysim links: each kind's windows over a season") {
  Scenario s = default_scenario();
  std::mt19937_64 rng(1);
  LinkSchedule g2(s.link("2g"), 0, 30, rng);
  REQUIRE(g2.windows().size() == 30);  // One window a day, 1 to 3 hours, opening 08:00-16:00.
  for (const Window& w : g2.windows()) {
    CHECK(w.end_ms - w.start_ms >= 1 * kHourMs);
    CHECK(w.end_ms - w.start_ms <= 3 * kHourMs);
    CHECK(w.start_ms % (24 * kHourMs) >= 8 * kHourMs);
  }
  LinkSchedule vsat(s.link("vsat"), 0, 2, rng);
  REQUIRE(vsat.windows().size() == 4);  // 30 minutes at 08:00 and 16:00.
  CHECK(vsat.windows()[1].start_ms == 16 * kHourMs);
  CHECK(vsat.windows()[1].end_ms == 16 * kHourMs + kHourMs / 2);
  CHECK(vsat.window_at(16 * kHourMs + 60'000).has_value());
  CHECK(!vsat.window_at(17 * kHourMs).has_value());
  CHECK(vsat.next_window(17 * kHourMs)->start_ms == 32 * kHourMs);
  LinkSchedule g3(s.link("3g"), 0, 180, rng);
  CHECK(g3.up_share() > 0.5);  // Up but for outages of hours to days.
  CHECK(g3.up_share() < 1.0);
  LinkSchedule none(s.link("none"), 0, 180, rng);
  CHECK(none.windows().empty());
  CHECK(!none.next_window(0).has_value());
}

// A loopback server that reads `expect` bytes, then writes `reply` bytes back.
struct Echo {
  boost::asio::io_context io;
  tcp::acceptor acceptor{io, {boost::asio::ip::make_address("127.0.0.1"), 0}};
  uint16_t port() const { return acceptor.local_endpoint().port(); }
  void serve(size_t expect, size_t reply) {
    tcp::socket s(io);
    acceptor.accept(s);
    std::vector<uint8_t> buf(expect);
    boost::system::error_code ec;
    boost::asio::read(s, boost::asio::buffer(buf), ec);
    if (ec) return;
    std::vector<uint8_t> out(reply, 0x5a);
    boost::asio::write(s, boost::asio::buffer(out), ec);
  }
};

LinkUse exchange(const LinkBudget& budget, size_t up, size_t down, size_t* got) {
  Echo echo;
  SimulatedLink link;
  std::thread server([&] { echo.serve(up, down); });
  LinkUse use;
  std::thread carry([&] { use = link.carry(echo.port(), budget); });
  boost::asio::io_context io;
  tcp::socket s(io);
  s.connect({boost::asio::ip::make_address("127.0.0.1"), link.port()});
  std::vector<uint8_t> out(up, 0xa5), in(down);
  boost::system::error_code ec;
  boost::asio::write(s, boost::asio::buffer(out), ec);
  *got = boost::asio::read(s, boost::asio::buffer(in), ec);
  s.close();
  carry.join();
  server.join();
  return use;
}

TEST_CASE("countrysim links: a session's bytes and turns cost the link's time") {
  size_t got = 0;
  LinkUse use = exchange(LinkBudget{40, 600}, 5000, 20000, &got);
  CHECK(got == 20000);
  CHECK(use.bytes_up == 5000);
  CHECK(use.bytes_down == 20000);
  CHECK(use.turns == 2);  // Up, then down.
  CHECK(!use.cut);
  // Connect (one round trip) + 2 turns (half a round trip each) + 25,000 bytes at 40 kbit/s.
  CHECK(use.elapsed_ms == 600 + 600 + 5000);
}

TEST_CASE("countrysim links: the link cuts a session at its next cut and at the window's end") {
  size_t got = 0;
  LinkUse cut = exchange(LinkBudget{40, 600, 8000}, 5000, 20000, &got);
  CHECK(cut.cut);
  CHECK(cut.total() == 8000);
  CHECK(got == 3000);  // What crossed before the cut.

  // 3 s of window: one round trip to connect, two half round trips, then 1.8 s of bytes at
  // 40 kbit/s (5 bytes/ms) = 9,000 bytes in all: the 5,000 up and 4,000 of the reply.
  LinkUse late = exchange(LinkBudget{40, 600, UINT64_MAX, 3000}, 5000, 20000, &got);
  CHECK(late.cut);
  CHECK(late.total() == 9000);
  CHECK(got == 4000);
  CHECK(late.elapsed_ms == 3000);
}

}  // namespace
}  // namespace mhero::countrysim
