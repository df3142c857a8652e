// The central node's messaging loop body: dispatch due messages, collect responses (and the
// corrections validation flows propose, validation.h), then poll the delivery status of the broadcasts (delivery_poller.h). The
// daemon (`mhero run`) calls run_once() every poll interval; `mhero dispatch` calls it once.
#pragma once

#include <memory>

#include "messaging/delivery_poller.h"
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
                   DispatcherOptions options = {}, DeliveryPollerOptions delivery = {});
  /// For a central node: config from its config.toml (or from `table` when given: the config
  /// OpenHIM sent, integrations/openhim_mediator.h), the registry view as directory.
  /// Errors: failed_precondition on a district node or without [rapidpro] url/token.
  static Result<std::unique_ptr<MessagingService>> for_node(Node& node, DispatcherOptions options = {},
                                                            const toml::table* table = nullptr);

  /// Dispatch pass, then a response poll, then a delivery poll (each even when the one before hit
  /// RapidPro errors, but none once the node's stop signal is requested: for_node watches it).
  /// Returns the first error (unavailable: try again next interval).
  Status run_once();

  /// Turns on validation flows (validation.h): completed runs of `validation.flows` propose
  /// corrections as `config`'s node (central). for_node does this from [validation] when flows
  /// are listed. `config` and `lock` as ValidationProposer's; `config` must outlive the service.
  void enable_validation(const NodeConfig& config, std::string default_region, ValidationConfig validation,
                         ValidationProposer::RegistryLock lock = nullptr);

  Dispatcher& dispatcher() { return dispatcher_; }
  ResponsePoller& poller() { return poller_; }
  DeliveryPoller& delivery() { return delivery_; }
  const DeliveryStats& last_delivery() const { return last_delivery_; }
  RapidProClient& client() { return client_; }
  ContactSync& contacts() { return contacts_; }
  const PollStats& last_poll() const { return last_poll_; }

 private:
  LogStore& store_;
  const NodeKey& key_;
  const Clock& clock_;
  std::unique_ptr<WorkerDirectory> directory_;
  RapidProClient client_;
  ContactSync contacts_;
  Dispatcher dispatcher_;
  ResponsePoller poller_;
  DeliveryPoller delivery_;
  std::unique_ptr<ValidationProposer> validation_;
  PollStats last_poll_;
  DeliveryStats last_delivery_;
  ops::Metrics* metrics_ = nullptr;  // The node's (for_node), else none.
};

}  // namespace mhero
