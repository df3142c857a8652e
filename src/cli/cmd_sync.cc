// `mhero run`, `mhero sync`, `mhero status`: online replication (replication/).
#include <arpa/inet.h>
#include <pthread.h>
#include <signal.h>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <ctime>
#include <fstream>
#include <thread>

#include "app/control_channel.h"
#include "app/control_server.h"
#include "app/service_manager.h"
#include "cli/command_line.h"
#include "cli/context.h"
#include "console/console_server.h"
#include "fleet/arrival_log.h"
#include "integrations/openhim_service.h"
#include "ops/counted_arrivals.h"
#include "ops/log_format.h"
#include "ops/metrics_server.h"
#include "ops/node_metrics.h"
#include "replication/daemon.h"
#include "replication/peer_status.h"
#include "replication/status_report.h"

namespace mhero::cli {

namespace {

int run_daemon(Context& ctx, const std::string& listen_flag, const std::string& console_listen,
               bool console_plain) {
  // The node directory as an absolute path: commands sent to this daemon from another working
  // directory name it so, and are compared with it (Context::open_node).
  if (!ctx.dir.empty()) ctx.dir = std::filesystem::absolute(ctx.dir).lexically_normal().string();
  // Block SIGINT/SIGTERM in every thread; a dedicated thread waits for them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::atomic<bool> stop{false};
  std::mutex mu;
  std::condition_variable stopped;
  std::thread signal_thread([&] {
    int sig = 0;
    sigwait(&signals, &sig);
    if (!stop) spdlog::info("received {}, stopping", sig == SIGINT ? "SIGINT" : "SIGTERM");
    std::lock_guard lock(mu);
    stop = true;
    stopped.notify_all();
  });
  auto finish = [&](int code) {
    if (!stop.exchange(true)) pthread_kill(signal_thread.native_handle(), SIGTERM);
    signal_thread.join();
    return code;
  };

  // While it runs, this process is the one owner of the store (DESIGN.md): other `mhero`
  // commands on this node run here, through the control socket, and nothing pauses.
  if (ControlChannel::connect(ctx.paths().control_socket()).ok()) {
    return finish(fail(failed_precondition("another `mhero run` already serves " + ctx.dir + " (it answers on " +
                                           ctx.paths().control_socket().string() + "); stop it before starting one")));
  }
  auto node = ctx.open_node();
  // A full disk may keep even the store's opening from writing: the daemon waits for space
  // (logged once, then every minute) instead of exiting, and starts as soon as it opens.
  for (int waited = 0; !node.ok() && node.status().code() == StatusCode::resource_exhausted && !stop; ++waited) {
    if (waited % 60 == 0) spdlog::error("mhero run: {}; waiting for disk space, trying again every second", node.status().message());
    std::unique_lock lock(mu);
    if (stopped.wait_for(lock, std::chrono::seconds(1), [&] { return stop.load(); })) break;
    lock.unlock();
    node = ctx.open_node();
  }
  if (!node.ok()) return finish(fail(node.status()));
  auto sync = SyncConfig::from((*node)->config());
  if (!sync.ok()) return finish(fail(sync.status()));
  std::string listen = listen_flag.empty() ? sync->listen : listen_flag;
  if (Status format = ops::apply_log_format((*node)->config()); !format.ok()) return finish(fail(format));
  install_client_log_sink();
  std::shared_ptr<Node> shared = *node;
  auto control = ControlServer::open(
      (*node)->paths().control_socket(),
      [shared](const ControlCall& call, Terminal& terminal) {
        ScopedTerminal scope(terminal);
        Context inner;
        inner.host_node = shared;
        inner.dir = call.dir;
        return run_command_line(call.argv, inner, /*may_forward=*/false);
      },
      version());
  if (!control.ok()) return finish(fail(control.status()));
  // The console serves pages from the same open store (a console that cannot start is logged;
  // sync goes on).
  auto console = start_console(**node, ctx.clock, console_listen, console_plain, /*first=*/true);
  if (!console.ok()) return finish(fail(console.status()));

  // /metrics ([metrics] listen): the counters below and gauges measured at each scrape.
  auto metrics_options = ops::load_metrics_options((*node)->config(), (*node)->paths().dir.string());
  if (!metrics_options.ok()) return finish(fail(metrics_options.status()));
  std::unique_ptr<ops::MetricsServer> metrics;
  if (!metrics_options->listen.empty()) {
    auto started = ops::MetricsServer::start(*metrics_options, [shared] { return ops::render_node_metrics(*shared); });
    if (!started.ok()) return finish(fail(started.status().with_context("[metrics] listen " + metrics_options->listen)));
    metrics = std::move(*started);
    spdlog::info("metrics: http://{}/metrics (port {})", metrics_options->listen, metrics->port());
  }

  // The central node as an OpenHIM mediator ([openhim] url): registration, heartbeats, triggers.
  std::unique_ptr<integrations::OpenHimService> openhim;
  if ((*node)->config().role == Role::central && integrations::OpenHimConfig::configured((*node)->config())) {
    auto openhim_config = integrations::OpenHimConfig::from((*node)->config());
    if (!openhim_config.ok()) return finish(fail(openhim_config.status()));
    integrations::OpenHimServiceOptions options;
    options.version = version();
    options.status_file = (*node)->paths().dir / "openhim-status.json";
    auto started = integrations::OpenHimService::start(**node, *openhim_config, options);
    if (!started.ok()) return finish(fail(started.status()));
    openhim = std::move(started).value();
  } else {
    std::error_code ignored;  // A status left by an earlier run with [openhim] on is stale.
    std::filesystem::remove((*node)->paths().dir / "openhim-status.json", ignored);
  }

  fleet::ArrivalLog log((*node)->store());  // Sessions and refused keys, for the console.
  ops::CountedArrivals arrivals(&log, (*node)->metrics());
  SyncDaemon daemon((*node)->store(), (*node)->key(), (*node)->config(), *sync, ctx.clock);
  daemon.set_status_file((*node)->paths().dir / "sync-status.json");
  daemon.set_arrival_recorder(&arrivals);
  std::vector<PeriodicTask> tasks;
  for (auto& hook : ctx.run_hooks) hook(**node, tasks);
  for (auto& task : tasks) daemon.add_task(std::move(task));
  Status started = daemon.start(listen);
  if (!started.ok()) return finish(fail(started));
  warn_if_not_enrolled(**node, "Starting anyway: central turns this node's sessions away until it has enrolled it.");
  if (listen.empty() && sync->peers.empty()) {
    // A district with no link at all still runs: console, status, dispatch, the control socket.
    spdlog::info("mhero run: no [sync] listen or peers in {}: this node syncs by USB bundle only",
                 (*node)->paths().config().string());
  }
  spdlog::info("mhero run: node {} ({}), {} peer(s) to dial{}", (*node)->id().hex(), role_name((*node)->config().role),
               sync->peers.size(), listen.empty() ? "" : ", listening on port " + std::to_string(daemon.port()));
  notify_service_ready(fmt::format("{} node {}, {} peer(s){}", role_name((*node)->config().role),
                                   (*node)->id().hex().substr(0, 16), sync->peers.size(),
                                   listen.empty() ? "" : ", sync port " + std::to_string(daemon.port())));
  {
    std::unique_lock lock(mu);
    stopped.wait(lock, [&] { return stop.load(); });
  }
  notify_service_stopping("finishing the running commands and sessions");
  (*node)->stop_signal().request();  // Tasks in a backoff (RapidPro down) give up now.
  if (*console) (*console)->stop();
  metrics.reset();
  if (openhim) {
    openhim->stop();
    std::error_code ignored;  // Its report describes a running mediator: `mhero status` must not show it stale.
    std::filesystem::remove((*node)->paths().dir / "openhim-status.json", ignored);
  }
  control->reset();  // Stops taking commands; waits for the ones running.
  daemon.stop();
  spdlog::info("stopped: {} sessions ok, {} failed", daemon.sessions_ok(), daemon.sessions_failed());
  return finish(0);
}

int run_sync(Context& ctx, const std::string& peer) {
  // A mistyped address is refused before anything is recorded (a dialed address is remembered,
  // and `mhero status` lists it, once the node tried it).
  if (peer.find("://") != std::string::npos) {
    return fail(invalid_argument("--peer \"" + peer + "\": give HOST:PORT of the peer's [sync] listen, without a "
                                 "scheme (e.g. 10.0.0.1:7447, not http://…)"));
  }
  auto address = split_host_port(peer);
  if (!address.ok() && address.status().message().find("port must be a number") != std::string::npos) {
    // split_host_port also reads listen addresses, where port 0 is allowed; a peer's is 1-65535.
    return fail(invalid_argument("--peer \"" + peer + "\": the port must be a number 1-65535, the peer's [sync] "
                                 "listen port (7447 by default)"));
  }
  if (!address.ok()) return fail(address.status().with_context("--peer"));
  if (address->second == 0) {
    return fail(invalid_argument("--peer \"" + peer + "\": port 0 is no peer's port; dial the port of its [sync] "
                                 "listen, 7447 by default"));
  }
  // "127.0.01" or "10.1" dial an address written otherwise ("127.0.0.1", "10.0.0.1"), and would be
  // remembered as another peer: asked for in the usual form instead.
  in_addr legacy{};
  in_addr dotted{};
  if (::inet_pton(AF_INET, address->first.c_str(), &dotted) != 1 && ::inet_aton(address->first.c_str(), &legacy) == 1) {
    char usual[INET_ADDRSTRLEN] = {};
    ::inet_ntop(AF_INET, &legacy, usual, sizeof usual);
    return fail(invalid_argument("--peer \"" + peer + "\": write the address as four decimal numbers: " + usual + ":" +
                                 std::to_string(address->second)));
  }
  auto node = ctx.open_node();
  if (!node.ok()) return fail(node.status());
  auto sync = SyncConfig::from((*node)->config());
  if (!sync.ok()) return fail(sync.status());
  auto tls = make_tls_contexts((*node)->key());
  if (!tls.ok()) return fail(tls.status());
  IdleWatchdog watchdog(sync->idle_timeout);
  fleet::ArrivalLog log((*node)->store());
  ops::CountedArrivals arrivals(&log, (*node)->metrics());
  SyncContext sctx{(*node)->store(), (*node)->key(), (*node)->config(), *sync, ctx.clock,
                   *tls->first,      *tls->second,   &watchdog,          nullptr, &arrivals};
  // An address neither configured nor met before is listed by `mhero status` only once reached.
  sctx.remember_unreached = std::find(sync->peers.begin(), sync->peers.end(), peer) != sync->peers.end() ||
                            load_peer_record((*node)->store(), peer).last_attempt_ms != 0;
  // On a slow link a session takes minutes: a line every 5 s says it is moving.
  auto last_line = std::chrono::steady_clock::now();
  sctx.on_progress = [&last_line](const sync::SessionProgress& p) {
    auto now = std::chrono::steady_clock::now();
    if (now - last_line < std::chrono::seconds(5)) return;
    last_line = now;
    cli::out() << "  so far: " << p.entries_sent << " entries sent and acknowledged, " << p.entries_received
               << " received; " << p.bytes_written << " bytes out, " << p.bytes_read << " bytes in\n";
    cli::out().flush();
  };
  auto r = sync_with(sctx, peer);
  // A refused or cut session reports what it moved only when it moved something (what was
  // acknowledged before the cut is kept); a refusal alone is just its reason.
  if (r.ok() || r.entries_sent > 0 || r.entries_received > 0) {
    cli::out() << "sent " << r.entries_sent << " entries, received " << r.entries_received << " entries; "
              << r.bytes_written << " bytes out, " << r.bytes_read << " bytes in (sync frames, before TLS)"
              << (r.ok() ? "" : " before the session stopped") << "\n";
  }
  if (!r.ok() && r.status.code() == StatusCode::unavailable && r.frames_received > 0 &&
      r.status.message().find("peer ended the session") == std::string::npos) {
    return fail(unavailable("sync with " + peer + ": the link was cut during the session (" + r.status.message() +
                            "); what each side acknowledged is kept: run `mhero sync` again to continue from there"));
  }
  if (!r.ok()) return fail(r.status.with_context("sync with " + peer));
  // Entries written here while the session ran (a `mhero run` holding the node appends its own
  // status report on its schedule) were not in its plan: say so rather than claim none is left.
  // (lag() as `mhero status` counts it, against the peer's frontier as the session left it.)
  PeerRecord left;
  left.node = r.peer;
  left.role = r.peer_role;
  left.district = r.peer_district;
  left.frontier = r.peer_frontier;
  const uint64_t written_since = lag((*node)->store().frontier(), (*node)->config(), left).ahead;
  cli::out() << "up to date with " << peer << " (" << (r.peer ? r.peer->hex() : "") << ")";
  if (written_since > 0) {
    cli::out() << " as of the session; " << written_since << " entries written here during it go with the next sync";
  }
  cli::out() << "\n";
  return 0;
}

void print_status(const nlohmann::json& out) {
  cli::out() << "node " << out["node"].get<std::string>() << " (" << out["role"].get<std::string>()
            << (out["district"].get<std::string>().empty() ? "" : " " + out["district"].get<std::string>()) << ")\n";
  cli::out() << "peers:" << (out["peers"].empty() ? " none yet" : "") << "\n";
  for (const auto& p : out["peers"]) {
    std::string district = p["district"].get<std::string>();
    cli::out() << "  " << p["peer"].get<std::string>() << "  " << p["role"].get<std::string>()
              << (district.empty() ? "" : " " + district)
              << (p["node"].get<std::string>().empty() ? " (not reached yet)" : "");
    if (p.contains("revoked") && p["revoked"].is_object()) {
      const auto& rv = p["revoked"];
      std::string by = rv.value("by", "");
      cli::out() << "  REVOKED at " << rv.value("at", "?") << (by.empty() ? "" : " by central key " + by.substr(0, 16))
                 << (rv.value("retired", false) ? " (retired after a key rotation)" : "")
                 << ": its sessions are refused and it is told so";
    }
    if (p.contains("superseded_by") && p["superseded_by"].is_string()) {
      cli::out() << "  (an older address of this node: its sessions now go to " << p["superseded_by"].get<std::string>()
                 << ")";
    }
    if (p.contains("clock_offset_ms") && p["clock_offset_ms"].is_number_integer()) {
      int64_t offset = p["clock_offset_ms"].get<int64_t>();  // This node's clock minus the peer's.
      if (std::abs(offset) >= 1000) {
        cli::out() << "  clock: its clock is " << sync::human_skew(offset) << (offset > 0 ? " behind" : " ahead")
                   << " this node's";
      }
    }
    cli::out() << "  last sync " << p["last_success"].get<std::string>()
              << "  ahead " << p["entries_ahead"] << "  behind " << p["entries_behind"] << "  last error: "
              << (p["last_error"].get<std::string>().empty() ? "-" : p["last_error"].get<std::string>()) << "\n";
  }
  if (out.contains("openhim") && out["openhim"].is_object()) {
    const auto& o = out["openhim"];
    cli::out() << "openhim: " << o.value("url", "") << "  " << (o.value("connected", false) ? "connected" : "UNREACHABLE")
               << ", schedule " << o.value("schedule", "") << ", driven by " << o.value("driving", "")
               << (o.value("driving", "") == "internal" && o.value("schedule", "") == "openhim" ? " (OpenHIM unreachable: internal timers)" : "")
               << "; last heartbeat " << (o.value("last_heartbeat", "").empty() ? "never" : o.value("last_heartbeat", ""))
               << " (mhero run's report of " << o.value("written_at", "?") << ")\n";
    if (!o.value("connected", false) && !o.value("last_error", "").empty()) {
      cli::out() << "  last error: " << o.value("last_error", "") << "\n";
    }
    if (!o.value("config_applied", "").empty()) cli::out() << "  config applied: " << o.value("config_applied", "") << "\n";
    if (!o.value("config_refused", "").empty()) cli::out() << "  config refused: " << o.value("config_refused", "") << "\n";
  }
  cli::out() << "feeds:" << (out["feeds"].empty() ? " none" : "") << "\n";
  for (const auto& f : out["feeds"]) {
    cli::out() << "  " << f["author"].get<std::string>().substr(0, 8) << "/" << f["scope"].get<std::string>()
              << "  seq " << f["seq"] << (f.value("frozen", false) ? "  FROZEN (fork)" : "") << "\n";
  }
  // Reports of an older `mhero run` have neither field.
  for (const auto& f : out.value("forks", nlohmann::json::array())) {
    const nlohmann::json settled = f.value("settled", nlohmann::json());
    if (settled.is_object()) {
      const nlohmann::json replacement = settled.value("replacement", nlohmann::json());
      cli::out() << "fork settled: node " << f.value("node", "") << " feed " << f.value("scope", "") << " seq "
                 << f.value("seq", uint64_t{0}) << ": its key was revoked " << settled.value("revoked", "")
                 << (replacement.is_string() ? "; the district writes with key " + replacement.get<std::string>()
                                             : std::string("; enroll the district's new key")) << "\n";
      continue;
    }
    cli::out() << "FORK: node " << f.value("node", "") << " feed " << f.value("scope", "") << " seq "
               << f.value("seq", uint64_t{0}) << ": two different entries signed by one key, kept as evidence; "
               << "the feed is frozen. See `mhero alarms` and README \"Recovering from a fork\"\n";
  }
  if (out.contains("write_hold") && out["write_hold"].is_object()) {
    const auto& h = out["write_hold"];
    cli::out() << "WRITES HELD since " << h.value("since", "") << ": " << h.value("reason", "")
               << ". This node writes again once it has learned its own feeds from a peer (sync, or a bundle "
                  "exported with --full)";
    for (const auto& [scope, from] : h["learned"].items()) cli::out() << "; learned " << scope << " from " << from.get<std::string>();
    if (h.contains("waiting") && h["waiting"].is_array() && !h["waiting"].empty()) {
      // A central node: each district gives back national and its own scope; it writes in the
      // learned scopes meanwhile.
      std::string waiting;
      for (const auto& scope : h["waiting"]) waiting += (waiting.empty() ? "" : ", ") + scope.get<std::string>();
      cli::out() << ". It writes in the learned scopes already; still to learn, from each district's next sync or "
                    "bundle: " << waiting;
    }
    cli::out() << ". If no peer holds anything of it: `mhero log resume-writes --no-peer-holds-more`\n";
  }
}

int run_status(Context& ctx, bool json) {
  nlohmann::json out;
  auto node = ctx.open_node();
  if (node.ok()) {
    out = status_report((*node)->store(), (*node)->config(), (*node)->id(), ctx.clock);
    // Inside `mhero run` (status forwarded to it) the settings are those it started with: a
    // config.toml broken since then would keep the next start from happening, so say it now.
    if (auto on_disk = NodeConfig::load(ctx.paths().config()); !on_disk.ok()) {
      cli::err() << "mhero: warning: config.toml has changed and no longer loads; the running node keeps the "
                    "settings it started with, but will not start again until this is fixed: "
                 << on_disk.status().message() << "\n";
    }
  } else {
    // `mhero run` holds the store: read the report it keeps up to date. Only then: a broken
    // config.toml (which would also keep `mhero run` from starting) or a lost db/ is reported as
    // what it is, never hidden behind an old report.
    if (node.status().code() != StatusCode::unavailable) return fail(node.status());
    if (!std::filesystem::exists(ctx.paths().db() / "CURRENT")) return fail(node.status());
    std::ifstream in(ctx.paths().dir / "sync-status.json");
    out = nlohmann::json::parse(in, nullptr, false);
    if (!in || out.is_discarded() || !out.is_object()) return fail(node.status());
    cli::err() << "mhero: the store is in use (is `mhero run` running?); showing its report written at "
              << out.value("written_at", std::string("?")) << "\n";
  }
  {
    // The OpenHIM mediator's node-local state, written by `mhero run` (integrations/openhim_service.h).
    std::ifstream in(ctx.paths().dir / "openhim-status.json");
    auto openhim = nlohmann::json::parse(in, nullptr, false);
    if (in && !openhim.is_discarded() && openhim.is_object()) out["openhim"] = openhim;
  }
  if (json) {
    cli::out() << out.dump(2) << "\n";
  } else {
    print_status(out);
  }
  return 0;
}

}  // namespace

void add_sync_commands(CLI::App& app, Context& ctx) {
  struct Args {
    std::string listen, peer, console_listen;
    bool console_plain = false;
    bool json = false;
  };
  auto args = std::make_shared<Args>();

  auto* run = app.add_subcommand("run", "Run the sync daemon: listen ([sync] listen) and dial peers ([sync] peers) until SIGTERM/SIGINT");
  add_dir_option(*run, ctx);
  run->add_option("--listen", args->listen, "HOST:PORT to accept sessions on (overrides [sync] listen; port 0 picks one)");
  run->add_option("--console-listen", args->console_listen, "HOST:PORT of the console (overrides [console] listen)");
  run->add_flag("--console-plain-http", args->console_plain, "Serve the console over plain HTTP (loopback address only)");
  run->callback([&ctx, args] {
    ctx.action = [&ctx, args] { return run_daemon(ctx, args->listen, args->console_listen, args->console_plain); };
  });

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
