#include "cli/io.h"

#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>

#include <iostream>
#include <memory>
#include <streambuf>

namespace mhero::cli {

namespace {

// Collects what a command prints and hands it to the terminal line by line.
class TerminalBuf final : public std::streambuf {
 public:
  TerminalBuf(Terminal& terminal, Terminal::Stream stream) : terminal_(terminal), stream_(stream) {}
  ~TerminalBuf() override { flush(); }
  void flush() {
    if (!pending_.empty()) terminal_.write(stream_, pending_);
    pending_.clear();
  }

 protected:
  int_type overflow(int_type ch) override {
    if (traits_type::eq_int_type(ch, traits_type::eof())) return traits_type::not_eof(ch);
    pending_.push_back(traits_type::to_char_type(ch));
    if (ch == '\n' || pending_.size() >= 4096) flush();
    return ch;
  }
  std::streamsize xsputn(const char* s, std::streamsize n) override {
    pending_.append(s, static_cast<size_t>(n));
    if (pending_.find('\n') != std::string::npos || pending_.size() >= 4096) flush();
    return n;
  }
  int sync() override {
    flush();
    return 0;
  }

 private:
  Terminal& terminal_;
  Terminal::Stream stream_;
  std::string pending_;
};

struct ClientStreams {
  explicit ClientStreams(Terminal& t)
      : terminal(t),
        out_buf(t, Terminal::Stream::out),
        err_buf(t, Terminal::Stream::err),
        out(&out_buf),
        err(&err_buf) {}
  Terminal& terminal;
  TerminalBuf out_buf, err_buf;
  std::ostream out, err;
};

thread_local std::unique_ptr<ClientStreams> client;

ProcessTerminal& process_terminal() {
  static ProcessTerminal instance;
  return instance;
}

}  // namespace

Terminal& terminal() { return client ? client->terminal : process_terminal(); }
std::ostream& out() { return client ? client->out : std::cout; }
std::ostream& err() { return client ? client->err : std::cerr; }

std::optional<std::string> ask(std::string_view prompt, bool secret) {
  out().flush();
  err().flush();
  return terminal().ask(prompt, secret);
}

ScopedTerminal::ScopedTerminal(Terminal& terminal) {
  client = std::make_unique<ClientStreams>(terminal);
}
ScopedTerminal::~ScopedTerminal() {
  client->out.flush();
  client->err.flush();
  client.reset();
}

bool serving_client() { return client != nullptr; }

namespace {

class ClientLogSink final : public spdlog::sinks::base_sink<std::mutex> {
 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    if (!serving_client()) return;
    spdlog::memory_buf_t line;
    formatter_->format(msg, line);
    err() << std::string_view(line.data(), line.size()) << std::flush;
  }
  void flush_() override {}
};

}  // namespace

void install_client_log_sink() {
  auto sink = std::make_shared<ClientLogSink>();
  sink->set_pattern("%Y-%m-%dT%H:%M:%S.%e %l %v");
  spdlog::default_logger()->sinks().push_back(std::move(sink));
}

}  // namespace mhero::cli
