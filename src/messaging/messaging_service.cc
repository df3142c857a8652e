#include "messaging/messaging_service.h"

#include <spdlog/spdlog.h>

#include "net/url.h"
#include "ops/metrics.h"
#include "registry/registry_config.h"

namespace mhero {

Result<RapidProConfig> load_rapidpro_config(const toml::table& t) {
  RapidProConfig c;
  c.url = string_or(t, "rapidpro", "url", "");
  c.token = string_or(t, "rapidpro", "token", "");
  if (c.url.empty()) return failed_precondition("config.toml [rapidpro] url is not set (e.g. \"https://rapidpro.example.org\")");
  if (c.token.empty()) return failed_precondition("config.toml [rapidpro] token is not set");
  auto url = net::parse_url(c.url);
  if (!url.ok()) return url.status().with_context("config.toml [rapidpro] url");
  auto positive = [&](std::string_view key, int64_t fallback) -> Result<int64_t> {
    int64_t v = int_or(t, "rapidpro", key, fallback);
    if (v <= 0) return invalid_argument("config.toml [rapidpro] " + std::string(key) + " must be > 0");
    return v;
  };
  MHERO_ASSIGN_OR_RETURN(int64_t timeout, positive("timeout_ms", c.timeout.count()));
  MHERO_ASSIGN_OR_RETURN(int64_t poll, positive("poll_interval_ms", c.poll_interval.count()));
  MHERO_ASSIGN_OR_RETURN(int64_t attempts, positive("max_attempts_count", c.max_attempts));
  MHERO_ASSIGN_OR_RETURN(int64_t b0, positive("backoff_initial_ms", c.backoff_initial.count()));
  MHERO_ASSIGN_OR_RETURN(int64_t b1, positive("backoff_max_ms", c.backoff_max.count()));
  MHERO_ASSIGN_OR_RETURN(int64_t waits, positive("max_throttle_waits_count", c.max_throttle_waits));
  c.timeout = std::chrono::milliseconds(timeout);
  c.poll_interval = std::chrono::milliseconds(poll);
  c.max_attempts = static_cast<int>(attempts);
  c.backoff_initial = std::chrono::milliseconds(b0);
  c.backoff_max = std::chrono::milliseconds(b1);
  c.max_throttle_waits = static_cast<int>(waits);
  c.ca_file = string_or(t, "rapidpro", "ca_file", "");
  return c;
}

MessagingService::MessagingService(LogStore& store, const NodeKey& key, const Clock& clock, RapidProConfig config,
                                   std::unique_ptr<WorkerDirectory> directory, RapidProClient::Sleep sleep,
                                   DispatcherOptions options, DeliveryPollerOptions delivery)
    : store_(store),
      key_(key),
      clock_(clock),
      directory_(std::move(directory)),
      client_(std::move(config), std::move(sleep)),
      contacts_(client_, &store),
      dispatcher_(store, key, clock, client_, contacts_, *directory_, options),
      poller_(store, key, client_, contacts_, *directory_),
      delivery_(store, key, clock, client_, delivery) {}

void MessagingService::enable_validation(const NodeConfig& config, std::string default_region,
                                         ValidationConfig validation, ValidationProposer::RegistryLock lock) {
  validation_ = std::make_unique<ValidationProposer>(store_, key_, config, clock_, std::move(default_region),
                                                     std::move(validation), std::move(lock));
  poller_.set_validation(validation_.get());
}

Result<std::unique_ptr<MessagingService>> MessagingService::for_node(Node& node, DispatcherOptions options,
                                                                    const toml::table* table) {
  if (!table) table = &node.config().table;
  if (node.config().role != Role::central) {
    return failed_precondition("only the central node talks to RapidPro (this is a district node)");
  }
  MHERO_ASSIGN_OR_RETURN(auto config, load_rapidpro_config(*table));
  MHERO_ASSIGN_OR_RETURN(auto delivery, load_delivery_options(*table));
  MHERO_ASSIGN_OR_RETURN(auto channel_order, load_channel_order(*table));
  auto service = std::make_unique<MessagingService>(node.store(), node.key(), node.clock(), std::move(config),
                                                    std::make_unique<RegistryDirectory>(node.store().views(), channel_order),
                                                    nullptr, options, delivery);
  MHERO_ASSIGN_OR_RETURN(auto validation, load_validation_config(*table));
  if (!validation.flows.empty()) {
    MHERO_ASSIGN_OR_RETURN(auto reg, registry::RegistryConfig::from(node.config()));
    service->enable_validation(node.config(), reg.default_region, std::move(validation),
                               [&node] { return node.exclusive(Job::registry); });
  }
  service->metrics_ = &node.metrics();
  service->client_.set_metrics(&node.metrics());
  service->client_.set_stop_signal(&node.stop_signal());
  service->dispatcher_.set_metrics(&node.metrics());
  return service;
}

Status MessagingService::run_once() {
  Status dispatched = dispatcher_.run_once();
  if (!dispatched.ok()) spdlog::warn("dispatch: {}", dispatched.to_string());
  if (dispatched.code() == StatusCode::aborted) return dispatched;
  if (client_.stopping()) return dispatched;  // SIGTERM: the polls wait for the next start.
  auto polled = poller_.run_once();
  if (polled.ok()) {
    last_poll_ = *polled;
    if (metrics_) {
      metrics_->counter("mhero_responses_stored_total", "Health workers' answers written as response entries.")
          .inc(static_cast<double>(polled->written));
    }
  }
  auto delivered = delivery_.run_once();
  if (delivered.ok()) last_delivery_ = *delivered;
  if (!dispatched.ok()) return dispatched;
  if (!polled.ok()) return polled.status();
  return delivered.status();
}

}  // namespace mhero
