// One sync with one peer over TCP + TLS: handshake, session, a log line, and the peer's status
// record (replication/peer_status.h). Used by `mhero sync` (once) and the daemon (repeatedly).
#pragma once

#include <atomic>
#include <memory>

#include "identity/node_key.h"
#include "node/arrival_recorder.h"
#include "replication/session.h"
#include "replication/sync_config.h"
#include "replication/transport.h"
#include "replication/watchdog.h"
#include "util/clock.h"

namespace mhero {

/// What a node brings to every session. All references must outlive the sessions; everything
/// here is safe to share between session threads.
struct SyncContext {
  LogStore& store;
  const NodeKey& key;
  const NodeConfig& config;
  const SyncConfig& sync;
  const Clock& clock;
  boost::asio::ssl::context& client_tls;
  boost::asio::ssl::context& server_tls;
  IdleWatchdog* watchdog = nullptr;       // May be null (no idle cut).
  const std::atomic<bool>* stop = nullptr;
  ArrivalRecorder* arrivals = nullptr;    // May be null: session history and refused keys are
                                          // then not recorded (node/arrival_recorder.h).
  /// sync::SessionOptions::on_progress of the sessions run with this context (`mhero sync`
  /// prints it on a slow link). Empty: none.
  std::function<void(const sync::SessionProgress&)> on_progress = {};
  /// false: an address that cannot be reached (no connection, or a TLS handshake that fails) is
  /// not recorded among the peers `mhero status` lists (a one-off `mhero sync --peer` to an
  /// address neither configured nor met before: a typo must not stay listed for good).
  bool remember_unreached = true;
};

/// TLS contexts for `key`: {client, server}. Errors: failed_precondition (OpenSSL).
Result<std::pair<std::unique_ptr<boost::asio::ssl::context>, std::unique_ptr<boost::asio::ssl::context>>>
make_tls_contexts(const NodeKey& key);

/// Dials `address` and runs one session as the dialer. The result's status is the first failure
/// (connect, handshake, session). Never throws.
sync::SessionResult sync_with(const SyncContext& ctx, const std::string& address);

/// Handshakes an accepted socket (within ctx.sync.pending_timeout) and runs one session as the
/// listener; `authenticated` (may be empty) is called once the TLS handshake proved an allowed key,
/// `admit` (may be empty) decides after the dialer's hello (sync::SessionOptions::admit).
/// A revoked district key passes the handshake so that the session can tell it it was revoked
/// (when, by which central key, what to do) before ending. `client_hello` (may be null) is set
/// once the dialer's whole TLS ClientHello arrived (replication/tls.h watch_client_hello).
sync::SessionResult serve_accepted(const SyncContext& ctx, std::unique_ptr<boost::asio::io_context> io,
                                   boost::asio::ip::tcp::socket socket,
                                   std::function<std::optional<sync::Error>(const NodeId&)> admit = {},
                                   std::function<void()> authenticated = {},
                                   std::atomic<bool>* client_hello = nullptr);

}  // namespace mhero
