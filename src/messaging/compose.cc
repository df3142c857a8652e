#include "messaging/compose.h"

#include <capnp/message.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <regex>

#include "identity/crypto.h"
#include "integrations/rapidpro_time.h"
#include "registry/csd_types.h"
#include "store/scope.h"
#include "util/plain_text.h"

namespace mhero {

std::string new_message_id() {
  uint8_t b[16];
  random_bytes(b, sizeof b);
  return uuid_v4_text(b);
}

std::string uuid_v4_text(const uint8_t (&bytes)[16]) {
  uint8_t b[16];
  std::copy(std::begin(bytes), std::end(bytes), b);
  b[6] = static_cast<uint8_t>((b[6] & 0x0f) | 0x40);
  b[8] = static_cast<uint8_t>((b[8] & 0x3f) | 0x80);
  char out[37];
  std::snprintf(out, sizeof out, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1],
                b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
  return out;
}

Result<int64_t> parse_when(std::string_view option, std::string_view text, std::chrono::milliseconds now) {
  static const std::regex rel(R"(^\+([0-9]+)([smhd])$)");
  std::string s(text);
  std::smatch m;
  int64_t at = 0;
  if (std::regex_match(s, m, rel)) {
    int64_t unit = m[2] == "s" ? 1000 : m[2] == "m" ? 60'000 : m[2] == "h" ? 3'600'000 : 86'400'000;
    std::string digits = m[1];
    uint64_t n = 0;
    auto read = std::from_chars(digits.data(), digits.data() + digits.size(), n);
    // A delay past the limit (or past 2^64) is refused below, before it could overflow.
    bool too_far = read.ec != std::errc{} || n > static_cast<uint64_t>(kMaxAheadMs / unit);
    at = now.count() + (too_far ? kMaxAheadMs + 1 : static_cast<int64_t>(n) * unit);
  } else {
    auto t = parse_rapidpro_time(text);
    if (!t.ok()) {
      return invalid_argument(std::string(option) + " '" + s + "': " +
                              (t.status().message().find("does not exist") != std::string::npos
                                   ? std::string("that date or time does not exist")
                                   : std::string("expected ISO 8601 UTC (2026-12-01T08:00:00Z) or +N[s|m|h|d]")));
    }
    at = t->count();
  }
  if (at > now.count() + kMaxAheadMs) {
    return invalid_argument(std::string(option) + " '" + s +
                            "' is more than a year ahead: a message waits at most 366 days; give a nearer time");
  }
  // A time a year gone or more (1970-01-01, a mistyped year) is a mistake, never "at once"; and
  // Unix time 0 would read as "no time given".
  if (at < now.count() - kMaxAheadMs) {
    return invalid_argument(std::string(option) + " '" + s + "' is more than a year ago: check the year");
  }
  return at;
}

namespace {

/// Each text of `m` and its language: ISO 639-3 for a translation (the default text comes first,
/// unnamed), one text per language, each text plain (util/plain_text.h), not blank, at most
/// kMaxTextCharacters.
Status check_texts(const MessageRecord& m) {
  static const std::regex iso639_3("^[a-z]{3}$");
  std::vector<std::string> langs;
  for (const auto& [lang, text] : m.texts) {
    bool translation = !lang.empty() || &lang != &m.texts.front().first;  // The default text comes first, unnamed.
    if (translation) {
      MHERO_RETURN_IF_ERROR(check_plain_text("--text-lang's language", lang, 64, /*lines=*/false));
      if (!std::regex_match(lang, iso639_3)) {
        return invalid_argument("--text-lang: language '" + lang +
                                "' is not an ISO 639-3 code (three lower-case letters, e.g. fra)");
      }
      if (std::find(langs.begin(), langs.end(), lang) != langs.end()) {
        return invalid_argument("--text-lang: language " + lang + " is given twice: give one text per language");
      }
      langs.push_back(lang);
    }
    std::string which = "--text" + (lang.empty() ? "" : " for language " + lang);
    if (text.empty()) return invalid_argument(which + ": empty text");
    if (text.find_first_not_of(" \t\n") == std::string::npos) {
      return invalid_argument(which + ": the text is only blanks; write the message");
    }
    MHERO_RETURN_IF_ERROR(check_plain_text(which, text, 4 * kMaxTextCharacters, /*lines=*/true));
    if (size_t n = code_points(text); n > kMaxTextCharacters) {
      return invalid_argument(which + " is " + std::to_string(n) + " characters long: RapidPro sends at most " +
                              std::to_string(kMaxTextCharacters) +
                              " characters in one message; shorten it, or split it into two messages");
    }
  }
  return {};
}

}  // namespace

Status prepare_message(MessageRecord& m, Role role, const std::string& district, std::chrono::milliseconds now) {
  if (m.id.empty()) m.id = new_message_id();
  bool has_text = !m.texts.empty();
  if (!has_text && m.flow_uuid.empty()) return invalid_argument("give --text (and --text-lang) or --flow");
  if (has_text && !m.flow_uuid.empty()) return invalid_argument("give either --text (and --text-lang) or --flow, not both");
  static const std::regex uuid(R"(^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$)");
  if (!m.flow_uuid.empty() && !std::regex_match(m.flow_uuid, uuid)) {
    return invalid_argument("--flow '" + m.flow_uuid + "' is not a RapidPro flow UUID");
  }
  if (role == Role::district) {
    for (auto& d : m.target.districts) {
      if (d != district) {
        return permission_denied("--district " + d + ": a district node may target only its own district (" + district + ")");
      }
    }
    if (m.target.districts.empty()) m.target.districts = {district};
  }
  if (m.target.empty()) {
    return invalid_argument("no target: give --cadre, --district, --facility, --skill or --entity");
  }
  std::vector<std::string> channels;
  for (const auto& c : m.channels) {
    if (!registry::parse_channel(c)) return invalid_argument("--channel '" + c + "': use sms, whatsapp or telegram");
    if (std::find(channels.begin(), channels.end(), c) == channels.end()) channels.push_back(c);
  }
  m.channels = std::move(channels);
  if (m.expires_at_ms != 0) {
    if (m.expires_at_ms <= now.count()) return invalid_argument("--expires is in the past");
    if (m.not_before_ms != 0 && m.expires_at_ms <= m.not_before_ms) {
      return invalid_argument("--expires must be after --not-before");
    }
  }
  // Last: the console checks the texts itself and shows the times' problems beside its own.
  return check_texts(m);
}

std::string message_scope(const MessageRecord& m, Role role, const std::string& own_scope) {
  if (role != Role::central || m.target.districts.empty()) return own_scope;
  const std::string& code = m.target.districts.front();
  for (const auto& d : m.target.districts) {
    if (d != code) return own_scope;  // Two districts (a repeated one counts once).
  }
  return valid_district_code(code) ? district_scope(code) : own_scope;
}

Result<Entry> write_message(LogStore& store, const NodeKey& key, const std::string& scope, const MessageRecord& m) {
  capnp::MallocMessageBuilder builder;
  message_to_capnp(m, builder.initRoot<schema::Payload>().initOutgoingMessage());
  return store.append(key, scope, builder.getRoot<schema::Payload>().asReader());
}

}  // namespace mhero
