// The work OpenHIM's polling channels trigger on the central node, one run at a time per job:
// a trigger that arrives while its job runs joins that run (never two registry pulls or two
// dispatch passes at once). Each run records one orchestration per call to OpenInfoMan, the
// mCSD server or RapidPro (openhim_orchestration.h) and its figures as `properties`.
//
//   registry_pull: the pull from every configured source (integrations/registry_pull.h, the
//                  moved-share guard included) under Job::registry; properties summed over the
//                  sources: providers_pulled, facilities_pulled, entries_written, added,
//                  changed, removed; searches (OpenInfoMan), mcsd_requests (mCSD).
//   dispatch:      one Dispatcher pass under Job::messaging; messages_dispatched (RapidPro sends),
//                  recipients (workers of the messages finished).
//   responses:     a response poll then a delivery poll under Job::messaging; responses_stored,
//                  duplicates, skipped.
//
// The config the jobs read (`table`) may be replaced while they run (a heartbeat's config): a run
// uses the table current when it started. Thread-safety: every member may be called from any
// thread. The destructor waits for the runs in flight.
#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <toml++/toml.h>

#include "node/node.h"

namespace mhero {
class MessagingService;
}

namespace mhero::integrations {

enum class TriggerJob { registry_pull = 0, dispatch = 1, responses = 2 };
inline constexpr int kTriggerJobs = 3;

/// "registry-pull", "dispatch", "responses" (the trigger paths' last segment).
const char* trigger_job_name(TriggerJob job);

struct JobOutcome {
  std::string status = "Successful";  // OpenHIM transaction status: Successful | Failed.
  int http_status = 200;              // 200, or 500 when the job failed.
  std::string body;                   // One line for people ("pulled 120 providers …").
  nlohmann::json orchestrations = nlohmann::json::array();
  nlohmann::json properties = nlohmann::json::object();
  std::chrono::system_clock::time_point started, finished;
};

struct JobRun {
  std::shared_future<JobOutcome> done;
  std::chrono::system_clock::time_point started;
  bool joined = false;  // This trigger joined a run already going.
};

class TriggerJobs {
 public:
  /// `node` must outlive this object; `table` is the starting config (node.config().table).
  TriggerJobs(Node& node, toml::table table);
  ~TriggerJobs();
  TriggerJobs(const TriggerJobs&) = delete;
  TriggerJobs& operator=(const TriggerJobs&) = delete;

  /// Starts `job` in a worker thread, or joins the run going on. Never blocks on the job.
  JobRun trigger(TriggerJob job);

  /// Replaces the config runs started from now on use (the messaging client is rebuilt).
  void set_table(toml::table table);
  toml::table table() const;
  /// Runs started so far per job (joins not counted).
  size_t runs(TriggerJob job) const;

 private:
  JobOutcome run(TriggerJob job, const toml::table& table);
  JobOutcome pull(const toml::table& table);
  JobOutcome messaging(TriggerJob job, const toml::table& table);
  void reap();

  Node& node_;
  mutable std::mutex mu_;
  toml::table table_;
  uint64_t table_version_ = 0;
  std::shared_ptr<JobRun> running_[kTriggerJobs];
  size_t runs_[kTriggerJobs] = {};
  struct Worker {
    std::thread thread;
    std::shared_ptr<std::atomic<bool>> finished;
  };
  std::vector<Worker> workers_;
  // Messaging: built from the table on first use and again after set_table (under Job::messaging).
  std::unique_ptr<MessagingService> service_;
  uint64_t service_version_ = ~0ull;
};

}  // namespace mhero::integrations
