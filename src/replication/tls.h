// TLS 1.3 identity of a node (DESIGN.md "Replication"): a self-signed X.509 certificate whose
// key IS the node's Ed25519 identity (OpenSSL EVP_PKEY_ED25519 from the libsodium seed), built
// in memory at start. Peers are accepted by their Ed25519 public key only: pinned central key or
// enrolled and not revoked (node/enrollment.h may_sync). Nothing here is home-made crypto: the
// handshake (TLS 1.3, OpenSSL) proves the peer holds the private key of the certificate's key.
//
// Session resumption (RFC 8446 §2.2, OpenSSL's own): a node that dials the same address again
// resumes the TLS session of its last dial there, skipping both certificates and their
// signatures (a repeated no-op sync is then ~40 % fewer bytes). The server keeps its sessions in
// memory for a day and hands out one stateful ticket per connection (SSL_OP_NO_TICKET: the
// ticket is a session id, not the encrypted session with both certificates); the client keeps
// the latest per address in its context and offers it at its next dial. A restarted server
// knows no session: that dial makes a full handshake (and gets a ticket again).
// A resumed session carries the certificates of the full handshake it continues: the peer's key
// is read from it and checked again exactly as a full handshake's (a key revoked since is
// refused), so resumption never widens who may connect.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>

#include <atomic>
#include <functional>
#include <memory>
#include <optional>

#include "identity/node_key.h"
#include "util/status.h"

namespace mhero {

using TlsSocket = boost::asio::ssl::stream<boost::asio::ip::tcp::socket>;

/// Decides whether a peer key may connect. Called during the handshake, from the thread doing
/// it. An error status is logged and refuses the peer.
using PeerCheck = std::function<Result<bool>(const NodeId&)>;

/// A TLS 1.3-only context presenting `key`'s certificate. `server` selects the server method.
/// Errors: failed_precondition naming the OpenSSL call that failed.
Result<std::unique_ptr<boost::asio::ssl::context>> make_tls_context(const NodeKey& key, bool server);

/// On an accepted connection (before its handshake): sets `*flag` once the peer's whole TLS
/// ClientHello has arrived and parsed, as a peer's first flight does at once, while a stranger
/// that idles or trickles bytes never gets there (the daemon cuts those first for room). `flag`
/// must outlive the handshake. Only for SSL objects of a make_tls_context(…, true) context.
void watch_client_hello(SSL* ssl, std::atomic<bool>* flag);

/// What the verify callback decided during one handshake.
struct PeerVerdict {
  std::optional<NodeId> accepted;  // The peer key, once accepted.
  bool refused = false;            // This side refused the peer's certificate.
};

/// Installs on `socket` a verify callback that accepts the peer certificate only when its key is
/// Ed25519 and `check` says yes, recording the outcome in `*verdict` (which must outlive the
/// socket). Refusals are logged naming the key and `where` (the address).
void verify_peer_with(TlsSocket& socket, PeerCheck check, PeerVerdict* verdict, std::string where);

/// Client side, before the handshake: offers the session kept from the last connection to
/// `address` (if any and still resumable; each is offered once), and keeps the session the
/// server grants on this connection for the next dial there. Only for SSL objects of a
/// make_tls_context(…, false) context.
void offer_session(SSL* ssl, const std::string& address);

/// After a sync session that ended as the protocol ends it (both sides' `done`): marks the TLS
/// connection as shut down cleanly without sending close_notify (the protocol's own end already
/// rules out a truncation), so OpenSSL keeps its session resumable. A connection not marked (a
/// cut, a refusal) is unclean: OpenSSL drops its session and the next dial makes a full
/// handshake. Both sides call it.
void mark_clean_end(SSL* ssl);

/// After a handshake that resumed a session (SSL_session_reused), where the verify callback did
/// not run: judges the peer key the session carries with `check`, as verify_peer_with's callback
/// does, into `*verdict`. A session without an Ed25519 peer certificate is refused.
void verify_resumed_peer(SSL* ssl, const PeerCheck& check, PeerVerdict* verdict, const std::string& where);

}  // namespace mhero
