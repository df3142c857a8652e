// The seam between sync sessions and the network: a blocking, ordered, reliable byte stream
// (a TLS socket, a TCP socket, a local socket pair). Sessions never see sockets.
#pragma once

#include <openssl/bio.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/buffer.hpp>
#include <boost/system/error_code.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
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
  /// Asks the reader to stop: a read_exact blocked waiting for the peer, or any later one,
  /// returns `aborted` without touching the stream, so its thread can still write a last frame
  /// saying why and then end_after_last_frame(). Writes are not interrupted (close() cuts those).
  /// Callable from any thread, any number of times.
  virtual void interrupt() {}
  /// True once interrupt() was called.
  bool interrupted() const { return interrupted_; }
  /// After the last frame: ends this side's writing (the peer reads that frame, then end of
  /// stream) and discards what the peer still sends until it closes too or `wait` passes, so the
  /// connection ends in order rather than by a reset that could drop that frame before the peer
  /// read it. Then close(). True when the peer closed (it read everything) within `wait`.
  virtual bool end_after_last_frame(std::chrono::milliseconds wait) {
    (void)wait;
    close();
    return true;
  }

  uint64_t bytes_read() const { return read_; }
  uint64_t bytes_written() const { return written_; }

 protected:
  std::atomic<uint64_t> read_{0};
  std::atomic<uint64_t> written_{0};
  std::atomic<bool> interrupted_{false};
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
      if (!wait_readable()) return aborted("reading from " + label_ + ": this node is stopping");
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
  void interrupt() override {
    interrupted_ = true;
    uint64_t one = 1;
    (void)!::write(wake_.get(), &one, sizeof one);
  }
  bool end_after_last_frame(std::chrono::milliseconds wait) override {
    int fd = lowest(stream_).native_handle();
    ::shutdown(fd, SHUT_WR);
    auto deadline = std::chrono::steady_clock::now() + wait;
    std::array<char, 4096> discard;
    bool peer_closed = false;
    while (true) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      pollfd p{fd, POLLIN, 0};
      if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
      ssize_t n = ::recv(fd, discard.data(), discard.size(), MSG_DONTWAIT);
      if (n <= 0) {  // The peer's end (0), or an error (cut: by close_all, or the link).
        peer_closed = n == 0;
        break;
      }
    }
    close();
    return peer_closed;
  }

  Stream& stream() { return stream_; }

 private:
  // False when interrupt() was called (before or while waiting); true when bytes of the peer
  // are waiting, or its end or an error is (read_some then says which).
  bool wait_readable() {
    while (!interrupted_) {
      if (readable_now()) return true;
      std::array<pollfd, 2> p{pollfd{lowest(stream_).native_handle(), POLLIN, 0}, pollfd{wake_.get(), POLLIN, 0}};
      if (::poll(p.data(), p.size(), -1) < 0 && errno != EINTR) return true;  // read_some reports it.
      if (p[0].revents != 0) return true;
    }
    return false;
  }

  template <typename S>
  static auto& lowest(S& s) {
    return s.lowest_layer();
  }
  Stream stream_;
  std::string label_;
  struct EventFd {  // Written by interrupt(), polled by wait_readable(); -1 if none could be made.
    int fd = ::eventfd(0, EFD_CLOEXEC);
    EventFd() = default;
    EventFd(const EventFd&) = delete;
    EventFd& operator=(const EventFd&) = delete;
    ~EventFd() {
      if (fd >= 0) ::close(fd);
    }
    int get() const { return fd; }
  } wake_;
};

}  // namespace mhero
