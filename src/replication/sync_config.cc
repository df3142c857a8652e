#include "replication/sync_config.h"

#include <algorithm>
#include <cassert>

#include <boost/asio/ip/address.hpp>

#include "node/config_keys.h"
#include "replication/transport.h"

namespace mhero {

namespace {

/// [sync] `key`, within the range node/config_keys.h gives it (NodeConfig::load has already
/// refused a file with it out of range; this guards tables built in code).
Result<int64_t> ranged(const toml::table& t, std::string_view key, int64_t fallback) {
  const ConfigKey* spec = find_config_key("sync", key);
  assert(spec && spec->type == ConfigType::integer);
  const int64_t lo = spec->min, hi = spec->max;
  auto node = t["sync"][key];
  if (!node) return fallback;
  auto v = node.value<int64_t>();
  if (!v || *v < lo || *v > hi) {
    return invalid_argument("config.toml [sync] " + std::string(key) + " must be an integer between " +
                            std::to_string(lo) + " and " + std::to_string(hi));
  }
  return *v;
}

}  // namespace

Result<SyncConfig> SyncConfig::from(const NodeConfig& config) {
  SyncConfig c;
  const toml::table& t = config.table;
  if (auto listen = t["sync"]["listen"]) {
    auto v = listen.value<std::string>();
    if (!v) return invalid_argument("config.toml [sync] listen must be a string \"HOST:PORT\"");
    if (!v->empty()) MHERO_RETURN_IF_ERROR(split_host_port(*v).status().with_context("config.toml [sync] listen"));
    c.listen = *v;
  }
  if (auto source = t["sync"]["source_address"]) {
    auto v = source.value<std::string>();
    boost::system::error_code ec;
    if (v && !v->empty()) boost::asio::ip::make_address(*v, ec);
    if (!v || ec) return invalid_argument("config.toml [sync] source_address must be an IPv4 or IPv6 address (\"\" = the system's choice)");
    c.source_address = *v;
  }
  if (auto peers = t["sync"]["peers"]) {
    const toml::array* list = peers.as_array();
    if (!list) return invalid_argument("config.toml [sync] peers must be a list of \"HOST:PORT\" strings");
    for (const auto& p : *list) {
      auto v = p.value<std::string>();
      if (!v) return invalid_argument("config.toml [sync] peers must be a list of \"HOST:PORT\" strings");
      MHERO_RETURN_IF_ERROR(split_host_port(*v).status().with_context("config.toml [sync] peers"));
      c.peers.push_back(*v);
    }
  }
  MHERO_ASSIGN_OR_RETURN(int64_t batch, ranged(t, "batch_bytes", 64 * 1024));
  MHERO_ASSIGN_OR_RETURN(int64_t frame, ranged(t, "frame_bytes_max", 16 << 20));
  // NodeConfig::load has refused an explicit frame_bytes_max below batch_bytes + 4096 (with the
  // file and line); an absent one grows to fit (tables built in code).
  if (!t["sync"]["frame_bytes_max"]) frame = std::max(frame, batch + 4096);
  if (frame < batch + 4096) {
    return invalid_argument("config.toml [sync] frame_bytes_max (" + std::to_string(frame) +
                            ") must be at least batch_bytes + 4096 (" + std::to_string(batch + 4096) + ")");
  }
  c.batch_bytes = static_cast<size_t>(batch);
  MHERO_ASSIGN_OR_RETURN(int64_t wmin, ranged(t, "window_min_bytes", 64 * 1024));
  MHERO_ASSIGN_OR_RETURN(int64_t wmax, ranged(t, "window_max_bytes", 4 << 20));
  c.window_min_bytes = static_cast<size_t>(wmin);
  c.window_max_bytes = static_cast<size_t>(std::max(wmin, wmax));
  c.frame_bytes_max = static_cast<size_t>(frame);
  using ms = std::chrono::milliseconds;
  MHERO_ASSIGN_OR_RETURN(int64_t ri, ranged(t, "retry_initial_ms", 1000));
  MHERO_ASSIGN_OR_RETURN(int64_t rc, ranged(t, "retry_cap_ms", 300000));
  MHERO_ASSIGN_OR_RETURN(int64_t pi, ranged(t, "poll_interval_ms", 60000));
  MHERO_ASSIGN_OR_RETURN(int64_t lc, ranged(t, "local_check_ms", 1000));
  MHERO_ASSIGN_OR_RETURN(int64_t ht, ranged(t, "handshake_timeout_ms", 15000));
  MHERO_ASSIGN_OR_RETURN(int64_t it, ranged(t, "idle_timeout_ms", 60000));
  MHERO_ASSIGN_OR_RETURN(int64_t mx, ranged(t, "max_sessions", 256));
  MHERO_ASSIGN_OR_RETURN(int64_t mp, ranged(t, "max_pending", 64));
  MHERO_ASSIGN_OR_RETURN(int64_t mpa, ranged(t, "max_pending_per_address", 8));
  MHERO_ASSIGN_OR_RETURN(int64_t pt, ranged(t, "pending_timeout_ms", 5000));
  MHERO_ASSIGN_OR_RETURN(int64_t br, ranged(t, "busy_retry_ms", 30000));
  MHERO_ASSIGN_OR_RETURN(int64_t sk, ranged(t, "max_clock_skew_ms", 600000));
  c.retry_initial = ms(ri);
  c.retry_cap = ms(std::max(rc, ri));
  c.poll_interval = ms(pi);
  c.local_check = ms(lc);
  c.handshake_timeout = ms(ht);
  c.idle_timeout = ms(it);
  c.max_sessions = static_cast<size_t>(mx);
  c.max_pending = static_cast<size_t>(mp);
  c.max_pending_per_address = static_cast<size_t>(std::min(mpa, mp));
  c.pending_timeout = ms(pt);
  c.busy_retry = ms(br);
  c.max_clock_skew = ms(sk);
  return c;
}

}  // namespace mhero
