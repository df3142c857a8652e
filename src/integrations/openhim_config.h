// The [openhim] table of config.toml: the central node as an OpenHIM mediator (DESIGN.md
// "Central integrations, continued"; OpenHIM docs/dev-guide/mediators.md).
#pragma once

#include <chrono>
#include <string>

#include "node/config.h"
#include "util/status.h"

namespace mhero::integrations {

enum class OpenHimAuth { basic, token };  // Authorization: Basic, or the legacy auth-* headers.
enum class OpenHimSchedule { openhim, internal };

struct OpenHimConfig {
  std::string url;                            // url: core API base, e.g. "https://openhim:8080".
  OpenHimAuth auth = OpenHimAuth::basic;      // auth.
  std::string username, password;             // username (email), password.
  std::string ca_file;                        // ca_file: "" = the system store.
  std::string mediator_urn = "urn:mediator:mhero-sync-node";
  std::string listen;                         // listen: HOST:PORT of the trigger routes.
  std::string route_host;                     // route_host: "" = listen's host (localhost for 0.0.0.0).
  OpenHimSchedule schedule = OpenHimSchedule::internal;
  std::string trigger_username = "openhim";   // trigger_username / trigger_password: Basic auth
  std::string trigger_password;               // the triggers require (the shared secret).
  std::string registry_pull_schedule = "15 07,13 * * *";  // The polling channels'
  std::string dispatch_schedule = "1 minutes";            // pollingSchedule (registration).
  std::string responses_schedule = "5 minutes";
  std::chrono::milliseconds heartbeat{10'000};        // heartbeat_ms.
  std::chrono::milliseconds answer_within{30'000};    // answer_within_ms.

  /// Whether [openhim] url is set (the mediator is on).
  static bool configured(const NodeConfig& config);
  /// Reads [openhim]. Errors: invalid_argument naming the key (auth or schedule not one of the
  /// names; url set without listen, username or trigger_password; listen without a port).
  static Result<OpenHimConfig> from(const NodeConfig& config);

  /// The host and port OpenHIM's routes call: route_host or listen's host, and listen's port.
  std::string effective_route_host() const;
  int listen_port() const;
};

}  // namespace mhero::integrations
