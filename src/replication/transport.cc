#include "replication/transport.h"

#include <algorithm>

#include <boost/asio/connect.hpp>
#include <spdlog/spdlog.h>

namespace mhero {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

bool tls_alert(std::string_view error);

namespace {

// Runs the handshake on `conn` (socket already connected) and fills conn.peer.
Status handshake(Connection& conn, TlsSocket& socket, asio::ssl::stream_base::handshake_type type,
                 const PeerCheck& check, std::chrono::milliseconds timeout) {
  conn.verdict = std::make_unique<PeerVerdict>();
  verify_peer_with(socket, check, conn.verdict.get(), conn.address);
  if (type == asio::ssl::stream_base::client) offer_session(socket.native_handle(), conn.address);
  boost::system::error_code result;
  bool finished = false;
  socket.async_handshake(type, [&](const boost::system::error_code& ec) {
    result = ec;
    finished = true;
  });
  conn.io->restart();
  conn.io->run_for(timeout);
  if (!finished) {
    boost::system::error_code ignored;
    socket.lowest_layer().close(ignored);
    conn.io->restart();
    conn.io->run();  // Lets the cancelled handshake complete.
    // An accepted connection that never handshakes is a stranger's (or a cut one): the daemon
    // logs a summary of those; a dialed one is worth a line of its own.
    if (type == asio::ssl::stream_base::server) {
      spdlog::debug("TLS handshake from {} timed out after {} ms", conn.address, timeout.count());
    } else {
      spdlog::warn("TLS handshake with {} timed out after {} ms", conn.address, timeout.count());
    }
    return unavailable("TLS handshake with " + conn.address + " timed out after " +
                       std::to_string(timeout.count()) + " ms");
  }
  if (!result && !conn.verdict->accepted && !conn.verdict->refused && SSL_session_reused(socket.native_handle())) {
    // A resumed session: no certificate was sent, the session carries the one first proved.
    verify_resumed_peer(socket.native_handle(), check, conn.verdict.get(), conn.address);
  }
  if (conn.verdict->refused) {
    return permission_denied("refused " + conn.address +
                             ": its key is neither the pinned central key nor enrolled (or it was revoked)");
  }
  if (result || !conn.verdict->accepted) {
    std::string why = result ? result.message() : "no peer certificate";
    if (type == asio::ssl::stream_base::server) {
      spdlog::debug("TLS handshake from {} failed: {}", conn.address, why);
      return unavailable("TLS handshake from " + conn.address + " failed: " + why);
    }
    if (!tls_alert(why)) {  // Closed without a TLS alert: cut (e.g. a node under load), not refused.
      spdlog::warn("TLS handshake with {} failed: {} (the connection was closed without a TLS alert)", conn.address,
                   why);
      return unavailable("TLS handshake with " + conn.address + " failed: " + why +
                         "; the connection was closed without a TLS alert (the peer may be cutting connections "
                         "under load); retry later");
    }
    spdlog::warn("TLS handshake with {} failed: {} (the peer may have refused this node's key: is it enrolled? Or "
                 "{} is not a sync port)", conn.address, why, conn.address);
    return unavailable("TLS handshake with " + conn.address + " failed: " + why +
                       "; the peer may have refused this node's key (is it enrolled?), or " + conn.address +
                       " is not a sync port (the console's HTTPS port, say): dial the port of the central node's "
                       "[sync] listen, 7447 by default");
  }
  conn.peer = *conn.verdict->accepted;
  conn.resumed = SSL_session_reused(socket.native_handle()) == 1;
  return {};
}

}  // namespace

bool tls_alert(std::string_view error) { return error.find("alert") != std::string_view::npos; }

Result<std::pair<std::string, uint16_t>> split_host_port(std::string_view text) {
  size_t colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == text.size()) {
    return invalid_argument("\"" + std::string(text) + "\" is not HOST:PORT");
  }
  std::string host(text.substr(0, colon));
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  unsigned port = 0;
  for (char c : text.substr(colon + 1)) {
    if (c < '0' || c > '9' || (port = port * 10 + static_cast<unsigned>(c - '0')) > 65535) {
      return invalid_argument("\"" + std::string(text) + "\": port must be a number 0-65535");
    }
  }
  return std::pair{host, static_cast<uint16_t>(port)};
}

Result<Connection> dial_tls(asio::ssl::context& ctx, const std::string& address, const PeerCheck& check,
                            std::chrono::milliseconds timeout, const std::string& source_address) {
  MHERO_ASSIGN_OR_RETURN(auto hp, split_host_port(address));
  Connection conn;
  conn.io = std::make_unique<asio::io_context>();
  conn.address = address;
  TlsSocket socket(*conn.io, ctx);
  boost::system::error_code ec;
  tcp::resolver resolver(*conn.io);
  auto endpoints = resolver.resolve(hp.first, std::to_string(hp.second), ec);
  if (ec) return unavailable("cannot resolve " + address + ": " + ec.message());
  bool connected = false;
  if (source_address.empty()) {
    asio::async_connect(socket.lowest_layer(), endpoints, [&](const boost::system::error_code& e, const tcp::endpoint&) {
      ec = e;
      connected = true;
    });
  } else {
    // Bound to the source address, the socket can only reach the peer's addresses of its family:
    // connect to the first one (a range connect would reopen the socket and lose the binding).
    auto source = asio::ip::make_address(source_address, ec);
    if (ec) return unavailable("[sync] source_address \"" + source_address + "\" is not an IP address");
    auto it = std::find_if(endpoints.begin(), endpoints.end(),
                           [&](const auto& e) { return e.endpoint().address().is_v4() == source.is_v4(); });
    if (it == endpoints.end()) {
      return unavailable("cannot connect to " + address + " from " + source_address + ": it has no " +
                         (source.is_v4() ? "IPv4" : "IPv6") + " address");
    }
    tcp::endpoint peer = it->endpoint();
    socket.lowest_layer().open(peer.protocol(), ec);
    if (!ec) socket.lowest_layer().bind(tcp::endpoint(source, 0), ec);
    if (ec) return unavailable("cannot dial " + address + " from [sync] source_address " + source_address + ": " + ec.message());
    socket.lowest_layer().async_connect(peer, [&](const boost::system::error_code& e) {
      ec = e;
      connected = true;
    });
  }
  conn.io->run_for(timeout);
  if (!connected) {
    socket.lowest_layer().close(ec);
    conn.io->restart();
    conn.io->run();
    return unavailable("cannot connect to " + address + ": timed out after " + std::to_string(timeout.count()) + " ms");
  }
  if (ec) return unavailable("cannot connect to " + address + ": " + ec.message());
  socket.lowest_layer().set_option(tcp::no_delay(true), ec);
  MHERO_RETURN_IF_ERROR(handshake(conn, socket, asio::ssl::stream_base::client, check, timeout));
  conn.stream = std::make_unique<TlsByteStream>(std::move(socket), address);
  return conn;
}

Result<Connection> accept_tls(std::unique_ptr<asio::io_context> io, tcp::socket socket, asio::ssl::context& ctx,
                              const PeerCheck& check, std::chrono::milliseconds timeout,
                              std::atomic<bool>* client_hello) {
  Connection conn;
  conn.io = std::move(io);
  boost::system::error_code ec;
  auto remote = socket.remote_endpoint(ec);
  conn.address = ec ? "unknown peer" : remote.address().to_string() + ":" + std::to_string(remote.port());
  socket.set_option(tcp::no_delay(true), ec);
  TlsSocket tls(std::move(socket), ctx);
  if (client_hello) watch_client_hello(tls.native_handle(), client_hello);
  MHERO_RETURN_IF_ERROR(handshake(conn, tls, asio::ssl::stream_base::server, check, timeout));
  conn.stream = std::make_unique<TlsByteStream>(std::move(tls), conn.address);
  return conn;
}

}  // namespace mhero
