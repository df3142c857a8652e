// The central node's messaging loop body: dispatch due messages, then collect responses. The
// daemon (`mhero run`) calls run_once() every poll interval; `mhero dispatch` calls it once.
#pragma once

#include <memory>

#include "messaging/dispatcher.h"
#include "messaging/registry_directory.h"
#include "messaging/response_poller.h"
#include "node/node.h"

namespace mhero {

/// Reads the [rapidpro] table: url, token (required), timeout_ms, poll_interval_ms,
/// max_attempts_count, backoff_initial_ms, backoff_max_ms, max_throttle_waits_count, ca_file.
/// Errors: failed_precondition naming the missing key; invalid_argument for a bad URL or value.
Result<RapidProConfig> load_rapidpro_config(const toml::table& table);

class MessagingService {
 public:
  /// Everything referenced must outlive the service. `sleep` as in RapidProClient.
  MessagingService(LogStore& store, const NodeKey& key, const Clock& clock, RapidProConfig config,
                   std::unique_ptr<WorkerDirectory> directory, RapidProClient::Sleep sleep = nullptr,
                   DispatcherOptions options = {});
  /// For a central node: config from its config.toml, the registry view as directory.
  /// Errors: failed_precondition on a district node or without [rapidpro] url/token.
  static Result<std::unique_ptr<MessagingService>> for_node(Node& node, DispatcherOptions options = {});

  /// Dispatch pass, then a response poll (even when dispatch hit RapidPro errors). Returns the
  /// first error (unavailable: try again next interval).
  Status run_once();

  Dispatcher& dispatcher() { return dispatcher_; }
  ResponsePoller& poller() { return poller_; }
  RapidProClient& client() { return client_; }
  ContactSync& contacts() { return contacts_; }
  const PollStats& last_poll() const { return last_poll_; }

 private:
  std::unique_ptr<WorkerDirectory> directory_;
  RapidProClient client_;
  ContactSync contacts_;
  Dispatcher dispatcher_;
  ResponsePoller poller_;
  PollStats last_poll_;
};

}  // namespace mhero
