#include "integrations/openhim_jobs.h"

#include <spdlog/spdlog.h>

#include "integrations/openhim_orchestration.h"
#include "integrations/openinfoman_pull.h"
#include "integrations/registry_pull.h"
#include "messaging/messaging_service.h"
#include "registry/registry_config.h"

namespace mhero::integrations {

using nlohmann::json;

const char* trigger_job_name(TriggerJob job) {
  switch (job) {
    case TriggerJob::registry_pull: return "registry-pull";
    case TriggerJob::dispatch: return "dispatch";
    case TriggerJob::responses: return "responses";
  }
  return "?";
}

TriggerJobs::TriggerJobs(Node& node, toml::table table) : node_(node), table_(std::move(table)) {}

TriggerJobs::~TriggerJobs() {
  std::vector<Worker> workers;
  {
    std::lock_guard lock(mu_);
    workers.swap(workers_);
  }
  for (Worker& w : workers) w.thread.join();
}

void TriggerJobs::set_table(toml::table table) {
  std::lock_guard lock(mu_);
  table_ = std::move(table);
  ++table_version_;
}

toml::table TriggerJobs::table() const {
  std::lock_guard lock(mu_);
  return table_;
}

size_t TriggerJobs::runs(TriggerJob job) const {
  std::lock_guard lock(mu_);
  return runs_[static_cast<int>(job)];
}

void TriggerJobs::reap() {
  for (auto it = workers_.begin(); it != workers_.end();) {
    if (it->finished->load()) {
      it->thread.join();
      it = workers_.erase(it);
    } else {
      ++it;
    }
  }
}

JobRun TriggerJobs::trigger(TriggerJob job) {
  std::lock_guard lock(mu_);
  reap();
  auto& slot = running_[static_cast<int>(job)];
  if (slot && slot->done.wait_for(std::chrono::seconds(0)) != std::future_status::ready) {
    JobRun joined = *slot;
    joined.joined = true;
    return joined;
  }
  auto promise = std::make_shared<std::promise<JobOutcome>>();
  slot = std::make_shared<JobRun>(JobRun{promise->get_future().share(), std::chrono::system_clock::now(), false});
  ++runs_[static_cast<int>(job)];
  auto finished = std::make_shared<std::atomic<bool>>(false);
  toml::table table = table_;
  workers_.push_back({std::thread([this, job, promise, finished, table = std::move(table)] {
                        promise->set_value(run(job, table));
                        finished->store(true);
                      }),
                      finished});
  return *slot;
}

JobOutcome TriggerJobs::run(TriggerJob job, const toml::table& table) {
  auto started = std::chrono::system_clock::now();
  JobOutcome out = job == TriggerJob::registry_pull ? pull(table) : messaging(job, table);
  out.started = started;
  out.finished = std::chrono::system_clock::now();
  if (out.status == "Failed") {
    spdlog::warn("openhim trigger {}: {}", trigger_job_name(job), out.body);
  } else {
    spdlog::info("openhim trigger {}: {}", trigger_job_name(job), out.body);
  }
  return out;
}

namespace {

JobOutcome failed(std::string why, const OrchestrationLog& log) {
  JobOutcome out;
  out.status = "Failed";
  out.http_status = 500;
  out.body = std::move(why);
  out.orchestrations = log.list();
  return out;
}

}  // namespace

JobOutcome TriggerJobs::pull(const toml::table& table) {
  OrchestrationLog log;
  auto lock = node_.exclusive(Job::registry);
  NodeConfig config = node_.config();
  config.table = table;
  // Every configured source, the moved-share guard included: the same pull as `registry pull`
  // (never forced: a pull the guard stops waits for staff, as the daemon's own timer does).
  auto report = pull_registry(node_, config, /*force=*/false, log.observer());
  if (!report.ok()) return failed("registry pull: " + report.status().to_string(), log);
  JobOutcome out;
  out.orchestrations = log.list();
  // Figures summed over the sources pulled; the body names each.
  size_t providers = 0, facilities = 0, entries = 0, added = 0, changed = 0, removed = 0;
  auto add = [&](const char* source, const registry::ImportReport& r) {
    providers += r.providers;
    facilities += r.facilities;
    entries += r.entries_written();
    added += r.added;
    changed += r.changed;
    removed += r.removed;
    if (!out.body.empty()) out.body += "; ";
    out.body += std::string(source) + ": pulled " + std::to_string(r.providers) + " providers, " +
                std::to_string(r.facilities) + " facilities; wrote " + std::to_string(r.entries_written()) + " entries";
  };
  if (report->openinfoman) {
    add("openinfoman", report->openinfoman->import);
    out.properties["searches"] = report->openinfoman->searches;
  }
  if (report->mcsd) {
    add("mcsd", report->mcsd->import);
    out.properties["mcsd_requests"] = report->mcsd->requests;
  }
  out.properties["providers_pulled"] = providers;
  out.properties["facilities_pulled"] = facilities;
  out.properties["entries_written"] = entries;
  out.properties["added"] = added;
  out.properties["changed"] = changed;
  out.properties["removed"] = removed;
  if (log.dropped() > 0) out.properties["orchestrations_not_listed"] = log.dropped();
  return out;
}

JobOutcome TriggerJobs::messaging(TriggerJob job, const toml::table& table) {
  OrchestrationLog log;
  auto lock = node_.exclusive(Job::messaging);
  uint64_t version;
  {
    std::lock_guard guard(mu_);
    version = table_version_;
  }
  if (!service_ || service_version_ != version) {
    service_.reset();
    NodeConfig probe = node_.config();
    probe.table = table;
    if (string_or(table, "rapidpro", "url", "").empty()) {
      return failed(std::string(trigger_job_name(job)) + ": [rapidpro] url is not set (messaging is off)", log);
    }
    auto made = MessagingService::for_node(node_, {}, &table);
    if (!made.ok()) return failed(made.status().to_string(), log);
    service_ = std::move(made).value();
    service_version_ = version;
  }
  service_->client().set_observer(log.observer());
  JobOutcome out;
  if (job == TriggerJob::dispatch) {
    size_t sends = service_->dispatcher().sends(), workers = service_->dispatcher().workers_sent();
    Status s = service_->dispatcher().run_once();
    out.properties = {{"messages_dispatched", service_->dispatcher().sends() - sends},
                      {"recipients", service_->dispatcher().workers_sent() - workers}};
    out.body = "dispatch pass: " + std::to_string(service_->dispatcher().sends() - sends) + " send(s) to RapidPro";
    if (!s.ok()) out = [&] {
      JobOutcome f = failed("dispatch: " + s.to_string(), log);
      f.properties = out.properties;
      return f;
    }();
  } else {
    auto polled = service_->poller().run_once();
    auto delivered = service_->delivery().run_once();
    if (polled.ok()) {
      out.properties = {{"responses_stored", polled->written}, {"duplicates", polled->duplicates}, {"skipped", polled->skipped}};
      out.body = "response poll: " + std::to_string(polled->written) + " new response(s) stored";
    }
    if (!polled.ok()) {
      out = failed("responses: " + polled.status().to_string(), log);
    } else if (!delivered.ok()) {
      JobOutcome f = failed("delivery poll: " + delivered.status().to_string(), log);
      f.properties = out.properties;
      out = f;
    }
  }
  service_->client().set_observer({});
  out.orchestrations = log.list();
  if (log.dropped() > 0) out.properties["orchestrations_not_listed"] = log.dropped();
  return out;
}

}  // namespace mhero::integrations
