// Runs `promtool check metrics` (Debian's `prometheus` package; path in PROMTOOL, set by meson)
// on an exposition text.
#pragma once

#include <catch2/catch.hpp>
#include <unistd.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

namespace mhero::ops {

struct PromtoolResult {
  int code = -1;
  std::string output;
};

inline PromtoolResult promtool_check(const std::string& exposition) {
  const char* promtool = std::getenv("PROMTOOL");
  REQUIRE(promtool != nullptr);
  char path[] = "/tmp/mhero-metrics-XXXXXX";
  int fd = ::mkstemp(path);
  REQUIRE(fd >= 0);
  REQUIRE(::write(fd, exposition.data(), exposition.size()) == static_cast<ssize_t>(exposition.size()));
  ::close(fd);
  std::string cmd = std::string(promtool) + " check metrics < " + path + " 2>&1";
  FILE* pipe = ::popen(cmd.c_str(), "r");
  REQUIRE(pipe != nullptr);
  PromtoolResult r;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), pipe)) > 0) r.output.append(buf.data(), n);
  r.code = WEXITSTATUS(::pclose(pipe));
  ::unlink(path);
  return r;
}

}  // namespace mhero::ops
