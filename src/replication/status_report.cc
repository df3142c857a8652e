#include "replication/status_report.h"

#include <ctime>
#include <fstream>

#include "node/enrollment.h"
#include "replication/peer_status.h"
#include "util/bytes.h"
#include "util/clock.h"

namespace mhero {

nlohmann::json status_report(const LogStore& store, const NodeConfig& config, const NodeId& self, const Clock& clock) {
  Frontier mine = store.frontier();
  nlohmann::json out = {{"node", self.hex()},
                        {"role", role_name(config.role)},
                        {"district", config.district},
                        {"written_at", iso_time_ms(clock.now().count())}};
  out["peers"] = nlohmann::json::array();
  out["feeds"] = nlohmann::json::array();
  const std::vector<PeerRecord> records = load_peer_records(store);
  for (const auto& record : records) {
    // A node met under several addresses (moved, or reached through a test link once) has a
    // record per address: each counts against everything the node is known to hold, and all
    // but the latest say which address its sessions now use.
    PeerRecord p = record;
    const PeerRecord* latest = &record;
    if (p.node) {
      auto known = known_peer_frontier(store, *p.node);
      if (known.ok()) p.frontier.merge(*known);
      for (const auto& other : records) {
        if (other.node == p.node && other.last_attempt_ms > latest->last_attempt_ms) latest = &other;
      }
    }
    Lag l = lag(mine, config, p);
    std::optional<Role> role = expected_role(p, config);
    // A district key the central node revoked is shown as such, not as a peer with no error.
    std::optional<NodeId> id = p.node ? p.node : NodeId::from_hex(p.label);
    std::optional<EnrolledKey> enrolled;
    if (id) {
      auto found = find_enrolled(store.views(), *id);
      if (found.ok()) enrolled = *found;
    }
    nlohmann::json revoked = nullptr;
    if (enrolled && enrolled->revoked) {
      revoked = {{"at", iso_time_ms(enrolled->revoked_ms)},
                 {"by", enrolled->revoked_by ? enrolled->revoked_by->hex() : ""},
                 {"retired", enrolled->retired}};
    }
    out["peers"].push_back({{"revoked", revoked},{"peer", p.label},
                            {"address", p.address},
                            {"node", p.node ? p.node->hex() : ""},
                            {"role", role ? role_name(*role) : "unknown"},
                            {"district", p.district.empty() && enrolled ? enrolled->district : p.district},
                            {"last_success", iso_time_ms(p.last_success_ms)},
                            {"last_attempt", iso_time_ms(p.last_attempt_ms)},
                            {"entries_ahead", l.ahead},
                            {"entries_behind", l.behind},
                            {"last_error", p.last_error},
                            {"clock_offset_ms", p.clock_offset_ms ? nlohmann::json(*p.clock_offset_ms) : nullptr},
                            {"superseded_by", latest != &record ? nlohmann::json(latest->label) : nullptr}});
  }
  for (const auto& [feed, seq] : mine.feeds()) {
    out["feeds"].push_back({{"author", feed.author.hex()}, {"scope", feed.scope}, {"seq", seq},
                            {"frozen", store.frozen(feed)}});
  }
  // Fork evidence held here (store/log_store.h): node, feed and seq, as `mhero alarms` and
  // `mhero log verify` name them.
  out["forks"] = nlohmann::json::array();
  for (const ForkRecord& f : store.forks()) {
    nlohmann::json ids = nlohmann::json::array();
    for (const Entry& e : f.entries) ids.push_back(to_hex(std::span<const uint8_t>(e.id())));
    nlohmann::json settled = nullptr;  // README "Recovering from a fork": the key revoked.
    if (auto s = fork_settlement(store.views(), f.feed.author); s.ok() && *s) {
      settled = {{"revoked", iso_time_ms((*s)->revoked.revoked_ms)},
                 {"replacement", (*s)->replacement ? nlohmann::json((*s)->replacement->key.hex()) : nullptr}};
    }
    out["forks"].push_back({{"node", f.feed.author.hex()}, {"scope", f.feed.scope}, {"seq", f.seq},
                            {"entries", ids}, {"reason", f.reason}, {"settled", settled}});
  }
  out["write_hold"] = nullptr;
  if (auto hold = store.write_hold()) {
    nlohmann::json learned = nlohmann::json::object();
    for (const auto& [scope, from] : hold->learned) learned[scope] = from;
    out["write_hold"] = {{"reason", hold->reason}, {"since", iso_time_ms(hold->since_ms)}, {"learned", learned}};
    // A central node learns its heads district by district: the scopes it still waits for.
    if (config.role == Role::central) {
      if (auto waiting = central_scopes_to_learn(store); waiting.ok()) out["write_hold"]["waiting"] = *waiting;
    }
  }
  return out;
}

Status write_status_file(const std::filesystem::path& path, const nlohmann::json& report) {
  std::filesystem::path tmp = path;
  tmp += ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << report.dump(2) << "\n";
    if (!out) return failed_precondition("cannot write " + tmp.string());
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) return failed_precondition("cannot rename " + tmp.string() + " to " + path.string() + ": " + ec.message());
  return {};
}

}  // namespace mhero
