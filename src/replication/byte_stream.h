// The seam between sync sessions and the network: a blocking, ordered, reliable byte stream
// (a TLS socket, a TCP socket, a local socket pair). Sessions never see sockets.
#pragma once

#include <openssl/bio.h>
#include <openssl/ssl.h>
#include <sys/socket.h>

#include <boost/asio/buffer.hpp>
#include <boost/system/error_code.hpp>

#include <algorithm>

#include <atomic>
#include <cstdint>
#include <span>
#include <string>

#include "util/status.h"

namespace mhero {

class ByteStream {
 public:
  virtual ~ByteStream() = default;
  /// Reads exactly out.size() bytes. Errors: unavailable (closed, cut, timed out, stopped).
  virtual Status read_exact(std::span<uint8_t> out) = 0;
  /// Writes all of `data`. Errors: unavailable.
  virtual Status write_all(std::span<const uint8_t> data) = 0;
  /// True when bytes from the peer are already waiting (decrypted in the TLS layer, or in the
  /// socket's receive buffer), so a read would not wait for the peer. False when it would, or
  /// when the stream cannot tell. Never blocks.
  virtual bool readable_now() { return false; }
  /// Ends the stream: a blocked read_exact/write_all returns unavailable. Callable from any
  /// thread (the daemon's stop path), any number of times.
  virtual void close() = 0;

  uint64_t bytes_read() const { return read_; }
  uint64_t bytes_written() const { return written_; }

 protected:
  std::atomic<uint64_t> read_{0};
  std::atomic<uint64_t> written_{0};
};

/// A ByteStream over any Boost.Asio synchronous stream (asio::ssl::stream<tcp::socket>,
/// tcp::socket, local::stream_protocol::socket). `Stream` is owned. close() shuts the
/// underlying socket down (shutdown(2) on its native handle), which wakes blocked calls.
template <typename Stream>
class AsioByteStream final : public ByteStream {
 public:
  explicit AsioByteStream(Stream stream, std::string peer_label)
      : stream_(std::move(stream)), label_(std::move(peer_label)) {}

  // Both loop in pieces so that the byte counters (which the idle watchdog reads) move while a
  // large frame crosses a slow link.
  Status read_exact(std::span<uint8_t> out) override {
    size_t done = 0;
    while (done < out.size()) {
      boost::system::error_code ec;
      size_t n = stream_.read_some(boost::asio::buffer(out.data() + done, out.size() - done), ec);
      done += n;
      read_ += n;
      if (ec) return unavailable("reading from " + label_ + ": " + ec.message());
    }
    return {};
  }
  Status write_all(std::span<const uint8_t> data) override {
    size_t done = 0;
    while (done < data.size()) {
      boost::system::error_code ec;
      size_t n = stream_.write_some(
          boost::asio::buffer(data.data() + done, std::min<size_t>(data.size() - done, 16 * 1024)), ec);
      done += n;
      written_ += n;
      if (ec) return unavailable("writing to " + label_ + ": " + ec.message());
    }
    return {};
  }
  bool readable_now() override {
    boost::system::error_code ec;
    if (lowest(stream_).available(ec) > 0 && !ec) return true;
    if constexpr (requires(Stream& s) { SSL_pending(s.native_handle()); }) {
      // Records OpenSSL decrypted and not yet read, or raw records Asio already handed it.
      SSL* ssl = stream_.native_handle();
      return SSL_pending(ssl) > 0 || BIO_pending(SSL_get_rbio(ssl)) > 0;
    }
    return false;
  }
  void close() override { ::shutdown(lowest(stream_).native_handle(), SHUT_RDWR); }

  Stream& stream() { return stream_; }

 private:
  template <typename S>
  static auto& lowest(S& s) {
    return s.lowest_layer();
  }
  Stream stream_;
  std::string label_;
};

}  // namespace mhero
