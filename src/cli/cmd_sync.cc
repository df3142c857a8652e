// `mhero run`, `mhero sync`, `mhero status`: online replication (replication/).
#include <pthread.h>
#include <signal.h>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <atomic>
#include <ctime>
#include <fstream>
#include <thread>

#include "cli/context.h"
#include "fleet/arrival_log.h"
#include "replication/daemon.h"
#include "replication/peer_status.h"
#include "replication/status_report.h"

namespace mhero::cli {

namespace {

// Opens the node for the daemon, waiting while a paused-for command still holds the store.
Result<std::unique_ptr<Node>> reopen_node(Context& ctx, const std::atomic<bool>& stop) {
  bool said = false;
  while (true) {
    auto node = ctx.open_node(/*ask_daemon=*/false);
    if (node.ok() || node.status().code() != StatusCode::unavailable || stop) return node;
    if (!said) spdlog::warn("{}; waiting for it to finish", node.status().message());
    said = true;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

int run_daemon(Context& ctx, const std::string& listen_flag) {
  // Block SIGINT/SIGTERM in every thread; a dedicated thread waits for them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::atomic<bool> stop{false};
  std::thread signal_thread([&] {
    int sig = 0;
    sigwait(&signals, &sig);
    if (!stop) spdlog::info("received {}, stopping", sig == SIGINT ? "SIGINT" : "SIGTERM");
    stop = true;
  });
  auto finish = [&](int code) {
    if (!stop.exchange(true)) pthread_kill(signal_thread.native_handle(), SIGTERM);
    signal_thread.join();
    return code;
  };

  auto control = PauseListener::open(ctx.paths().control_socket());
  if (!control.ok()) return finish(fail(control.status()));
  uint64_t ok = 0, failed = 0;
  bool first = true;
  std::string bound;  // After the first start: the address actually bound, kept across pauses.
  while (!stop) {
    auto node = reopen_node(ctx, stop);
    if (!node.ok()) return finish(fail(node.status()));
    auto sync = SyncConfig::from((*node)->config());
    if (!sync.ok()) return finish(fail(sync.status()));
    std::string listen = !bound.empty() ? bound : listen_flag.empty() ? sync->listen : listen_flag;
    if (listen.empty() && sync->peers.empty()) {
      return finish(fail(failed_precondition("nothing to do: set [sync] listen or [sync] peers in " +
                                             (*node)->paths().config().string() + ", or pass --listen")));
    }
    int paused_for = -1;
    {
      fleet::ArrivalLog arrivals((*node)->store());
      SyncDaemon daemon((*node)->store(), (*node)->key(), (*node)->config(), *sync, ctx.clock);
      daemon.set_status_file((*node)->paths().dir / "sync-status.json");
      daemon.set_arrival_recorder(&arrivals);
      std::vector<PeriodicTask> tasks;
      for (auto& hook : ctx.run_hooks) hook(**node, tasks);
      for (auto& task : tasks) daemon.add_task(std::move(task));
      Status started = daemon.start(listen);
      if (!started.ok()) return finish(fail(started));
      if (first && !listen.empty()) bound = listen.substr(0, listen.rfind(':')) + ":" + std::to_string(daemon.port());
      if (first) {
        warn_if_not_enrolled(**node, "Starting anyway: central turns this node's sessions away until it has enrolled it.");
        spdlog::info("mhero run: node {} ({}), {} peer(s) to dial{}", (*node)->id().hex(),
                     role_name((*node)->config().role), sync->peers.size(),
                     listen.empty() ? "" : ", listening on port " + std::to_string(daemon.port()));
        first = false;
      }
      while (!stop && paused_for < 0) paused_for = (*control)->wait_for_request(std::chrono::milliseconds(200));
      daemon.stop();
      ok += daemon.sessions_ok();
      failed += daemon.sessions_failed();
    }
    node->reset();  // Closes the store.
    if (paused_for >= 0) {
      spdlog::info("paused: a command is using the store");
      PauseListener::grant_and_wait(paused_for, stop);
      if (!stop) spdlog::info("resuming");
    }
  }
  spdlog::info("stopped: {} sessions ok, {} failed", ok, failed);
  return finish(0);
}

int run_sync(Context& ctx, const std::string& peer) {
  auto node = ctx.open_node();
  if (!node.ok()) return fail(node.status());
  auto sync = SyncConfig::from((*node)->config());
  if (!sync.ok()) return fail(sync.status());
  auto tls = make_tls_contexts((*node)->key());
  if (!tls.ok()) return fail(tls.status());
  IdleWatchdog watchdog(sync->idle_timeout);
  fleet::ArrivalLog arrivals((*node)->store());
  SyncContext sctx{(*node)->store(), (*node)->key(), (*node)->config(), *sync, ctx.clock,
                   *tls->first,      *tls->second,   &watchdog,          nullptr, &arrivals};
  auto r = sync_with(sctx, peer);
  std::cout << "sent " << r.entries_sent << " entries, received " << r.entries_received << " entries; "
            << r.bytes_written << " bytes out, " << r.bytes_read << " bytes in (sync frames, before TLS)\n";
  if (!r.ok()) return fail(r.status.with_context("sync with " + peer));
  std::cout << "up to date with " << peer << " (" << (r.peer ? r.peer->hex() : "") << ")\n";
  return 0;
}

void print_status(const nlohmann::json& out) {
  std::cout << "node " << out["node"].get<std::string>() << " (" << out["role"].get<std::string>()
            << (out["district"].get<std::string>().empty() ? "" : " " + out["district"].get<std::string>()) << ")\n";
  std::cout << "peers:" << (out["peers"].empty() ? " none yet" : "") << "\n";
  for (const auto& p : out["peers"]) {
    std::string district = p["district"].get<std::string>();
    std::cout << "  " << p["peer"].get<std::string>() << "  " << p["role"].get<std::string>()
              << (district.empty() ? "" : " " + district)
              << (p["node"].get<std::string>().empty() ? " (not reached yet)" : "") << "  last sync " << p["last_success"].get<std::string>()
              << "  ahead " << p["entries_ahead"] << "  behind " << p["entries_behind"] << "  last error: "
              << (p["last_error"].get<std::string>().empty() ? "-" : p["last_error"].get<std::string>()) << "\n";
  }
  std::cout << "feeds:" << (out["feeds"].empty() ? " none" : "") << "\n";
  for (const auto& f : out["feeds"]) {
    std::cout << "  " << f["author"].get<std::string>().substr(0, 8) << "/" << f["scope"].get<std::string>()
              << "  seq " << f["seq"] << "\n";
  }
}

int run_status(Context& ctx, bool json) {
  nlohmann::json out;
  auto node = ctx.open_node();
  if (node.ok()) {
    out = status_report((*node)->store(), (*node)->config(), (*node)->id(), ctx.clock);
  } else {
    // `mhero run` holds the store: read the report it keeps up to date.
    std::ifstream in(ctx.paths().dir / "sync-status.json");
    out = nlohmann::json::parse(in, nullptr, false);
    if (!in || out.is_discarded() || !out.is_object()) return fail(node.status());
    std::cerr << "mhero: the store is in use (is `mhero run` running?); showing its report written at "
              << out.value("written_at", std::string("?")) << "\n";
  }
  if (json) {
    std::cout << out.dump(2) << "\n";
  } else {
    print_status(out);
  }
  return 0;
}

}  // namespace

void add_sync_commands(CLI::App& app, Context& ctx) {
  struct Args {
    std::string listen, peer;
    bool json = false;
  };
  auto args = std::make_shared<Args>();

  auto* run = app.add_subcommand("run", "Run the sync daemon: listen ([sync] listen) and dial peers ([sync] peers) until SIGTERM/SIGINT");
  add_dir_option(*run, ctx);
  run->add_option("--listen", args->listen, "HOST:PORT to accept sessions on (overrides [sync] listen; port 0 picks one)");
  run->callback([&ctx, args] { ctx.action = [&ctx, args] { return run_daemon(ctx, args->listen); }; });

  auto* sync = app.add_subcommand("sync", "Run one sync session with a peer; exit 0 once both are up to date");
  add_dir_option(*sync, ctx);
  sync->add_option("--peer", args->peer, "HOST:PORT of the peer (e.g. the central node)")->required();
  sync->callback([&ctx, args] { ctx.action = [&ctx, args] { return run_sync(ctx, args->peer); }; });

  auto* status = app.add_subcommand("status", "Per peer: last sync, entries ahead/behind, last error; per feed: frontier");
  add_dir_option(*status, ctx);
  status->add_flag("--json", args->json, "Print JSON");
  status->callback([&ctx, args] { ctx.action = [&ctx, args] { return run_status(ctx, args->json); }; });
}

}  // namespace mhero::cli
