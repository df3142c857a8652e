#include "store/rocks_util.h"

#include <spdlog/spdlog.h>

#include <cstdarg>
#include <cstdio>

namespace mhero {

Status from_rocksdb(const rocksdb::Status& s, const std::string& what) {
  if (s.ok()) return {};
  std::string message = what + ": " + s.ToString();
  // Every refusal for want of space says so in the same words, whatever RocksDB was doing.
  auto full = [&] { return resource_exhausted(what + ": the disk is full (" + s.ToString() + "); free some disk space"); };
  if (s.IsNoSpace() || s.IsMemoryLimit()) return full();
  if (s.IsCorruption()) return corruption(message);
  if (s.IsBusy() || s.IsTimedOut() || s.IsTryAgain()) return unavailable(message);
  if (s.IsIOError() && s.ToString().find("No space") != std::string::npos) return full();
  return failed_precondition(message);
}

namespace {

class SpdlogLogger : public rocksdb::Logger {
 public:
  SpdlogLogger() : rocksdb::Logger(rocksdb::InfoLogLevel::WARN_LEVEL) {}
  using rocksdb::Logger::Logv;
  void Logv(const char* format, va_list ap) override { Logv(rocksdb::InfoLogLevel::INFO_LEVEL, format, ap); }
  void Logv(const rocksdb::InfoLogLevel level, const char* format, va_list ap) override {
    if (level < GetInfoLogLevel()) return;
    char buf[1024];
    std::vsnprintf(buf, sizeof buf, format, ap);
    // Errors reach the caller as statuses (from_rocksdb), with what to do; repeating RocksDB's
    // own wording would bury that message, so only fatal ones are shown by default.
    if (level >= rocksdb::InfoLogLevel::FATAL_LEVEL) {
      spdlog::error("rocksdb: {}", buf);
    } else {
      spdlog::debug("rocksdb: {}", buf);
    }
  }
};

}  // namespace

std::shared_ptr<rocksdb::Logger> make_rocksdb_logger() { return std::make_shared<SpdlogLogger>(); }

}  // namespace mhero
