// A running node's resources: its data directory (node.key, config.toml, db/), identity, config
// and log store. Built by the CLI; subsystems receive the parts they need.
#pragma once

#include <filesystem>
#include <memory>
#include <mutex>

#include "identity/node_key.h"
#include "node/config.h"
#include "ops/metrics.h"
#include "store/log_store.h"
#include "util/clock.h"
#include "util/stop_signal.h"

namespace mhero {

class EnrolledAdmission;

struct NodePaths {
  std::filesystem::path dir;
  std::filesystem::path key() const { return dir / "node.key"; }
  std::filesystem::path config() const { return dir / "config.toml"; }
  std::filesystem::path db() const { return dir / "db"; }
  /// Where a running `mhero run` takes commands from other `mhero` processes
  /// (app/control_server.h, schema/control.capnp).
  std::filesystem::path control_socket() const { return dir / "control.sock"; }
};

/// Multi-step jobs that read the store, decide, then write (so two of one kind must not
/// interleave). Each entry write is atomic on its own; these locks keep whole jobs apart.
enum class Job {
  messaging,  // A dispatch pass + response poll: one at a time, or a message could go out twice.
  registry,   // A registry import or pull: deltas are computed against the view it read.
  bundle,     // A bundle import or export: receipts and the relay shelf.
};

class Node {
 public:
  /// Creates a node directory, private to this user (node/data_modes.h: the directory and db/
  /// 0700, node.key and config.toml 0600): node.key (never overwritten), config.toml, db/. A district
  /// needs `district` and `central_key`. Errors: invalid_argument (what to pass),
  /// already_exists (a key is there), failed_precondition (file system).
  static Result<NodeId> init(const NodePaths& paths, Role role, const std::string& district,
                             std::optional<NodeId> central_key);

  /// Opens an initialised node. `clock` must outlive the node. `views` are registered with the
  /// store in addition to the node's own (the enrollment view, which admission needs, is added
  /// when `views` holds none named "enrollment"). Warns (spdlog) naming every file or directory
  /// of the data directory that group or others can access, and the chmod that fixes it.
  static Result<std::unique_ptr<Node>> open(const NodePaths& paths, const Clock& clock,
                                            std::vector<View*> views = {});
  ~Node();

  const NodePaths& paths() const { return paths_; }
  const NodeKey& key() const { return key_; }
  const NodeId& id() const { return key_.id(); }
  const NodeConfig& config() const { return config_; }
  LogStore& store() { return *store_; }
  const Clock& clock() const { return clock_; }
  /// The scope this node writes: "national" for central, "district/<code>" otherwise.
  std::string own_scope() const;
  /// Holds `job` for this node until the lock is released: within one process (the daemon and
  /// the commands it runs for clients). Across processes the store's own lock keeps one-shot
  /// commands apart. Blocks while another thread holds the same job. Thread-safe.
  std::unique_lock<std::mutex> exclusive(Job job) { return std::unique_lock(job_mu_[static_cast<int>(job)]); }
  /// This process's counters for `/metrics` (ops/metrics.h): what the node's sessions, imports,
  /// dispatch passes and pulls record while it is open. Thread-safe.
  ops::Metrics& metrics() { return metrics_; }
  /// Requested by `mhero run` on SIGTERM/SIGINT: work that waits or retries for long (RapidPro's
  /// backoff) watches it and gives up, so the service stops in seconds. Thread-safe.
  StopSignal& stop_signal() { return stop_signal_; }

  /// Key rotation (node/key_rotation.h): this node's key, its announced next key or a kept old
  /// key, whichever has id `id`; nullptr for any other id. Bundles addressed to either key of a
  /// rotation are opened with it.
  const NodeKey* key_for(const NodeId& id) const;
  /// Key rotation, run by open: switches to node.key.next when due (district: the store holds the
  /// central node's enrollment of it; central: the overlap window ended, or `force`, and then the
  /// old central key's retirement is written with the new key); deletes a kept old key file once
  /// its retirement is held; on a district, pins the newest central key reached by hand-overs
  /// (rewriting config.toml). Returns one line per step taken. Not while sessions run.
  /// Errors: file system (naming the file), store.
  Result<std::vector<std::string>> finish_key_rotation(bool force = false);

 private:
  Node(NodePaths paths, NodeKey key, NodeConfig config, const Clock& clock);
  NodePaths paths_;
  NodeKey key_;
  NodeConfig config_;
  const Clock& clock_;
  std::unique_ptr<EnrolledAdmission> admission_;
  std::unique_ptr<View> enrollment_view_;  // Admission reads it; added unless `views` has one.
  std::unique_ptr<LogStore> store_;
  std::mutex job_mu_[3];  // One per Job.
  std::vector<NodeKey> other_keys_;  // node.key.next and node.key.retired-* (key rotation).
  ops::Metrics metrics_;
  StopSignal stop_signal_;
};

}  // namespace mhero
