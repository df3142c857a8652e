#include "replication/peer_session.h"

#include <spdlog/spdlog.h>

#include <set>

#include "node/enrollment.h"
#include "node/key_rotation.h"
#include "replication/peer_status.h"

namespace mhero {

namespace {

int64_t now_ms(const SyncContext& ctx) { return ctx.clock.now().count(); }

// may_sync, and a refused key is recorded (with `address`) when there is a recorder. A listener
// lets a revoked district key through the handshake (`let_revoked_in`): the session then tells
// it so (session.cc refuse_revoked) instead of a bare TLS failure it cannot tell from "unknown".
PeerCheck peer_check(const SyncContext& ctx, std::string address, bool let_revoked_in = false) {
  return [&ctx, address = std::move(address), let_revoked_in](const NodeId& peer) -> Result<bool> {
    auto allowed = may_sync(ctx.store.views(), ctx.config, peer);
    if (!allowed.ok() || *allowed) return allowed;
    auto enrolled = find_enrolled(ctx.store.views(), peer);
    bool revoked = enrolled.ok() && enrolled->has_value() && (*enrolled)->revoked;
    if (!ctx.arrivals) return revoked && let_revoked_in;
    RefusedKeyFact fact{peer, address, now_ms(ctx),
                        revoked ? "revoked key (its enrollment was revoked)"
                                : "unknown key (neither the pinned central key nor enrolled)"};
    Status recorded = ctx.arrivals->key_refused(fact);
    if (!recorded.ok()) spdlog::warn("cannot record the refused key {}: {}", peer.hex(), recorded.to_string());
    return revoked && let_revoked_in;
  };
}

void record_fact(const SyncContext& ctx, const sync::SessionResult& r, const std::string& address, bool dialed,
                 int64_t started_ms) {
  if (!ctx.arrivals) return;
  SessionFact fact;
  fact.peer = r.peer;
  fact.district = r.peer_district;
  fact.address = address;
  fact.dialed = dialed;
  fact.started_ms = started_ms;
  fact.ended_ms = now_ms(ctx);
  fact.bytes_in = r.bytes_read;
  fact.bytes_out = r.bytes_written;
  fact.entries_sent = r.entries_sent;
  fact.entries_received = r.entries_received;
  fact.clock_offset_ms = r.clock_offset_ms;
  if (!r.ok()) fact.error = r.status.to_string();
  Status recorded = ctx.arrivals->session_ended(fact);
  if (!recorded.ok()) spdlog::warn("cannot record the session with {}: {}", address, recorded.to_string());
}

sync::SessionOptions options_for(const SyncContext& ctx, const NodeId& peer) {
  sync::SessionOptions o;
  o.batch_bytes = ctx.sync.batch_bytes;
  o.window_min_bytes = ctx.sync.window_min_bytes;
  o.window_max_bytes = ctx.sync.window_max_bytes;
  o.frame_bytes_max = ctx.sync.frame_bytes_max;
  o.authenticated_peer = peer;
  o.stop = ctx.stop;
  o.clock = &ctx.clock;
  o.max_clock_skew = ctx.sync.max_clock_skew;
  o.on_progress = ctx.on_progress;
  return o;
}

sync::SessionResult run_on(const SyncContext& ctx, Connection& conn, sync::Side side, const std::string& label,
                           int64_t started_ms,
                           std::function<std::optional<sync::Error>(const NodeId&)> admit = {}) {
  sync::SessionResult r;
  std::set<std::pair<FeedId, uint64_t>> forks_before;
  for (const ForkRecord& f : ctx.store.forks()) forks_before.emplace(f.feed, f.seq);
  // Batches as large as this peer's link let through lately (peer_status.h next_batch_bytes).
  size_t batch_bytes = batch_bytes_for(load_peer_record(ctx.store, label), ctx.sync.batch_bytes);
  {
    Watched watched(ctx.watchdog, conn.stream.get());
    sync::SessionOptions options = options_for(ctx, conn.peer);
    options.admit = std::move(admit);
    options.batch_bytes = batch_bytes;
    r = sync::run_session(side, *conn.stream, ctx.store, ctx.key.id(), ctx.config, options);
    r.tls_resumed = conn.resumed;
  }
  if (r.ok()) mark_clean_end(conn.stream->stream().native_handle());  // Its TLS session stays resumable.
  conn.stream->close();
  if (!r.ok() && r.frames_received == 0 && r.status.code() == StatusCode::unavailable) {
    // TLS 1.3 clients learn that the server refused their certificate only at the first read,
    // as a TLS alert; a connection cut without one (a node under load) is not a refusal.
    r.status = r.status.with_context(
        tls_alert(r.status.message())
            ? "the peer closed the connection before its hello: it may have refused this node's key (is this node "
              "enrolled on it?), or this is not a sync port (the console's HTTPS port, say): dial the port of the "
              "central node's [sync] listen, 7447 by default"
            : "the peer closed the connection before its hello without a TLS alert (it may be cutting connections "
              "under load); retry later");
  }
  record_fact(ctx, r, conn.address, side == sync::Side::dialer, started_ms);
  size_t next_batch = next_batch_bytes(batch_bytes, ctx.sync.batch_bytes, r);
  if (next_batch != 0 && next_batch < batch_bytes) {
    spdlog::warn("sync with {}: the link was cut before a batch of {} bytes got through; the next session sends "
                 "batches of {} bytes", conn.address, batch_bytes, next_batch);
  }
  Status recorded = record_session(ctx.store, label, conn.address, r, now_ms(ctx), next_batch);
  if (!recorded.ok()) spdlog::warn("cannot record the sync with {}: {}", label, recorded.to_string());
  if (ctx.config.role == Role::central) {  // Key rotation: enroll announced keys, retire ended overlaps.
    auto followed = follow_rotations(ctx.store, ctx.key, ctx.config, now_ms(ctx));
    if (!followed.ok()) spdlog::warn("cannot follow key rotations: {}", followed.status().to_string());
    for (const std::string& line : followed.ok() ? *followed : std::vector<std::string>{}) {
      spdlog::info("key rotation: {}", line);
    }
  }
  for (const ForkRecord& f : ctx.store.forks()) {  // New evidence this session: the alarm, once.
    if (forks_before.count({f.feed, f.seq})) continue;
    spdlog::error("FORK: node {} signed two different entries in its feed {} at seq {} (found in the sync with {}); "
                  "both kept as evidence, the feed is frozen. `mhero alarms` says what to do (README \"Recovering "
                  "from a fork\")",
                  f.feed.author.hex(), f.feed.scope, f.seq, conn.address);
  }
  if (r.ok()) {
    spdlog::info("sync with {} ({}): sent {} entries, received {}, {} bytes out, {} in", conn.address,
                 conn.peer.short_hex(), r.entries_sent, r.entries_received, r.bytes_written, r.bytes_read);
  } else {
    // Sent counts what the peer acknowledged: entries of a batch cut before its ack are not
    // counted here, though the peer may have kept them (it says so in its own log).
    spdlog::warn("sync with {} ({}) failed after {} entries sent and acknowledged, {} received: {}", conn.address,
                 conn.peer.short_hex(), r.entries_sent, r.entries_received, r.status.to_string());
  }
  return r;
}

}  // namespace

Result<std::pair<std::unique_ptr<boost::asio::ssl::context>, std::unique_ptr<boost::asio::ssl::context>>>
make_tls_contexts(const NodeKey& key) {
  MHERO_ASSIGN_OR_RETURN(auto client, make_tls_context(key, false));
  MHERO_ASSIGN_OR_RETURN(auto server, make_tls_context(key, true));
  return std::pair{std::move(client), std::move(server)};
}

sync::SessionResult sync_with(const SyncContext& ctx, const std::string& address) {
  int64_t started_ms = now_ms(ctx);
  auto conn = dial_tls(ctx.client_tls, address, peer_check(ctx, address), ctx.sync.handshake_timeout,
                       ctx.sync.source_address);
  if (!conn.ok()) {
    sync::SessionResult r;
    r.status = conn.status();
    record_fact(ctx, r, address, true, started_ms);
    if (!ctx.remember_unreached) return r;
    Status recorded = record_failure(ctx.store, address, address, r.status, now_ms(ctx));
    if (!recorded.ok()) spdlog::warn("cannot record the sync with {}: {}", address, recorded.to_string());
    return r;
  }
  return run_on(ctx, *conn, sync::Side::dialer, address, started_ms);
}

sync::SessionResult serve_accepted(const SyncContext& ctx, std::unique_ptr<boost::asio::io_context> io,
                                   boost::asio::ip::tcp::socket socket,
                                   std::function<std::optional<sync::Error>(const NodeId&)> admit,
                                   std::function<void()> authenticated, std::atomic<bool>* client_hello) {
  int64_t started_ms = now_ms(ctx);
  boost::system::error_code ec;
  auto remote = socket.remote_endpoint(ec);
  std::string address = ec ? "unknown peer" : remote.address().to_string() + ":" + std::to_string(remote.port());
  auto conn = accept_tls(std::move(io), std::move(socket), ctx.server_tls, peer_check(ctx, address, true),
                         ctx.sync.pending_timeout, client_hello);
  if (!conn.ok()) {
    sync::SessionResult r;
    r.status = conn.status();
    return r;
  }
  if (authenticated) authenticated();
  return run_on(ctx, *conn, sync::Side::listener, conn->peer.hex(), started_ms, std::move(admit));
}

}  // namespace mhero
