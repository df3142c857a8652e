#include "integrations/rapidpro_time.h"

#include <chrono>
#include <cstdio>
#include <ctime>

namespace mhero {

std::string format_rapidpro_time(std::chrono::milliseconds t) {
  long long ms = t.count();
  time_t secs = static_cast<time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[128];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03lld000+00:00", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms % 1000);
  return buf;
}

Result<std::chrono::milliseconds> parse_rapidpro_time(std::string_view text) {
  auto bad = [&] { return invalid_argument("RapidPro timestamp '" + std::string(text) + "' is not ISO 8601 UTC"); };
  if (text.size() < 19) return bad();
  std::tm tm{};
  int y, mo, d, h, mi, s;
  std::string head(text.substr(0, 19));
  if (std::sscanf(head.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d", &y, &mo, &d, &h, &mi, &s) != 6) return bad();
  // A date that does not exist (2026-02-30, month 13, 25:00) is refused, not normalised.
  using namespace std::chrono;
  if (!year_month_day{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}}.ok() || h < 0 ||
      h > 23 || mi < 0 || mi > 59 || s < 0 || s > 59) {
    return invalid_argument("timestamp '" + std::string(text) + "' names a date or time that does not exist");
  }
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = s;
  long long secs = timegm(&tm);
  std::string_view rest = text.substr(19);
  long long frac_ms = 0;
  if (!rest.empty() && rest.front() == '.') {
    rest.remove_prefix(1);
    int digits = 0;
    while (!rest.empty() && std::isdigit(static_cast<unsigned char>(rest.front()))) {
      if (digits < 3) frac_ms = frac_ms * 10 + (rest.front() - '0');
      ++digits;
      rest.remove_prefix(1);
    }
    if (digits == 0) return bad();
    for (int i = digits; i < 3; ++i) frac_ms *= 10;
  }
  if (rest != "Z" && rest != "+00:00" && !rest.empty()) return bad();
  return std::chrono::milliseconds(secs * 1000 + frac_ms);
}

}  // namespace mhero
