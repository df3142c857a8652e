#include "node/config_check.h"

#include <algorithm>

#include <boost/asio/ip/address.hpp>

#include "identity/node_id.h"
#include "net/url.h"
#include "node/config_keys.h"
#include "store/scope.h"

namespace mhero {

namespace {

struct Problem {
  uint32_t line;
  std::string message;
};

/// Collects problems with the line they are on, to report them in file order.
struct Problems : std::vector<Problem> {
  void add(const toml::node& at, std::string message) { push_back({at.source().begin.line, std::move(message)}); }
};

size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = up;
    }
  }
  return row[b.size()];
}

std::string where(const std::string& file, const toml::node& node) {
  auto line = node.source().begin.line;
  return line > 0 ? file + ":" + std::to_string(line) : file;
}

const char* toml_type_name(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a floating-point number";
    case toml::node_type::boolean: return "a boolean";
    case toml::node_type::date: return "a date";
    case toml::node_type::time: return "a time";
    case toml::node_type::date_time: return "a date-time";
    case toml::node_type::array: return "a list";
    case toml::node_type::table: return "a table";
    default: return "nothing";
  }
}

std::vector<std::string_view> sections() {
  std::vector<std::string_view> out;
  for (const ConfigKey& k : config_keys()) {
    if (std::find(out.begin(), out.end(), k.section) == out.end()) out.push_back(k.section);
  }
  return out;
}

std::vector<std::string_view> keys_of(std::string_view section) {
  std::vector<std::string_view> out;
  for (const ConfigKey& k : config_keys()) {
    if (k.section == section) out.push_back(k.key);
  }
  return out;
}

std::string joined(const std::vector<std::string_view>& names, std::string_view before, std::string_view after) {
  std::string out;
  for (auto n : names) out += (out.empty() ? "" : ", ") + std::string(before) + std::string(n) + std::string(after);
  return out;
}

/// What a key expects, e.g. "an integer (bytes, 1024 to 16777216)".
std::string expected(const ConfigKey& k) {
  switch (k.type) {
    case ConfigType::integer:
      return "an integer (" + (k.unit.empty() ? std::string() : std::string(k.unit) + ", ") + std::to_string(k.min) +
             " to " + std::to_string(k.max) + ")";
    case ConfigType::string_list:
      return "a list of strings" + std::string(k.rule == StringRule::peer ? " \"HOST:PORT\"" : "");
    case ConfigType::string:
      break;
  }
  switch (k.rule) {
    case StringRule::role: return "a string, \"central\" or \"district\"";
    case StringRule::district_code: return "a string, a district code (letters, digits, '-', '_', '.')";
    case StringRule::node_id: return "a string, a node id (64 hex characters)";
    case StringRule::host_port: return "a string \"HOST:PORT\" (\"\" = none)";
    case StringRule::peer: return "a string \"HOST:PORT\"";
    case StringRule::url: return "a string, an http:// or https:// URL (\"\" = not set)";
    case StringRule::ip_address: return "a string, an IPv4 or IPv6 address (\"\" = the system's choice)";
    case StringRule::any: break;
  }
  return "a string";
}

/// "" when `text` is HOST:PORT (HOST a name or IPv4 address, or an IPv6 address in brackets;
/// PORT 1-65535, or 0-65535 when `port_zero_ok`), else why not.
std::string host_port_problem(std::string_view text, bool port_zero_ok) {
  const std::string range = port_zero_ok ? "0-65535" : "1-65535";
  if (text.find("://") != std::string_view::npos) return "has a scheme; write HOST:PORT only, without \"http://\"";
  if (text.find_first_of(" \t\r\n") != std::string_view::npos) return "holds a space";
  if (text.find('@') != std::string_view::npos) return "holds user-info (\"…@\"); write HOST:PORT only";
  size_t colon = text.rfind(':');
  if (colon == std::string_view::npos || colon + 1 == text.size()) return "has no port (HOST:PORT, port " + range + ")";
  std::string_view host = text.substr(0, colon);
  if (host.empty()) return "has no host";
  if (host.front() == '[') {
    if (host.size() < 3 || host.back() != ']') return "is not HOST:PORT (an IPv6 address goes in brackets: [::1]:7447)";
  } else if (host.find_first_of(":[]/@?#") != std::string_view::npos) {
    return "is not HOST:PORT (an IPv6 address goes in brackets: [::1]:7447)";
  }
  unsigned port = 0;
  for (char c : text.substr(colon + 1)) {
    if (c < '0' || c > '9' || (port = port * 10 + static_cast<unsigned>(c - '0')) > 65535) {
      return "has port \"" + std::string(text.substr(colon + 1)) + "\", not " + range;
    }
  }
  if (port == 0 && !port_zero_ok) return "has port 0, not " + range;
  return "";
}

/// "" when `value` follows `rule`, else why not (may quote the value: never for StringRule::any).
std::string rule_problem(StringRule rule, const std::string& value) {
  switch (rule) {
    case StringRule::any: return "";
    case StringRule::role:
      return value == "central" || value == "district" ? "" : "must be \"central\" or \"district\", got \"" + value + "\"";
    case StringRule::district_code:
      return value.empty() || valid_district_code(value)
                 ? ""
                 : "\"" + value + "\" is not a district code (letters, digits, '-', '_', '.')";
    case StringRule::node_id:
      return value.empty() || NodeId::from_hex(value) ? "" : "is not a node id (64 hex characters)";
    case StringRule::host_port:
    case StringRule::peer: {
      std::string why = value.empty() ? "" : host_port_problem(value, rule == StringRule::host_port);
      return why.empty() ? "" : "\"" + net::redact_url(value) + "\" " + why;
    }
    case StringRule::ip_address: {
      boost::system::error_code ec;
      if (value.empty()) return "";
      boost::asio::ip::make_address(value, ec);
      return ec ? "\"" + value + "\" is not an IPv4 or IPv6 address (a literal such as 10.0.0.5, no port)" : "";
    }
    case StringRule::url: {
      if (value.empty()) return "";
      auto url = net::parse_url(value);
      return url.ok() ? "" : url.status().message();
    }
  }
  return "";
}

void check_value(const ConfigKey& k, const toml::node& node, const std::string& file, Problems& out) {
  std::string name = "[" + std::string(k.section) + "] " + std::string(k.key) + " at " + where(file, node);
  switch (k.type) {
    case ConfigType::integer: {
      if (!node.is_integer()) {
        out.add(node, name + " must be " + expected(k) + ", not " + toml_type_name(node));
        return;
      }
      int64_t v = node.as_integer()->get();
      if (v < k.min || v > k.max) {
        out.add(node, name + " must be between " + std::to_string(k.min) + " and " + std::to_string(k.max) +
                      (k.unit.empty() || k.unit == "count" ? "" : " " + std::string(k.unit)) + ", got " + std::to_string(v));
      }
      return;
    }
    case ConfigType::string: {
      if (!node.is_string()) {
        out.add(node, name + " must be " + expected(k) + ", not " + toml_type_name(node));
        return;
      }
      std::string problem = rule_problem(k.rule, node.as_string()->get());
      if (!problem.empty()) out.add(node, name + ": " + problem);
      return;
    }
    case ConfigType::string_list: {
      const toml::array* list = node.as_array();
      if (!list) {
        out.add(node, name + " must be " + expected(k) + ", not " + toml_type_name(node));
        return;
      }
      for (size_t i = 0; i < list->size(); ++i) {
        const toml::node& element = *list->get(i);
        std::string problem = !element.is_string() ? std::string("must be a string, not ") + toml_type_name(element)
                              : element.as_string()->get().empty() ? std::string("is empty")
                                                                   : rule_problem(k.rule, element.as_string()->get());
        if (!problem.empty()) out.add(element, name + ": element " + std::to_string(i + 1) + " " + problem);
      }
      return;
    }
  }
}

void check_section(std::string_view section, const toml::table& table, const std::string& file,
                   Problems& out) {
  for (const auto& [key, node] : table) {
    if (const ConfigKey* k = find_config_key(section, key.str())) {
      check_value(*k, node, file, out);
      continue;
    }
    std::string msg = "unknown key `" + std::string(key.str()) + "` in [" + std::string(section) + "] at " +
                      where(file, node);
    std::string near = nearest_name(key.str(), keys_of(section));
    std::string elsewhere;
    for (auto s : sections()) {
      if (s != section && find_config_key(s, key.str())) elsewhere = s;
    }
    if (known_config_section(key.str())) {
      msg += "; [" + std::string(key.str()) + "] is a section: write `[" + std::string(key.str()) +
             "]` on a line of its own, then its keys";
    } else if (!near.empty()) {
      const ConfigKey* k = find_config_key(section, near);
      msg += "; did you mean `" + near + "`? (" + expected(*k) + ")";
    } else if (!elsewhere.empty()) {
      msg += "; `" + std::string(key.str()) + "` belongs in [" + elsewhere + "]";
    } else {
      msg += "; [" + std::string(section) + "] holds " + joined(keys_of(section), "`", "`");
    }
    out.add(node, msg);
  }
}

/// The integer at [section] key when it is present and within its range, else nullptr (a value
/// out of range or of the wrong type is already reported once by check_value).
const toml::node* in_range(const toml::table& table, std::string_view section, std::string_view key) {
  const toml::node* node = table[section][key].node();
  const ConfigKey* k = find_config_key(section, key);
  if (!node || !k || !node->is_integer()) return nullptr;
  int64_t v = node->as_integer()->get();
  return v >= k->min && v <= k->max ? node : nullptr;
}

/// Rules between keys, each reported once, at the line of the first key named.
void check_cross_keys(const toml::table& table, const std::string& file, Problems& out) {
  // A frame must hold a whole batch plus its envelope. An absent frame_bytes_max is 16777216,
  // enough for every batch_bytes in range; so only an explicit frame_bytes_max can be too small.
  const toml::node* batch = in_range(table, "sync", "batch_bytes");
  const toml::node* frame = in_range(table, "sync", "frame_bytes_max");
  if (frame) {
    int64_t b = batch ? batch->as_integer()->get() : 64 * 1024;
    int64_t f = frame->as_integer()->get();
    if (f < b + 4096) {
      std::string at = batch ? "[sync] batch_bytes at " + where(file, *batch) + " is " + std::to_string(b)
                             : "[sync] batch_bytes (absent) is " + std::to_string(b);
      out.add(batch ? *batch : *frame, at + ", so frame_bytes_max at " + where(file, *frame) + " must be at least " +
                                           std::to_string(b + 4096) + " (batch_bytes + 4096), got " + std::to_string(f) +
                                           ": raise frame_bytes_max or delete its line");
    }
  }
  // A first wait above its ceiling.
  struct Pair {
    std::string_view section, low, high;
  };
  for (Pair p : {Pair{"sync", "retry_initial_ms", "retry_cap_ms"}, Pair{"rapidpro", "backoff_initial_ms", "backoff_max_ms"},
                 Pair{"console", "session_idle_ms", "session_absolute_ms"},
                 Pair{"console", "silent_amber_ms", "silent_red_ms"}}) {
    const toml::node* low = in_range(table, p.section, p.low);
    const toml::node* high = in_range(table, p.section, p.high);
    if (!low && !high) continue;
    auto value = [&](const toml::node* n, std::string_view key) -> int64_t {
      if (n) return n->as_integer()->get();
      std::string d(find_config_key(p.section, key)->default_text);  // "`1000`"
      return std::stoll(d.substr(1, d.size() - 2));
    };
    int64_t l = value(low, p.low), h = value(high, p.high);
    if (l <= h) continue;
    auto name = [&](const toml::node* n, std::string_view key) {
      return std::string(key) + (n ? " at " + where(file, *n) : std::string(" (default)")) + " = " +
             std::to_string(value(n, key));
    };
    out.add(low ? *low : *high, "[" + std::string(p.section) + "] " + name(low, p.low) + " is above " + name(high, p.high) +
                                    ": " + std::string(p.low) + " must be at most " + std::string(p.high));
  }
  // Two listeners on one port: `mhero run` would bind the first and stop at the second with
  // "Address already in use". Port 0 (any free port) and well-formed values only.
  struct Listener {
    std::string_view section;
    const toml::node* node;
    std::string host;
    uint16_t port;
  };
  std::vector<Listener> listeners;
  for (std::string_view section : {"sync", "console", "metrics", "openhim"}) {
    const toml::node* node = table[section]["listen"].node();
    if (!node || !node->is_string()) continue;
    const std::string& value = node->as_string()->get();
    if (value.empty() || !host_port_problem(value, true).empty()) continue;
    size_t colon = value.rfind(':');
    unsigned port = static_cast<unsigned>(std::stoul(value.substr(colon + 1)));
    std::string host = value.substr(0, colon);
    if (port == 0) continue;
    auto any = [](const std::string& h) { return h == "0.0.0.0" || h == "[::]" || h == "::"; };
    for (const Listener& earlier : listeners) {
      if (earlier.port != port || (earlier.host != host && !any(earlier.host) && !any(host))) continue;
      out.add(*node, "[" + std::string(section) + "] listen at " + where(file, *node) + " = \"" + value + "\" takes port " +
                         std::to_string(port) + ", which [" + std::string(earlier.section) + "] listen at " +
                         where(file, *earlier.node) + " already listens on: give each listener its own port");
      break;
    }
    listeners.push_back({section, node, host, static_cast<uint16_t>(port)});
  }
}

}  // namespace

std::string nearest_name(std::string_view name, const std::vector<std::string_view>& candidates) {
  size_t limit = name.size() <= 4 ? 1 : name.size() <= 10 ? 2 : 3;
  std::string best;
  size_t best_d = limit + 1;
  for (auto c : candidates) {
    // A unit suffix left out ("timeout" for "timeout_ms") counts as one edit.
    bool unit_left_out = c.size() > name.size() + 1 && c.starts_with(name) && c[name.size()] == '_' &&
                         c.find('_', name.size() + 1) == std::string_view::npos;
    size_t d = unit_left_out ? 1 : edit_distance(name, c);
    if (d < best_d) {
      best_d = d;
      best = c;
    }
  }
  return best;
}

std::vector<std::string> check_config(const toml::table& table, const std::string& file) {
  Problems out;
  for (const auto& [name, node] : table) {
    std::string section(name.str());
    if (!known_config_section(section)) {
      std::string msg = (node.is_table() ? "unknown section [" + section + "]" : "unknown key `" + section + "`") +
                        " at " + where(file, node);
      std::string near = nearest_name(section, sections());
      std::string owner;
      for (auto s : sections()) {
        if (find_config_key(s, section)) owner = s;
      }
      if (!near.empty()) {
        msg += "; did you mean [" + near + "]?";
      } else if (!owner.empty() && !node.is_table()) {
        msg += " outside any section; `" + section + "` belongs in [" + owner + "]";
      } else {
        msg += "; the sections are " + joined(sections(), "[", "]");
      }
      out.add(node, msg);
      continue;
    }
    const toml::table* t = node.as_table();
    if (!t) {
      out.add(node, "[" + section + "] at " + where(file, node) + " must be a table (a `[" + section +
                    "]` line followed by its keys), not " + toml_type_name(node));
      continue;
    }
    check_section(section, *t, file, out);
  }
  check_cross_keys(table, file, out);
  std::stable_sort(out.begin(), out.end(), [](const Problem& a, const Problem& b) { return a.line < b.line; });
  std::vector<std::string> messages;
  for (auto& p : out) messages.push_back(std::move(p.message));
  return messages;
}

}  // namespace mhero
