#include "messaging/answer_view.h"

#include <cstdio>

#include "registry/registry_keys.h"
#include "store/entry.h"

namespace mhero {

using json = nlohmann::json;

namespace {

constexpr std::string_view kTime = "answers/t/";

std::string hex16(int64_t ms) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(ms < 0 ? 0 : ms));
  return buf;
}

std::string index_prefix(const AnswerFilter& f) {
  if (!f.message_id.empty()) return "answers/m/" + f.message_id + "/";
  if (!f.district.empty()) return "answers/d/" + f.district + "/";
  return std::string(kTime);
}

std::string answer_entry_value(const Entry& entry) {
  return registry::EntryRef{entry.feed(), entry.seq()}.to_string();
}

}  // namespace

Result<std::optional<std::string>> answer_entry(const ViewReader& views, std::string_view source_id) {
  if (source_id.empty() || source_id.find('/') != std::string_view::npos) return std::optional<std::string>();
  MHERO_ASSIGN_OR_RETURN(auto v, views.get("answers/s/" + std::string(source_id)));
  if (v && v->empty()) return std::optional<std::string>();
  return v;
}

Status AnswerView::apply(const Entry& entry, ViewBatch& batch) {
  if (entry.kind() != schema::Payload::RESPONSE) return {};
  ResponseRecord r = response_from_capnp(entry.payload().getResponse());
  if (r.source_id.empty() || r.source_id.find('/') != std::string::npos) return {};
  r.scope = entry.feed().scope;
  std::string seen = "answers/s/" + r.source_id;
  MHERO_ASSIGN_OR_RETURN(auto held, batch.get(seen));
  std::string tail = hex16(r.answered_at_ms) + "/" + r.source_id;
  // A phone shared by workers of two districts: the poller writes one copy per district, each
  // into its district's feed. The first copy is the answer; every copy indexes its district, so
  // the central node lists it under each district as each district's node does.
  if (!r.district.empty() && r.district.find('/') == std::string::npos) batch.put("answers/d/" + r.district + "/" + tail, "");
  if (held) return {};  // The same RapidPro answer again: the first one stays.
  batch.put(seen, answer_entry_value(entry));
  std::string message = r.message_id.empty() ? "-" : r.message_id;
  batch.put(std::string(kTime) + tail, response_to_json(r).dump());
  if (message.find('/') == std::string::npos) batch.put("answers/m/" + message + "/" + tail, "");
  return {};
}

Status scan_answers(const ViewReader& views, const AnswerFilter& filter, std::string_view after,
                    const std::function<bool(const ResponseRecord&, const std::string&)>& fn) {
  if (filter.message_id.find('/') != std::string::npos || filter.district.find('/') != std::string::npos) {
    return {};  // No key holds a '/' in these parts: nothing matches.
  }
  const std::string prefix = index_prefix(filter);
  const bool by_index = prefix != kTime;
  std::string start;
  if (!after.empty()) {
    if (after.find('/') == std::string_view::npos || after.size() < 18) {
      return invalid_argument("answers cursor '" + std::string(after) + "' is not a position of this listing");
    }
    // The next key after `after`: append a byte below every key character.
    start = prefix + std::string(after) + '\x01';
  }
  Status bad;
  auto visit = [&](std::string_view key, std::string_view value) {
    std::string tail(key.substr(prefix.size()));
    std::string body;
    if (by_index) {
      auto got = views.get(std::string(kTime) + tail);
      if (!got.ok()) {
        bad = got.status();
        return false;
      }
      if (!*got) return true;  // Index without its response: cannot happen in one batch; skip.
      body = std::move(**got);
    } else {
      body = std::string(value);
    }
    json j = json::parse(body, nullptr, false);
    if (j.is_discarded()) {
      bad = corruption("answers view: undecodable value at " + std::string(kTime) + tail);
      return false;
    }
    ResponseRecord r = response_from_json(j);
    // By district, the district's index decides (a shared phone's answer is held once, as its
    // first copy, and indexed under each district a copy was written for).
    if (!filter.district.empty() && r.district != filter.district) {
      if (!filter.message_id.empty()) {
        auto indexed = views.get("answers/d/" + filter.district + "/" + tail);
        if (!indexed.ok()) {
          bad = indexed.status();
          return false;
        }
        if (!*indexed) return true;
      }
      r.district = filter.district;
    }
    return fn(r, tail);
  };
  Status s = start.empty() ? views.scan(prefix, visit) : views.scan_from(prefix, start, visit);
  MHERO_RETURN_IF_ERROR(s);
  return bad;
}

}  // namespace mhero
