// The central node as an OpenHIM mediator inside `mhero run` (DESIGN.md "Central integrations,
// continued"; README.md "OpenHIM"):
//   - registers (POST /mediators) and sends a heartbeat every [openhim] heartbeat_ms; the first
//     heartbeat after a registration asks for the config ("config": true); any config a reply
//     carries is checked with the config key table (openhim_mediator.h) and, when acceptable,
//     used by the next runs without a restart; a bad one is refused, logged, and changes nothing;
//   - serves the triggers on [openhim] listen: GET /trigger/registry-pull, /trigger/dispatch,
//     /trigger/responses and /status, HTTP Basic with the trigger credentials (else 401 and an
//     audit line in the log), answering application/json+openhim; a run not finished within
//     answer_within_ms answers "Processing" and later PUTs the result to
//     /transactions/{X-OpenHIM-TransactionID};
//   - runs dispatch and the response poll on its own timer ([rapidpro] poll_interval_ms) when
//     schedule = "internal", or while OpenHIM cannot be reached (registration and heartbeats
//     are retried each period and the node goes back to OpenHIM's schedule when one succeeds);
//   - writes what it knows (connected, driving schedule, last heartbeat, last error, config
//     applied or refused, last trigger per job) to openhim-status.json in the node directory,
//     which `mhero status` shows. Node-local: nothing of this is replicated.
// X-OpenHIM-LastRunAt is the start of OpenHIM's current run (JavaScript Date.toString()), not a
// modified-since cursor: the jobs keep their own cursors.
//
// Thread-safety: state() and tick() may be called from any thread. stop() (or the destructor)
// stops the listener and the timer thread, and waits for the runs and PUTs in flight.
#pragma once

#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "integrations/openhim_api.h"
#include "integrations/openhim_config.h"
#include "integrations/openhim_jobs.h"
#include "net/http_message.h"
#include "node/node.h"

namespace boost::asio {
class io_context;
}
namespace mhero::net {
class HttpServer;
}

namespace mhero::integrations {

struct OpenHimServiceOptions {
  std::string version = "0.1.0";  // The mediator's semver version.
  /// false (tests): no timer thread; call tick() to register, heartbeat and run the internal
  /// timer once.
  bool run_timer = true;
  /// Where openhim-status.json goes ("" = not written).
  std::filesystem::path status_file;
};

class OpenHimService {
 public:
  /// Starts the trigger listener (and the timer thread). `node` must outlive the service.
  /// Errors: invalid_argument ([openhim] listen), unavailable (port in use).
  static Result<std::unique_ptr<OpenHimService>> start(Node& node, OpenHimConfig config,
                                                       OpenHimServiceOptions options = {});
  ~OpenHimService();
  OpenHimService(const OpenHimService&) = delete;
  OpenHimService& operator=(const OpenHimService&) = delete;

  void stop();
  /// The bound trigger port.
  uint16_t port() const { return port_; }

  /// One timer period: register if not yet, heartbeat (applying any config), start the
  /// internal runs when due and OpenHIM does not drive, write the status file.
  void tick();

  /// The status document (as openhim-status.json).
  nlohmann::json state() const;
  TriggerJobs& jobs() { return *jobs_; }

  /// The trigger routes (what the listener calls; public for the fuzz and unit tests).
  net::HttpResponse handle(const net::HttpRequest& request);

 private:
  OpenHimService(Node& node, OpenHimConfig config, OpenHimServiceOptions options);
  net::HttpResponse answer(TriggerJob job, const net::HttpRequest& request);
  void apply_config(const nlohmann::json& config);
  void write_status() const;
  void timer_loop();

  OpenHimConfig config_;
  OpenHimServiceOptions options_;
  OpenHimApi api_;
  std::unique_ptr<TriggerJobs> jobs_;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();

  mutable std::mutex mu_;  // Guards the state below.
  bool registered_ = false, connected_ = false, want_config_ = true;
  std::string last_heartbeat_, last_error_, config_applied_, config_refused_;
  size_t heartbeats_ = 0, config_changes_ = 0, refused_calls_ = 0, internal_runs_ = 0;
  std::chrono::steady_clock::time_point next_internal_{};
  nlohmann::json last_triggers_ = nlohmann::json::object();
  std::vector<std::thread> putters_;  // Waiting for a run to PUT /transactions/{id}.

  std::unique_ptr<boost::asio::io_context> ioc_;
  std::unique_ptr<net::HttpServer> server_;
  std::vector<std::thread> io_threads_;
  uint16_t port_ = 0;
  std::mutex timer_mu_;
  std::condition_variable timer_cv_;
  bool stopping_ = false;
  std::thread timer_;
};

}  // namespace mhero::integrations
