#include "messaging/contact_index.h"

#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>

namespace mhero {

namespace {

using json = nlohmann::json;

constexpr std::string_view kCursorKey = "rapidpro-contacts/cursor";
constexpr size_t kSnapshotContacts = 2000;  // Contacts per snapshot record (~200 KB).
constexpr uint64_t kRecordsBeyondSnapshot = 64;

std::string record_prefix(uint64_t epoch) { return "rapidpro-contacts/" + std::to_string(epoch % 2) + "/"; }

std::string record_key(uint64_t epoch, uint64_t seq) {
  char digits[16];
  std::snprintf(digits, sizeof digits, "%010llu", static_cast<unsigned long long>(seq));
  return record_prefix(epoch) + digits;
}

bool is_text(const json& j, const char* field) { return j.contains(field) && j[field].is_string(); }

bool is_text_list(const json& j) {
  if (!j.is_array()) return false;
  for (const auto& u : j) {
    if (!u.is_string()) return false;
  }
  return true;
}

/// The epoch of a record or cursor value; nullopt when it has none.
std::optional<uint64_t> epoch_of(std::string_view bytes) {
  json j = json::parse(bytes, nullptr, false);
  if (!j.is_object() || !j.contains("epoch") || !j["epoch"].is_number_unsigned()) return std::nullopt;
  return j["epoch"].get<uint64_t>();
}

}  // namespace

std::optional<ContactIndexStore::Held> ContactIndexStore::load(std::string* why) {
  epoch_.reset();
  auto cursor_bytes = store_.get_meta(kCursorKey);
  if (!cursor_bytes.ok()) {
    *why = cursor_bytes.status().to_string();
    return std::nullopt;
  }
  if (!*cursor_bytes || (*cursor_bytes)->empty()) {
    *why = "no contact index kept";
    return std::nullopt;
  }
  json cursor = json::parse(**cursor_bytes, nullptr, false);
  if (!cursor.is_object() || !is_text(cursor, "url") || !is_text(cursor, "after") || !cursor.contains("epoch") ||
      !cursor["epoch"].is_number_unsigned() || !cursor.contains("snapshot") || !cursor["snapshot"].is_number_unsigned()) {
    *why = "meta " + std::string(kCursorKey) + " does not decode";
    return std::nullopt;
  }
  if (cursor["url"] != url_) {
    *why = "the contact index kept is for another RapidPro URL";
    return std::nullopt;
  }
  const uint64_t epoch = cursor["epoch"];
  const std::string prefix = record_prefix(epoch);
  std::map<std::string, ContactInfo> contacts;
  uint64_t seq = 0;
  std::string bad;
  store_.scan_meta(prefix, [&](std::string_view k, std::string_view v) {
    if (k.substr(prefix.size()) != record_key(epoch, seq).substr(prefix.size())) return false;  // A gap ends it.
    json j = json::parse(v, nullptr, false);
    if (!j.is_object() || !j.contains("epoch") || !j["epoch"].is_number_unsigned()) {
      bad = "meta " + std::string(k) + " does not decode";
      return false;
    }
    if (j["epoch"] != epoch) return false;  // A left-over of an older generation.
    if (!j.contains("contacts") || !j["contacts"].is_array() || !j.contains("deleted") || !is_text_list(j["deleted"])) {
      bad = "meta " + std::string(k) + " does not decode";
      return false;
    }
    for (const auto& c : j["contacts"]) {
      if (!c.is_object() || !is_text(c, "uuid") || !is_text(c, "name") || !is_text(c, "globalid") ||
          !c.contains("urns") || !is_text_list(c["urns"])) {
        bad = "meta " + std::string(k) + " does not decode";
        return false;
      }
      ContactInfo info{c["uuid"], c["name"], c["globalid"], c["urns"].get<std::vector<std::string>>()};
      contacts[info.uuid] = std::move(info);
    }
    for (const auto& uuid : j["deleted"]) contacts.erase(uuid.get<std::string>());
    ++seq;
    return true;
  });
  if (!bad.empty()) {
    *why = bad;
    return std::nullopt;
  }
  if (seq < cursor["snapshot"].get<uint64_t>()) {
    *why = "the contact index kept lacks records of its snapshot";
    return std::nullopt;
  }
  epoch_ = epoch;
  next_seq_ = seq;
  snapshot_records_ = cursor["snapshot"];
  after_ = cursor["after"];
  Held held;
  held.after = after_;
  held.contacts.reserve(contacts.size());
  for (auto& [uuid, c] : contacts) held.contacts.push_back(std::move(c));
  return held;
}

Status ContactIndexStore::put_record(const std::vector<ContactInfo>& contacts, const std::vector<std::string>& removed) {
  json list = json::array();
  for (const auto& c : contacts) {
    list.push_back({{"uuid", c.uuid}, {"name", c.name}, {"globalid", c.globalid}, {"urns", c.urns}});
  }
  json record{{"epoch", *epoch_}, {"contacts", std::move(list)}, {"deleted", removed}};
  MHERO_RETURN_IF_ERROR(store_.put_meta(record_key(*epoch_, next_seq_), record.dump()));
  ++next_seq_;
  return {};
}

Status ContactIndexStore::put_cursor(const std::string& after) {
  json cursor{{"url", url_}, {"after", after}, {"epoch", *epoch_}, {"snapshot", snapshot_records_}};
  MHERO_RETURN_IF_ERROR(store_.put_meta(kCursorKey, cursor.dump()));
  after_ = after;
  return {};
}

Status ContactIndexStore::save(const std::vector<ContactInfo>& contacts, const std::vector<std::string>& removed) {
  if (contacts.empty() && removed.empty()) return {};
  if (!epoch_) return failed_precondition("no contact index generation to add to (load or rewrite first)");
  for (size_t i = 0; i < contacts.size() || i == 0; i += kSnapshotContacts) {
    size_t n = std::min(kSnapshotContacts, contacts.size() - i);
    auto begin = contacts.begin() + static_cast<ptrdiff_t>(i);
    MHERO_RETURN_IF_ERROR(put_record({begin, begin + static_cast<ptrdiff_t>(n)}, i == 0 ? removed : std::vector<std::string>{}));
  }
  return {};
}

Status ContactIndexStore::set_after(const std::string& after) {
  if (!epoch_) return failed_precondition("no contact index generation to move the cursor of");
  if (after == after_) return {};
  return put_cursor(after);
}

bool ContactIndexStore::wants_rewrite() const {
  return epoch_ && next_seq_ > snapshot_records_ + kRecordsBeyondSnapshot;
}

Status ContactIndexStore::rewrite(const std::vector<ContactInfo>& all, const std::string& after) {
  // A new epoch above every one written, so no left-over record of the same parity can pass for
  // one of the new generation (each generation writes its seq 0 first).
  uint64_t newest = 0;
  MHERO_ASSIGN_OR_RETURN(auto cursor, store_.get_meta(kCursorKey));
  if (cursor) newest = std::max(newest, epoch_of(*cursor).value_or(0));
  for (uint64_t parity : {0, 1}) {
    MHERO_ASSIGN_OR_RETURN(auto first, store_.get_meta(record_key(parity, 0)));
    if (first) newest = std::max(newest, epoch_of(*first).value_or(0));
  }
  epoch_ = newest + 1;
  next_seq_ = 0;
  size_t i = 0;
  do {
    size_t n = std::min(kSnapshotContacts, all.size() - i);
    MHERO_RETURN_IF_ERROR(put_record({all.begin() + static_cast<ptrdiff_t>(i), all.begin() + static_cast<ptrdiff_t>(i + n)}, {}));
    i += n;
  } while (i < all.size());
  snapshot_records_ = next_seq_;
  return put_cursor(after);
}

Status ContactIndexStore::clear() {
  epoch_.reset();
  return store_.put_meta(kCursorKey, "");
}

}  // namespace mhero
