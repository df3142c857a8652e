// Appends this node's `nodeStatus` entry (schema/payload.capnp) to its own feed when its health
// changed meaningfully, and otherwise once every `interval` ([console] status_interval_ms,
// default 15 min), so the central console sees every node's health, by sync or by bundle.
//
// Meaningful changes (meaningful_changes below), against the last status written here:
//   "free disk"  free disk crossed 100 MiB, 1 GiB or 10 GiB, or moved by more than 5 %;
//   "pending"    entries pending for a peer went from 0 to more or back, or moved by more
//                than 10 % (the last status entry itself, while unacknowledged, is not counted,
//                so a status never causes the next one);
//   "contact"    a peer not in the last status, or contacted another way (session / bundle);
//                a routine contact by the same way is not a change (each sync would otherwise
//                write a status, which the next sync carries: a loop);
//   "clock"      the clock offset against a peer appeared, or moved by more than 1 min;
//   "version"    the software version changed.
// The last status written is remembered in meta "fleet/status-writer/last" (JSON: written_ms,
// seq, and the health figures compared above).
//
// Size: a district's entry (one peer) is about 250 bytes signed; at most one per interval when
// nothing changes (96 a day at 15 min, ~24 KB/day); see tests/fleet/node_status_test.cc.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "fleet/node_health.h"
#include "node/periodic_task.h"

namespace mhero::fleet {

inline constexpr std::chrono::milliseconds kDefaultStatusInterval = std::chrono::minutes(15);

/// The figures of a NodeHealth the change rules compare (what meta keeps of the last status).
struct HealthSummary {
  uint64_t free_disk_bytes = 0;
  std::vector<std::pair<NodeId, uint64_t>> pending;          // Per peer.
  std::vector<std::pair<NodeId, std::string>> contact_via;   // Per peer: "session" / "bundle".
  std::vector<std::pair<NodeId, int64_t>> clock_offset_ms;   // Per peer, where measured.
  std::string version;
};
HealthSummary summarise(const NodeHealth& health);

/// The names of the meaningful changes from `last` to `now` (see above), in that order; empty
/// when none.
std::vector<std::string> meaningful_changes(const HealthSummary& last, const HealthSummary& now);

/// What the very first run does on a node that never wrote a status: `write` it ("first"; for
/// `bundle export --with-status` and tests), or only remember the health as a `baseline` (inside
/// `mhero run`, so starting the daemon writes nothing: the first status then comes with the first
/// meaningful change or one interval later).
enum class FirstRun { write, baseline };

class NodeStatusWriter {
 public:
  /// `node` must outlive the writer. Not thread-safe: run it from one thread (the daemon's
  /// task thread, or a command).
  NodeStatusWriter(Node& node, std::chrono::milliseconds interval, FirstRun first = FirstRun::write)
      : node_(node), interval_(interval), first_(first) {}

  /// Measures the health and appends a status when one is due. Returns the entry's reason
  /// ("first", "interval", or the changes joined by ", ") or nullopt when nothing was written.
  /// Errors: from measure_health and LogStore::append (e.g. resource_exhausted on a full disk).
  Result<std::optional<std::string>> run_once();

  /// A PeriodicTask running run_once() every `every` (errors logged as warnings).
  PeriodicTask task(std::chrono::milliseconds every);

 private:
  Node& node_;
  std::chrono::milliseconds interval_;
  FirstRun first_;
};

/// [console] status_interval_ms of `config` (default kDefaultStatusInterval).
std::chrono::milliseconds status_interval(const NodeConfig& config);

}  // namespace mhero::fleet
