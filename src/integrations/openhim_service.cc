#include "integrations/openhim_service.h"

#include <boost/asio/io_context.hpp>
#include <spdlog/spdlog.h>

#include <fstream>

#include "integrations/openhim_mediator.h"
#include "integrations/openhim_orchestration.h"
#include "integrations/openinfoman_pull.h"
#include "net/http_server.h"

namespace mhero::integrations {

using nlohmann::json;

namespace {

constexpr const char* kOpenHimType = "application/json+openhim";
constexpr size_t kIoThreads = 4;  // /status answers while triggers wait for their runs.

bool same_secret(const std::string& a, const std::string& b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i % (b.empty() ? 1 : b.size())]);
  return diff == 0 && !b.empty();
}

net::HttpResponse openhim_reply(int status, const json& body) {
  net::HttpResponse r;
  r.status = status;
  r.headers.emplace_back("Content-Type", kOpenHimType);
  r.body = body.dump();
  return r;
}

std::string now_iso() { return iso_time(std::chrono::system_clock::now()); }

// [rapidpro] poll_interval_ms of `table` (the internal timer's period).
std::chrono::milliseconds poll_interval(const toml::table& table) {
  return std::chrono::milliseconds(int_or(table, "rapidpro", "poll_interval_ms", 60'000));
}

}  // namespace

OpenHimService::OpenHimService(Node& node, OpenHimConfig config, OpenHimServiceOptions options)
    : config_(std::move(config)),
      options_(std::move(options)),
      api_(config_),
      jobs_(std::make_unique<TriggerJobs>(node, node.config().table)) {}

Result<std::unique_ptr<OpenHimService>> OpenHimService::start(Node& node, OpenHimConfig config,
                                                              OpenHimServiceOptions options) {
  std::unique_ptr<OpenHimService> s(new OpenHimService(node, std::move(config), std::move(options)));
  net::HttpServerOptions server;
  const std::string& listen = s->config_.listen;
  size_t colon = listen.rfind(':');
  if (colon == std::string::npos) return invalid_argument("[openhim] listen must be HOST:PORT, not \"" + listen + "\"");
  server.host = listen.substr(0, colon);
  if (server.host.size() >= 2 && server.host.front() == '[') server.host = server.host.substr(1, server.host.size() - 2);
  server.port = static_cast<uint16_t>(s->config_.listen_port());
  server.max_body_bytes = 64 * 1024;
  s->ioc_ = std::make_unique<boost::asio::io_context>();
  OpenHimService* self = s.get();
  s->server_ = std::make_unique<net::HttpServer>(*s->ioc_, server,
                                                 [self](const net::HttpRequest& r) { return self->handle(r); });
  auto port = s->server_->start();
  if (!port.ok()) return port.status().with_context("[openhim] listen " + listen);
  s->port_ = *port;
  // Port 0 picks one: OpenHIM's routes must call the bound port.
  if (s->config_.listen_port() == 0) s->config_.listen = listen.substr(0, colon) + ":" + std::to_string(*port);
  for (size_t i = 0; i < kIoThreads; ++i) s->io_threads_.emplace_back([self] { self->ioc_->run(); });
  if (s->options_.run_timer) s->timer_ = std::thread([self] { self->timer_loop(); });
  spdlog::info("openhim: mediator {} → {}, triggers on port {}, schedule {}", s->config_.mediator_urn, s->config_.url,
               s->port_, s->config_.schedule == OpenHimSchedule::openhim ? "openhim" : "internal");
  return s;
}

OpenHimService::~OpenHimService() { stop(); }

void OpenHimService::stop() {
  if (server_) server_->stop();
  for (auto& t : io_threads_) t.join();
  io_threads_.clear();
  server_.reset();
  {
    std::lock_guard lock(timer_mu_);
    stopping_ = true;
  }
  timer_cv_.notify_all();
  if (timer_.joinable()) timer_.join();
  std::vector<std::thread> putters;
  {
    std::lock_guard lock(mu_);
    putters.swap(putters_);
  }
  for (auto& t : putters) t.join();
  jobs_.reset();
}

void OpenHimService::timer_loop() {
  std::unique_lock lock(timer_mu_);
  while (!stopping_) {
    lock.unlock();
    tick();
    lock.lock();
    timer_cv_.wait_for(lock, config_.heartbeat, [this] { return stopping_; });
  }
}

void OpenHimService::tick() {
  bool registered, want_config;
  {
    std::lock_guard lock(mu_);
    registered = registered_;
    want_config = want_config_;
  }
  Status failure;
  std::optional<json> config;
  if (!registered) {
    failure = api_.register_mediator(mediator_document(config_, jobs_->table(), options_.version));
    if (failure.ok()) {
      registered = want_config = true;
      spdlog::info("openhim: registered mediator {} (version {})", config_.mediator_urn, options_.version);
    }
  }
  if (failure.ok()) {
    double uptime = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
    auto beat = api_.heartbeat(uptime, want_config);
    if (beat.ok()) {
      config = *beat;
    } else {
      failure = beat.status();
    }
  }
  bool was_connected;
  size_t beats;
  {
    std::lock_guard lock(mu_);
    was_connected = connected_;
    beats = heartbeats_;
    registered_ = registered && failure.code() != StatusCode::not_found;
    connected_ = failure.ok();
    if (failure.ok()) {
      want_config_ = false;
      last_heartbeat_ = now_iso();
      ++heartbeats_;
    } else {
      last_error_ = failure.to_string();
    }
  }
  if (failure.ok() && !was_connected) {
    spdlog::info("openhim: {} reachable{}", config_.url,
                 config_.schedule == OpenHimSchedule::openhim ? "; OpenHIM's polling channels drive the work" : "");
  } else if (!failure.ok() && (was_connected || beats == 0)) {
    spdlog::warn("openhim: {} unreachable ({}); dispatch and response polls run on internal timers", config_.url,
                 failure.to_string());
  }
  if (config) apply_config(*config);

  bool internal;
  {
    std::lock_guard lock(mu_);
    internal = config_.schedule == OpenHimSchedule::internal || !connected_;
    auto now = std::chrono::steady_clock::now();
    internal = internal && now >= next_internal_;
    if (internal) {
      next_internal_ = now + poll_interval(jobs_->table());
      ++internal_runs_;
    }
  }
  if (internal && !string_or(jobs_->table(), "rapidpro", "url", "").empty()) {
    (void)jobs_->trigger(TriggerJob::dispatch);
    (void)jobs_->trigger(TriggerJob::responses);
  }
  write_status();
}

void OpenHimService::apply_config(const json& config) {
  toml::table current = jobs_->table();
  auto next = apply_mediator_config(current, config);
  if (!next.ok()) {
    spdlog::warn("openhim: {} (nothing changed)", next.status().message());
    std::lock_guard lock(mu_);
    config_refused_ = now_iso() + " " + next.status().message();
    return;
  }
  if (*next == current) return;
  json before = mediator_config(current), after = mediator_config(*next);
  std::string changed;
  for (const auto& [section, fields] : after.items()) {
    for (const auto& [key, value] : fields.items()) {
      if (before[section][key] != value) changed += (changed.empty() ? "" : ", ") + section + "." + key;
    }
  }
  jobs_->set_table(std::move(next).value());
  spdlog::info("openhim: config from OpenHIM applied ({}); the next runs use it", changed);
  std::lock_guard lock(mu_);
  ++config_changes_;
  config_applied_ = now_iso() + " " + changed;
}

json OpenHimService::state() const {
  std::lock_guard lock(mu_);
  bool driving_openhim = config_.schedule == OpenHimSchedule::openhim && connected_;
  return {{"url", config_.url},
          {"mediator_urn", config_.mediator_urn},
          {"schedule", config_.schedule == OpenHimSchedule::openhim ? "openhim" : "internal"},
          {"driving", driving_openhim ? "openhim" : "internal"},
          {"registered", registered_},
          {"connected", connected_},
          {"heartbeats", heartbeats_},
          {"last_heartbeat", last_heartbeat_},
          {"last_error", last_error_},
          {"config_changes", config_changes_},
          {"config_applied", config_applied_},
          {"config_refused", config_refused_},
          {"internal_runs", internal_runs_},
          {"refused_calls", refused_calls_},
          {"triggers_port", port_},
          {"last_triggers", last_triggers_},
          {"written_at", now_iso()}};
}

void OpenHimService::write_status() const {
  if (options_.status_file.empty()) return;
  std::filesystem::path tmp = options_.status_file;
  tmp += ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << state().dump(2) << "\n";
    if (!out) return;
  }
  std::error_code ec;
  std::filesystem::rename(tmp, options_.status_file, ec);
}

net::HttpResponse OpenHimService::handle(const net::HttpRequest& request) {
  auto auth = request.header("Authorization");
  if (!auth || !same_secret(*auth, basic_auth_header(config_.trigger_username, config_.trigger_password))) {
    spdlog::warn("audit: openhim trigger refused: {} {} from {}: {}", request.method, request.path(),
                 request.remote_address.empty() ? "?" : request.remote_address,
                 auth ? "wrong credentials" : "no credentials");
    {
      std::lock_guard lock(mu_);
      ++refused_calls_;
    }
    net::HttpResponse r = net::HttpResponse::text(401, "authentication required\n");
    r.headers.emplace_back("WWW-Authenticate", "Basic realm=\"mHero mediator\"");
    return r;
  }
  std::string path = request.path();
  if (request.method != "GET") return net::HttpResponse::text(405, "use GET\n");
  if (path == "/trigger/registry-pull") return answer(TriggerJob::registry_pull, request);
  if (path == "/trigger/dispatch") return answer(TriggerJob::dispatch, request);
  if (path == "/trigger/responses") return answer(TriggerJob::responses, request);
  if (path == "/status") {
    json s = state();
    return openhim_reply(200, {{"x-mediator-urn", config_.mediator_urn},
                               {"status", "Successful"},
                               {"response", {{"status", 200}, {"body", s.dump()}, {"timestamp", now_iso()}}},
                               {"properties", s}});
  }
  return net::HttpResponse::text(404, "no such trigger: " + path + "\n");
}

net::HttpResponse OpenHimService::answer(TriggerJob job, const net::HttpRequest& request) {
  JobRun run = jobs_->trigger(job);
  std::string transaction = request.header("X-OpenHIM-TransactionID").value_or("");
  std::string name = trigger_job_name(job);
  auto result_json = [this, run](const JobOutcome& o) {
    json properties = o.properties;
    if (run.joined) properties["joined_run_started_at"] = iso_time(run.started);
    return json{{"x-mediator-urn", config_.mediator_urn},
                {"status", o.status},
                {"response",
                 {{"status", o.http_status},
                  {"headers", {{"content-type", "text/plain"}}},
                  {"body", (run.joined ? "joined the run started at " + iso_time(run.started) + ": " : std::string()) + o.body},
                  {"timestamp", iso_time(o.finished)}}},
                // A joined trigger made no calls of its own: the first transaction lists them.
                {"orchestrations", run.joined ? json::array() : o.orchestrations},
                {"properties", properties}};
  };
  {
    std::lock_guard lock(mu_);
    last_triggers_[name] = {{"at", now_iso()}, {"transaction", transaction}, {"joined", run.joined}};
  }
  if (run.done.wait_for(config_.answer_within) == std::future_status::ready) {
    const JobOutcome& o = run.done.get();
    {
      std::lock_guard lock(mu_);
      last_triggers_[name]["status"] = o.status;
    }
    return openhim_reply(o.http_status, result_json(o));
  }
  if (!transaction.empty()) {
    std::lock_guard lock(mu_);
    putters_.emplace_back([this, run, transaction, name, result_json] {
      const JobOutcome& o = run.done.get();
      json update = result_json(o);
      update.erase("x-mediator-urn");  // Not a transaction field (core transactions model).
      Status s = api_.put_transaction(transaction, update);
      if (!s.ok()) {
        spdlog::warn("openhim: {} finished but PUT /transactions/{} failed: {}", name, transaction, s.to_string());
      }
      std::lock_guard lock(mu_);
      last_triggers_[name]["status"] = o.status;
      last_triggers_[name]["put"] = s.ok();
    });
  }
  return openhim_reply(200, {{"x-mediator-urn", config_.mediator_urn},
                             {"status", "Processing"},
                             {"response",
                              {{"status", 202},
                               {"headers", {{"content-type", "text/plain"}}},
                               {"body", name + " running since " + iso_time(run.started) +
                                            (transaction.empty() ? "" : "; the result follows with PUT /transactions/" + transaction)},
                               {"timestamp", now_iso()}}},
                             {"orchestrations", json::array()},
                             {"properties", json::object()}});
}

}  // namespace mhero::integrations
