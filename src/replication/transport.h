// TCP + TLS 1.3 connections between nodes (DESIGN.md "Replication"). Connect and handshake run
// with a deadline; afterwards the connection is a blocking ByteStream for one sync session.
// Each connection owns its io_context, so a session thread never shares network state.
#pragma once

#include <boost/asio/io_context.hpp>

#include <chrono>
#include <memory>
#include <string>

#include "replication/byte_stream.h"
#include "replication/tls.h"

namespace mhero {

using TlsByteStream = AsioByteStream<TlsSocket>;

/// One authenticated TLS connection. Destroying it closes the socket.
struct Connection {
  std::unique_ptr<boost::asio::io_context> io;  // Declared first: destroyed last.
  std::unique_ptr<TlsByteStream> stream;
  std::unique_ptr<PeerVerdict> verdict;         // Read by the socket's verify callback.
  NodeId peer;                                  // The key the handshake authenticated.
  std::string address;                          // "host:port" of the other end.
  bool resumed = false;                         // The handshake resumed a session (tls.h).
};

/// Whether an OpenSSL error text reports a TLS alert from the peer ("tlsv13 alert certificate
/// required", "sslv3 alert bad certificate"): the peer refused, rather than cut, the connection.
bool tls_alert(std::string_view error);

/// Splits "host:port" ("[v6]:port" too). Errors: invalid_argument naming `text`.
Result<std::pair<std::string, uint16_t>> split_host_port(std::string_view text);

/// Resolves, connects (from `source_address`, an IP literal, when not empty) and handshakes as
/// TLS client within `timeout`. Errors: unavailable (cannot connect, cannot bind the source
/// address, timeout, or the peer refused our key: the message says so), permission_denied (we
/// refused the peer's key: not the pinned central key nor enrolled).
Result<Connection> dial_tls(boost::asio::ssl::context& ctx, const std::string& address, const PeerCheck& check,
                            std::chrono::milliseconds timeout, const std::string& source_address = "");

/// Handshakes as TLS server on a socket accepted into `io` within `timeout`. Errors as dial_tls.
/// `client_hello` (may be null): see watch_client_hello.
Result<Connection> accept_tls(std::unique_ptr<boost::asio::io_context> io, boost::asio::ip::tcp::socket socket,
                              boost::asio::ssl::context& ctx, const PeerCheck& check,
                              std::chrono::milliseconds timeout, std::atomic<bool>* client_hello = nullptr);

}  // namespace mhero
