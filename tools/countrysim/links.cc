#include "countrysim/links.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include <algorithm>
#include <cmath>
#include <array>
#include <mutex>
#include <thread>

namespace mhero::countrysim {

namespace {

constexpr int64_t kHourMs = 3'600'000;
constexpr int64_t kDayMs = 24 * kHourMs;

int64_t hours_ms(double h) { return static_cast<int64_t>(h * kHourMs); }

}  // namespace

LinkSchedule::LinkSchedule(const LinkKind& kind, int64_t start, int days, std::mt19937_64& rng)
    : season_ms_(days * kDayMs) {
  int64_t end = start + season_ms_;
  std::uniform_real_distribution<double> unit(0, 1);
  switch (kind.pattern) {
    case LinkKind::Pattern::none:
      break;
    case LinkKind::Pattern::daily_window:
      for (int d = 0; d < days; ++d) {
        double open_h = 8 + 8 * unit(rng);
        double length_h = kind.window_min_h + (kind.window_max_h - kind.window_min_h) * unit(rng);
        int64_t s = start + d * kDayMs + hours_ms(open_h);
        windows_.push_back({s, std::min(end, s + hours_ms(length_h))});
      }
      break;
    case LinkKind::Pattern::fixed_windows:
      for (int d = 0; d < days; ++d) {
        for (int h : kind.window_hours) {
          int64_t s = start + d * kDayMs + h * kHourMs;
          windows_.push_back({s, std::min(end, s + hours_ms(kind.window_min_h))});
        }
      }
      std::sort(windows_.begin(), windows_.end(), [](auto& a, auto& b) { return a.start_ms < b.start_ms; });
      break;
    case LinkKind::Pattern::outages: {
      // Up, with outages arriving at exponential gaps; an outage's length is log-uniform between
      // the bounds (many of a few hours, some of days).
      std::exponential_distribution<double> gap(1.0 / std::max(0.01, kind.outage_every_days));
      int64_t t = start;
      while (t < end) {
        int64_t up_until = std::min(end, t + static_cast<int64_t>(gap(rng) * kDayMs));
        if (up_until > t) windows_.push_back({t, up_until});
        double lo = std::log(std::max(0.1, kind.outage_min_h)), hi = std::log(std::max(kind.outage_min_h, kind.outage_max_h));
        t = up_until + hours_ms(std::exp(lo + (hi - lo) * unit(rng)));
      }
      break;
    }
  }
}

std::optional<Window> LinkSchedule::window_at(int64_t t) const {
  auto it = std::upper_bound(windows_.begin(), windows_.end(), t,
                             [](int64_t v, const Window& w) { return v < w.start_ms; });
  if (it == windows_.begin()) return std::nullopt;
  --it;
  if (t < it->end_ms) return *it;
  return std::nullopt;
}

std::optional<Window> LinkSchedule::next_window(int64_t t) const {
  for (auto it = std::lower_bound(windows_.begin(), windows_.end(), t,
                                  [](const Window& w, int64_t v) { return w.end_ms <= v; });
       it != windows_.end(); ++it) {
    return *it;
  }
  return std::nullopt;
}

double LinkSchedule::up_share() const {
  int64_t up = 0;
  for (const Window& w : windows_) up += w.end_ms - w.start_ms;
  return static_cast<double>(up) / static_cast<double>(season_ms_);
}

int64_t link_ms(const LinkBudget& budget, uint64_t bytes, uint32_t turns) {
  double transfer_ms = static_cast<double>(bytes) * 8.0 / budget.kbit_s;  // kbit/s = bit/ms.
  return budget.rtt_ms + static_cast<int64_t>(turns) * budget.rtt_ms / 2 + static_cast<int64_t>(transfer_ms);
}

SimulatedLink::SimulatedLink() : acceptor_(io_, {boost::asio::ip::make_address("127.0.0.1"), 0}) {}

uint16_t SimulatedLink::port() const { return acceptor_.local_endpoint().port(); }

LinkUse SimulatedLink::carry(uint16_t target, const LinkBudget& budget) {
  using boost::asio::ip::tcp;
  LinkUse use;
  boost::system::error_code ec;
  tcp::socket district(io_), central(io_);
  acceptor_.accept(district, ec);
  if (ec) return use;
  central.connect({boost::asio::ip::make_address("127.0.0.1"), target}, ec);
  if (ec) return use;
  district.set_option(tcp::no_delay(true), ec);
  central.set_option(tcp::no_delay(true), ec);

  std::mutex mu;
  int last_direction = -1;
  auto shut = [&] {
    boost::system::error_code ignored;
    district.shutdown(tcp::socket::shutdown_both, ignored);
    central.shutdown(tcp::socket::shutdown_both, ignored);
  };
  // Forwards `from` -> `to`; direction 0 = up (district -> central), 1 = down.
  auto pump = [&](tcp::socket& from, tcp::socket& to, int direction) {
    std::array<uint8_t, 16 * 1024> buf;
    for (;;) {
      boost::system::error_code rec;
      size_t n = from.read_some(boost::asio::buffer(buf), rec);
      size_t allowed = n;
      bool cut = false;
      {
        std::lock_guard lock(mu);
        if (n > 0 && !use.cut) {
          if (direction != last_direction) {
            ++use.turns;
            last_direction = direction;
          }
          uint64_t sent = use.total();
          uint64_t by_bytes = budget.max_bytes > sent ? budget.max_bytes - sent : 0;
          // Bytes that still fit before the window closes, after the latency already spent.
          int64_t latency = link_ms(budget, 0, use.turns);
          double fit = static_cast<double>(budget.max_ms - latency) * budget.kbit_s / 8.0 - static_cast<double>(sent);
          uint64_t by_time = budget.max_ms == INT64_MAX ? UINT64_MAX : fit > 0 ? static_cast<uint64_t>(fit) : 0;
          allowed = static_cast<size_t>(std::min<uint64_t>(n, std::min(by_bytes, by_time)));
          (direction == 0 ? use.bytes_up : use.bytes_down) += allowed;
          if (allowed < n) use.cut = true;
        } else if (use.cut) {
          allowed = 0;
        }
        cut = use.cut;
      }
      if (allowed > 0) {
        boost::system::error_code wec;
        boost::asio::write(to, boost::asio::buffer(buf.data(), allowed), wec);
        if (wec) {
          shut();
          return;
        }
      }
      if (cut) {
        shut();
        return;
      }
      if (rec) {  // EOF or error: pass the half-close on, the other direction goes on.
        boost::system::error_code ignored;
        to.shutdown(tcp::socket::shutdown_send, ignored);
        return;
      }
    }
  };
  std::thread down([&] { pump(central, district, 1); });
  pump(district, central, 0);
  down.join();
  use.elapsed_ms = link_ms(budget, use.total(), use.turns);
  if (budget.max_ms != INT64_MAX) use.elapsed_ms = std::min(use.elapsed_ms, std::max<int64_t>(0, budget.max_ms));
  return use;
}

}  // namespace mhero::countrysim
