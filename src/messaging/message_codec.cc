#include "messaging/message_codec.h"

#include "util/bytes.h"
#include "util/capnp_text.h"

namespace mhero {

using json = nlohmann::json;

namespace {

std::vector<std::string> strings(const json& j, const char* key) {
  return j.contains(key) ? j[key].get<std::vector<std::string>>() : std::vector<std::string>{};
}

}  // namespace

MessageRecord message_from_capnp(schema::OutgoingMessage::Reader r) {
  MessageRecord m;
  m.id = r.getMessageId();
  for (auto t : r.getTexts()) m.texts.emplace_back(t.getLang(), t.getText());
  m.flow_uuid = r.getFlowUuid();
  auto t = r.getTarget();
  m.target = {texts_from_capnp(t.getCadres()), texts_from_capnp(t.getDistricts()), texts_from_capnp(t.getFacilities()),
              texts_from_capnp(t.getSkills()), texts_from_capnp(t.getEntityIds())};
  m.urgent = r.getPriority() == schema::Priority::URGENT;
  m.not_before_ms = r.getNotBeforeMs();
  m.expires_at_ms = r.getExpiresAtMs();
  m.author = r.getAuthor();
  m.staff_user = r.getStaffUser();
  m.channels = texts_from_capnp(r.getChannels());
  auto node = r.getAuthorNode();
  m.author_node = to_hex(std::span<const uint8_t>(node.begin(), node.size()));
  m.flow_name = r.getFlowName();
  m.previewed_count = r.getPreviewedCount();
  return m;
}

void message_to_capnp(const MessageRecord& m, schema::OutgoingMessage::Builder b) {
  b.setMessageId(m.id);
  auto texts = b.initTexts(static_cast<unsigned>(m.texts.size()));
  for (unsigned i = 0; i < m.texts.size(); ++i) {
    texts[i].setLang(m.texts[i].first);
    texts[i].setText(m.texts[i].second);
  }
  b.setFlowUuid(m.flow_uuid);
  auto t = b.initTarget();
  set_texts(t.initCadres(static_cast<unsigned>(m.target.cadres.size())), m.target.cadres);
  set_texts(t.initDistricts(static_cast<unsigned>(m.target.districts.size())), m.target.districts);
  set_texts(t.initFacilities(static_cast<unsigned>(m.target.facilities.size())), m.target.facilities);
  set_texts(t.initSkills(static_cast<unsigned>(m.target.skills.size())), m.target.skills);
  set_texts(t.initEntityIds(static_cast<unsigned>(m.target.entity_ids.size())), m.target.entity_ids);
  b.setPriority(m.urgent ? schema::Priority::URGENT : schema::Priority::ROUTINE);
  b.setNotBeforeMs(m.not_before_ms);
  b.setExpiresAtMs(m.expires_at_ms);
  b.setAuthor(m.author);
  b.setStaffUser(m.staff_user);
  if (auto node = from_hex(m.author_node); node && !node->empty()) {
    b.setAuthorNode(kj::arrayPtr(reinterpret_cast<const kj::byte*>(node->data()), node->size()));
  }
  b.setFlowName(m.flow_name);
  b.setPreviewedCount(m.previewed_count);
  set_texts(b.initChannels(static_cast<unsigned>(m.channels.size())), m.channels);
}

json message_to_json(const MessageRecord& m) {
  json texts = json::array();
  for (auto& [lang, text] : m.texts) texts.push_back({{"lang", lang}, {"text", text}});
  return {{"id", m.id}, {"texts", texts}, {"flow", m.flow_uuid},
          {"target", {{"cadres", m.target.cadres}, {"districts", m.target.districts},
                      {"facilities", m.target.facilities}, {"skills", m.target.skills},
                      {"entity_ids", m.target.entity_ids}}},
          {"urgent", m.urgent}, {"not_before_ms", m.not_before_ms}, {"expires_at_ms", m.expires_at_ms},
          {"author", m.author}, {"staff_user", m.staff_user}, {"author_node", m.author_node},
          {"flow_name", m.flow_name}, {"previewed_count", m.previewed_count}, {"channels", m.channels}, {"feed_author", m.feed_author}, {"scope", m.scope}, {"written_ms", m.written_ms}};
}

MessageRecord message_from_json(const json& j) {
  MessageRecord m;
  m.id = j.value("id", "");
  for (auto& t : j.value("texts", json::array())) m.texts.emplace_back(t.value("lang", ""), t.value("text", ""));
  m.flow_uuid = j.value("flow", "");
  const json& t = j.contains("target") ? j["target"] : json::object();
  m.target = {strings(t, "cadres"), strings(t, "districts"), strings(t, "facilities"), strings(t, "skills"),
              strings(t, "entity_ids")};
  m.urgent = j.value("urgent", false);
  m.not_before_ms = j.value("not_before_ms", int64_t{0});
  m.expires_at_ms = j.value("expires_at_ms", int64_t{0});
  m.author = j.value("author", "");
  m.staff_user = j.value("staff_user", "");
  m.author_node = j.value("author_node", "");
  m.flow_name = j.value("flow_name", "");
  m.previewed_count = j.value("previewed_count", 0u);
  m.channels = strings(j, "channels");
  m.feed_author = j.value("feed_author", "");
  m.scope = j.value("scope", "");
  m.written_ms = j.value("written_ms", int64_t{0});
  return m;
}

namespace {
const char* phase_name(schema::Dispatch::Phase p) {
  switch (p) {
    case schema::Dispatch::Phase::INTENT: return "intent";
    case schema::Dispatch::Phase::SENT: return "sent";
    case schema::Dispatch::Phase::FAILED: return "failed";
    case schema::Dispatch::Phase::EXPIRED: return "expired";
    case schema::Dispatch::Phase::CANCELLED: return "cancelled";
  }
  return "unknown";
}
schema::Dispatch::Phase phase_of(const std::string& p) {
  if (p == "sent") return schema::Dispatch::Phase::SENT;
  if (p == "failed") return schema::Dispatch::Phase::FAILED;
  if (p == "expired") return schema::Dispatch::Phase::EXPIRED;
  if (p == "cancelled") return schema::Dispatch::Phase::CANCELLED;
  return schema::Dispatch::Phase::INTENT;
}
}  // namespace

BatchRecord batch_from_capnp(schema::Dispatch::Reader r) {
  BatchRecord d;
  d.message_id = r.getMessageId();
  d.batch = r.getBatch();
  d.phase = phase_name(r.getPhase());
  d.attempt = r.getAttempt();
  d.recipients = texts_from_capnp(r.getRecipients());
  d.contact_uuids = texts_from_capnp(r.getContactUuids());
  d.broadcast_uuids = texts_from_capnp(r.getBroadcastUuids());
  d.flow_start_uuids = texts_from_capnp(r.getFlowStartUuids());
  d.recipient_count = r.getRecipientCount();
  d.targeted_count = r.getTargetedCount();
  d.error = r.getError();
  d.called_at_ms = r.getCalledAtMs();
  for (auto id : r.getBroadcastIds()) d.broadcast_ids.push_back(id);
  d.phone_count = r.getPhoneCount();
  d.shared_phone_count = r.getSharedPhoneCount();
  d.urns = texts_from_capnp(r.getUrns());
  return d;
}

void batch_to_capnp(const BatchRecord& d, schema::Dispatch::Builder b) {
  b.setMessageId(d.message_id);
  b.setBatch(d.batch);
  b.setPhase(phase_of(d.phase));
  b.setAttempt(d.attempt);
  set_texts(b.initRecipients(static_cast<unsigned>(d.recipients.size())), d.recipients);
  set_texts(b.initContactUuids(static_cast<unsigned>(d.contact_uuids.size())), d.contact_uuids);
  set_texts(b.initBroadcastUuids(static_cast<unsigned>(d.broadcast_uuids.size())), d.broadcast_uuids);
  set_texts(b.initFlowStartUuids(static_cast<unsigned>(d.flow_start_uuids.size())), d.flow_start_uuids);
  b.setRecipientCount(d.recipient_count);
  b.setTargetedCount(d.targeted_count);
  b.setError(d.error);
  b.setCalledAtMs(d.called_at_ms);
  auto ids = b.initBroadcastIds(static_cast<unsigned>(d.broadcast_ids.size()));
  for (unsigned i = 0; i < d.broadcast_ids.size(); ++i) ids.set(i, d.broadcast_ids[i]);
  b.setPhoneCount(d.phone_count);
  b.setSharedPhoneCount(d.shared_phone_count);
  set_texts(b.initUrns(static_cast<unsigned>(d.urns.size())), d.urns);
}

json batch_to_json(const BatchRecord& d) {
  return {{"message_id", d.message_id}, {"batch", d.batch}, {"phase", d.phase}, {"attempt", d.attempt},
          {"recipients", d.recipients}, {"contact_uuids", d.contact_uuids},
          {"broadcast_uuids", d.broadcast_uuids}, {"flow_start_uuids", d.flow_start_uuids},
          {"recipient_count", d.recipient_count}, {"targeted_count", d.targeted_count},
          {"error", d.error}, {"called_at_ms", d.called_at_ms}, {"phone_count", d.phone_count},
          {"shared_phone_count", d.shared_phone_count}, {"scope", d.scope}, {"broadcast_ids", d.broadcast_ids}, {"urns", d.urns}};
}

BatchRecord batch_from_json(const json& j) {
  BatchRecord d;
  d.message_id = j.value("message_id", "");
  d.batch = j.value("batch", 0u);
  d.phase = j.value("phase", "");
  d.attempt = j.value("attempt", 0u);
  d.recipients = strings(j, "recipients");
  d.contact_uuids = strings(j, "contact_uuids");
  d.broadcast_uuids = strings(j, "broadcast_uuids");
  d.flow_start_uuids = strings(j, "flow_start_uuids");
  d.recipient_count = j.value("recipient_count", 0u);
  d.targeted_count = j.value("targeted_count", 0u);
  d.error = j.value("error", "");
  d.called_at_ms = j.value("called_at_ms", int64_t{0});
  d.phone_count = j.value("phone_count", 0u);
  d.shared_phone_count = j.value("shared_phone_count", 0u);
  d.scope = j.value("scope", "");
  d.urns = strings(j, "urns");
  if (j.contains("broadcast_ids") && j["broadcast_ids"].is_array()) {
    for (auto& id : j["broadcast_ids"]) {
      if (id.is_number_integer()) d.broadcast_ids.push_back(id.get<int64_t>());
    }
  }
  return d;
}

ResponseRecord response_from_capnp(schema::Response::Reader r) {
  ResponseRecord d;
  d.message_id = r.getMessageId();
  d.entity_id = r.getEntityId();
  d.answered_at_ms = r.getAnsweredAtMs();
  for (auto kv : r.getValues()) d.values.emplace_back(kv.getKey(), kv.getValue());
  d.raw_text = r.getRawText();
  d.source_id = r.getSourceId();
  d.district = r.getDistrictCode();
  d.contact_uuid = r.getContactUuid();
  d.shared_with = texts_from_capnp(r.getSharedWith());
  d.phone = r.getPhone();
  return d;
}

void response_to_capnp(const ResponseRecord& d, schema::Response::Builder b) {
  b.setMessageId(d.message_id);
  b.setEntityId(d.entity_id);
  b.setAnsweredAtMs(d.answered_at_ms);
  auto values = b.initValues(static_cast<unsigned>(d.values.size()));
  for (unsigned i = 0; i < d.values.size(); ++i) {
    values[i].setKey(d.values[i].first);
    values[i].setValue(d.values[i].second);
  }
  b.setRawText(d.raw_text);
  b.setSourceId(d.source_id);
  b.setDistrictCode(d.district);
  b.setContactUuid(d.contact_uuid);
  set_texts(b.initSharedWith(static_cast<unsigned>(d.shared_with.size())), d.shared_with);
  b.setPhone(d.phone);
}

json response_to_json(const ResponseRecord& d) {
  json values = json::object();
  for (auto& [k, v] : d.values) values[k] = v;
  return {{"message_id", d.message_id}, {"entity_id", d.entity_id}, {"answered_at_ms", d.answered_at_ms},
          {"values", values}, {"raw_text", d.raw_text}, {"source_id", d.source_id},
          {"district", d.district}, {"contact_uuid", d.contact_uuid}, {"shared_with", d.shared_with},
          {"phone", d.phone}, {"scope", d.scope}};
}

ResponseRecord response_from_json(const json& j) {
  ResponseRecord d;
  d.message_id = j.value("message_id", "");
  d.entity_id = j.value("entity_id", "");
  d.answered_at_ms = j.value("answered_at_ms", int64_t{0});
  if (j.contains("values")) {
    for (auto& [k, v] : j["values"].items()) d.values.emplace_back(k, v.is_string() ? v.get<std::string>() : v.dump());
  }
  d.raw_text = j.value("raw_text", "");
  d.source_id = j.value("source_id", "");
  d.district = j.value("district", "");
  d.contact_uuid = j.value("contact_uuid", "");
  d.shared_with = strings(j, "shared_with");
  d.phone = j.value("phone", "");
  d.scope = j.value("scope", "");
  return d;
}

CancelRecord cancel_from_capnp(schema::MessageCancel::Reader r) {
  return {r.getMessageId(), r.getStaffUser(), r.getReason(), r.getAtMs(), "", ""};
}

void cancel_to_capnp(const CancelRecord& c, schema::MessageCancel::Builder b) {
  b.setMessageId(c.message_id);
  b.setStaffUser(c.staff_user);
  b.setReason(c.reason);
  b.setAtMs(c.at_ms);
}

json cancel_to_json(const CancelRecord& c) {
  return {{"message_id", c.message_id}, {"staff_user", c.staff_user}, {"reason", c.reason}, {"at_ms", c.at_ms},
          {"scope", c.scope}, {"feed_author", c.feed_author}};
}

CancelRecord cancel_from_json(const json& j) {
  return {j.value("message_id", ""), j.value("staff_user", ""), j.value("reason", ""), j.value("at_ms", int64_t{0}),
          j.value("scope", ""), j.value("feed_author", "")};
}

}  // namespace mhero
