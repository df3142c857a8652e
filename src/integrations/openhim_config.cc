#include "integrations/openhim_config.h"

namespace mhero::integrations {

namespace {

std::string listen_host(const std::string& listen) {
  size_t colon = listen.rfind(':');
  std::string host = colon == std::string::npos ? listen : listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
  return host;
}

}  // namespace

bool OpenHimConfig::configured(const NodeConfig& config) {
  return !string_or(config.table, "openhim", "url", "").empty();
}

Result<OpenHimConfig> OpenHimConfig::from(const NodeConfig& config) {
  const toml::table& t = config.table;
  OpenHimConfig c;
  c.url = string_or(t, "openhim", "url", "");
  while (!c.url.empty() && c.url.back() == '/') c.url.pop_back();
  std::string auth = string_or(t, "openhim", "auth", "basic");
  if (auth == "basic") {
    c.auth = OpenHimAuth::basic;
  } else if (auth == "token") {
    c.auth = OpenHimAuth::token;
  } else {
    return invalid_argument("[openhim] auth must be \"basic\" or \"token\", not \"" + auth + "\"");
  }
  c.username = string_or(t, "openhim", "username", "");
  c.password = string_or(t, "openhim", "password", "");
  c.ca_file = string_or(t, "openhim", "ca_file", "");
  c.mediator_urn = string_or(t, "openhim", "mediator_urn", c.mediator_urn);
  c.listen = string_or(t, "openhim", "listen", "");
  c.route_host = string_or(t, "openhim", "route_host", "");
  std::string schedule = string_or(t, "openhim", "schedule", "internal");
  if (schedule == "openhim") {
    c.schedule = OpenHimSchedule::openhim;
  } else if (schedule == "internal") {
    c.schedule = OpenHimSchedule::internal;
  } else {
    return invalid_argument("[openhim] schedule must be \"openhim\" or \"internal\", not \"" + schedule + "\"");
  }
  c.trigger_username = string_or(t, "openhim", "trigger_username", c.trigger_username);
  c.trigger_password = string_or(t, "openhim", "trigger_password", "");
  c.registry_pull_schedule = string_or(t, "openhim", "registry_pull_schedule", c.registry_pull_schedule);
  c.dispatch_schedule = string_or(t, "openhim", "dispatch_schedule", c.dispatch_schedule);
  c.responses_schedule = string_or(t, "openhim", "responses_schedule", c.responses_schedule);
  c.heartbeat = std::chrono::milliseconds(int_or(t, "openhim", "heartbeat_ms", 10'000));
  c.answer_within = std::chrono::milliseconds(int_or(t, "openhim", "answer_within_ms", 30'000));
  if (!c.url.empty()) {
    if (c.listen.empty()) return invalid_argument("[openhim] url is set: [openhim] listen (HOST:PORT of the triggers) is required");
    if (c.username.empty()) return invalid_argument("[openhim] url is set: [openhim] username is required");
    if (c.trigger_password.empty()) {
      return invalid_argument("[openhim] url is set: [openhim] trigger_password (the triggers' shared secret) is required");
    }
    if (c.mediator_urn.empty()) return invalid_argument("[openhim] mediator_urn must not be empty");
  }
  return c;
}

std::string OpenHimConfig::effective_route_host() const {
  if (!route_host.empty()) return route_host;
  std::string host = listen_host(listen);
  return host.empty() || host == "0.0.0.0" || host == "::" ? "localhost" : host;
}

int OpenHimConfig::listen_port() const {
  size_t colon = listen.rfind(':');
  if (colon == std::string::npos) return 0;
  return std::atoi(listen.c_str() + colon + 1);
}

}  // namespace mhero::integrations
