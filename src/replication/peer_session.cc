#include "replication/peer_session.h"

#include <spdlog/spdlog.h>

#include "node/enrollment.h"
#include "replication/peer_status.h"

namespace mhero {

namespace {

PeerCheck peer_check(const SyncContext& ctx) {
  return [&store = ctx.store, &config = ctx.config](const NodeId& peer) {
    return may_sync(store.views(), config, peer);
  };
}

sync::SessionOptions options_for(const SyncContext& ctx, const NodeId& peer) {
  sync::SessionOptions o;
  o.batch_bytes = ctx.sync.batch_bytes;
  o.frame_bytes_max = ctx.sync.frame_bytes_max;
  o.authenticated_peer = peer;
  o.stop = ctx.stop;
  return o;
}

int64_t now_ms(const SyncContext& ctx) { return ctx.clock.now().count(); }

sync::SessionResult run_on(const SyncContext& ctx, Connection& conn, sync::Side side, const std::string& label) {
  sync::SessionResult r;
  {
    Watched watched(ctx.watchdog, conn.stream.get());
    r = sync::run_session(side, *conn.stream, ctx.store, ctx.key.id(), ctx.config, options_for(ctx, conn.peer));
  }
  conn.stream->close();
  if (!r.ok() && r.frames_received == 0 && r.status.code() == StatusCode::unavailable) {
    // TLS 1.3 clients learn that the server refused their certificate only at the first read.
    r.status = r.status.with_context("the peer closed the connection before its hello: it may have refused this "
                                     "node's key (is this node enrolled on it?)");
  }
  Status recorded = record_session(ctx.store, label, conn.address, r, now_ms(ctx));
  if (!recorded.ok()) spdlog::warn("cannot record the sync with {}: {}", label, recorded.to_string());
  if (r.ok()) {
    spdlog::info("sync with {} ({}): sent {} entries, received {}, {} bytes out, {} in", conn.address,
                 conn.peer.short_hex(), r.entries_sent, r.entries_received, r.bytes_written, r.bytes_read);
  } else {
    spdlog::warn("sync with {} ({}) failed after sending {} and receiving {} entries: {}", conn.address,
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
  auto conn = dial_tls(ctx.client_tls, address, peer_check(ctx), ctx.sync.handshake_timeout);
  if (!conn.ok()) {
    sync::SessionResult r;
    r.status = conn.status();
    Status recorded = record_failure(ctx.store, address, address, r.status, now_ms(ctx));
    if (!recorded.ok()) spdlog::warn("cannot record the sync with {}: {}", address, recorded.to_string());
    return r;
  }
  return run_on(ctx, *conn, sync::Side::dialer, address);
}

sync::SessionResult serve_accepted(const SyncContext& ctx, std::unique_ptr<boost::asio::io_context> io,
                                   boost::asio::ip::tcp::socket socket) {
  auto conn = accept_tls(std::move(io), std::move(socket), ctx.server_tls, peer_check(ctx), ctx.sync.handshake_timeout);
  if (!conn.ok()) {
    sync::SessionResult r;
    r.status = conn.status();
    return r;
  }
  return run_on(ctx, *conn, sync::Side::listener, conn->peer.hex());
}

}  // namespace mhero
