#include "registry/mcsd_resources.h"

#include <algorithm>

#include "registry/datetime.h"
#include "registry/xml_ns.h"
#include "store/scope.h"
#include "util/json_fields.h"

namespace mhero::registry::mcsd {

namespace {

using nlohmann::json;

const json& member(const json& j, const char* key) {
  static const json kNull;
  if (!j.is_object()) return kNull;
  auto it = j.find(key);
  return it == j.end() ? kNull : *it;
}

void check_updated(const McsdResource& r, const Context& ctx) {
  if (!r.last_updated.empty() && !parse_xsd_datetime(r.last_updated)) {
    ctx.warn(r, "invalid meta.lastUpdated '" + r.last_updated + "'");
  }
}

bool has_code(const json& concepts, std::initializer_list<std::string_view> codes) {
  for (const auto& c : codings_of(concepts)) {
    if (std::find(codes.begin(), codes.end(), c.code) != codes.end()) return true;
  }
  return false;
}

}  // namespace

std::string reference_of(const json& value) {
  std::string ref = value.is_string() ? value.get<std::string>() : string_field(value, "reference");
  if (auto h = ref.find("/_history/"); h != std::string::npos) ref.resize(h);
  // An absolute URL: keep the last two segments.
  if (ref.find("://") != std::string::npos) {
    auto last = ref.rfind('/');
    auto prev =
        last == std::string::npos || last == 0 ? std::string::npos : ref.rfind('/', last - 1);
    if (prev != std::string::npos) ref = ref.substr(prev + 1);
  }
  return ref;
}

std::vector<CodedValue> codings_of(const json& concepts) {
  std::vector<CodedValue> out;
  auto one = [&](const json& concept_) {
    const json& codings = member(concept_, "coding");
    if (!codings.is_array()) return;
    for (const auto& c : codings) {
      std::string code = string_field(c, "code");
      if (code.empty()) continue;
      std::string label = string_field(c, "display");
      if (label.empty()) label = string_field(concept_, "text");
      out.push_back(CodedValue{code, string_field(c, "system"), label});
    }
  };
  if (concepts.is_array()) {
    for (const auto& c : concepts) one(c);
  } else {
    one(concepts);
  }
  return out;
}

bool is_active(const McsdResource& r) {
  if (r.deleted) return false;
  const json& active = member(r.resource, "active");
  if (active.is_boolean() && !active.get<bool>()) return false;
  if (r.type == "Location") {
    std::string status = string_field(r.resource, "status");
    return status != "inactive" && status != "suspended";
  }
  return true;
}

ProviderRecord map_practitioner(const McsdResource& r, const Context& ctx) {
  ProviderRecord p;
  p.entity_id = r.reference();
  if (!ctx.rules.csd_id_system.empty()) {
    const json& ids = member(r.resource, "identifier");
    if (ids.is_array()) {
      for (const auto& id : ids) {
        if (string_field(id, "system") == ctx.rules.csd_id_system && !string_field(id, "value").empty()) {
          p.entity_id = string_field(id, "value");
          break;
        }
      }
    }
  }
  p.updated = r.last_updated;
  check_updated(r, ctx);
  const json& active = member(r.resource, "active");
  p.status = !active.is_boolean() ? RecordStatus::unknown
             : active.get<bool>() ? RecordStatus::active
                                  : RecordStatus::inactive;
  const json& names = member(r.resource, "name");
  const json* chosen = nullptr;
  if (names.is_array()) {
    for (const auto& n : names) {
      if (!chosen || string_field(n, "use") == "official") chosen = &n;
      if (string_field(n, "use") == "official") break;
    }
  }
  if (chosen) {
    std::string given;
    const json& givens = member(*chosen, "given");
    if (givens.is_array()) {
      for (const auto& g : givens) {
        if (g.is_string() && !g.get<std::string>().empty())
          given += (given.empty() ? "" : " ") + g.get<std::string>();
      }
    }
    p.forename = given;
    p.surname = string_field(*chosen, "family");
    std::string text = string_field(*chosen, "text");
    if (text.empty())
      text = p.forename + (p.forename.empty() || p.surname.empty() ? "" : " ") + p.surname;
    if (!text.empty()) p.common_names.push_back(text);
  }
  if (p.common_names.empty()) ctx.warn(r, "no name");
  // Contact points (FHIR R4 ContactPoint). SMS: system phone or sms, use mobile first, then
  // rank, then document order. WhatsApp and Telegram have no FHIR system: a telecom whose value
  // is a RapidPro urn of theirs ("whatsapp:231770123456", "telegram:123456789"), any system.
  // The preferred channel is that of the lowest `rank` (FHIR: 1 = most preferred).
  struct Candidate {
    const json* telecom;
    Channel channel;
    std::string raw;  // The value, without the urn scheme.
    bool mobile;
    int64_t rank;
    size_t index;
  };
  std::vector<Candidate> candidates;
  const json& telecoms = member(r.resource, "telecom");
  if (telecoms.is_array()) {
    for (size_t i = 0; i < telecoms.size(); ++i) {
      std::string system = string_field(telecoms[i], "system");
      std::string value = trim(string_field(telecoms[i], "value"));
      std::optional<Channel> channel = channel_of_urn(value);
      if (channel == Channel::sms) channel.reset();  // "tel:" values are phones like any other.
      if (channel) {
        value = trim(value.substr(value.find(':') + 1));
      } else if (system == "phone" || system == "sms") {
        channel = Channel::sms;
      } else {
        continue;
      }
      const json& rank = member(telecoms[i], "rank");
      candidates.push_back({&telecoms[i], *channel, value, string_field(telecoms[i], "use") == "mobile",
                            rank.is_number_integer() ? rank.get<int64_t>() : INT64_MAX, i});
    }
  }
  std::stable_sort(candidates.begin(), candidates.end(),
                   [](const Candidate& a, const Candidate& b) {
                     if (a.mobile != b.mobile) return a.mobile;
                     return a.rank < b.rank;
                   });
  int64_t best_rank = INT64_MAX;
  for (const auto& c : candidates) {
    std::string which =
        "telecom " + std::to_string(c.index) + " (" + string_field(*c.telecom, "system") + ")";
    if (c.raw.empty()) {
      ctx.warn(r, which + " has no value");
      continue;
    }
    PhoneNumber phone = ctx.phones.normalize(c.raw, c.channel);
    if (!phone.valid) {
      ctx.warn(r, which + (c.channel == Channel::telegram
                               ? std::string(" is not a Telegram chat id (1-15 digits)")
                               : " is not a valid number for region " + ctx.phones.region()));
    } else if (c.channel == Channel::sms && !phone.mobile) {
      ctx.warn(r, which + " is not a mobile number");
    }
    if (phone.valid && c.rank < best_rank) {
      best_rank = c.rank;
      p.preferred_channel = c.channel;
    }
    p.phones.push_back(std::move(phone));
  }
  return p;
}

std::optional<McsdRole> map_role(const McsdResource& r, const Context& ctx) {
  McsdRole role;
  role.practitioner = reference_of(member(r.resource, "practitioner"));
  if (role.practitioner.rfind("Practitioner/", 0) != 0) {
    ctx.warn(r, "no practitioner reference (PractitionerRole.practitioner): role skipped");
    return std::nullopt;
  }
  check_updated(r, ctx);
  for (auto& c : codings_of(member(r.resource, "code"))) {
    if (c.coding_scheme == ctx.rules.job_system) role.jobs.push_back(std::move(c));
  }
  if (role.jobs.empty()) ctx.warn(r, "no job coding of " + ctx.rules.job_system + " in code");
  role.specialties = codings_of(member(r.resource, "specialty"));
  const json& locations = member(r.resource, "location");
  if (locations.is_array()) {
    for (const auto& l : locations) {
      std::string ref = reference_of(l);
      if (!ref.empty()) role.locations.push_back(ref);
    }
  }
  std::string org = reference_of(member(r.resource, "organization"));
  if (!org.empty()) role.organizations.push_back(org);
  if (role.locations.empty() && role.organizations.empty()) {
    ctx.warn(r, "no location or organization: no facility, district unassigned");
  }
  return role;
}

bool is_jurisdiction(const json& location, const McsdRules& rules) {
  const json& type = member(location, "type");
  if (has_code(type, {"jurisdiction", "urn:ihe:iti:mcsd:2019:jurisdiction"})) return true;
  if (has_code(type, {"facility", "urn:ihe:iti:mcsd:2019:facility"})) return false;
  if (!rules.district_type_code.empty() && has_code(type, {rules.district_type_code})) return true;
  return has_code(member(location, "physicalType"), {"jdn"});
}

OrganizationRecord map_jurisdiction(const McsdResource& r, const Context& ctx) {
  OrganizationRecord o;
  o.entity_id = r.reference();
  o.name = string_field(r.resource, "name");
  if (o.name.empty()) ctx.warn(r, "no name");
  o.parent_id = reference_of(member(r.resource, "partOf"));
  o.updated = r.last_updated;
  check_updated(r, ctx);
  return o;
}

std::string district_code_of(const McsdResource& r, const Context& ctx) {
  std::string code = r.id;
  if (!ctx.rules.district_identifier_system.empty()) {
    code.clear();
    const json& ids = member(r.resource, "identifier");
    if (ids.is_array()) {
      for (const auto& id : ids) {
        if (string_field(id, "system") == ctx.rules.district_identifier_system) code = string_field(id, "value");
      }
    }
    if (code.empty()) {
      ctx.warn(r,
               "district without an identifier of system " + ctx.rules.district_identifier_system);
      return {};
    }
  }
  if (!valid_district_code(code)) {
    ctx.warn(r, "district code '" + code + "' is not a valid district code (letters, digits, -_.)");
    return {};
  }
  return code;
}

FacilityRecord map_facility(const McsdResource& r, const Context& ctx) {
  FacilityRecord f;
  f.entity_id = r.reference();
  f.name = string_field(r.resource, "name");
  if (f.name.empty()) ctx.warn(r, "no name");
  std::string part_of = reference_of(member(r.resource, "partOf"));
  if (!part_of.empty()) f.organization_ids.push_back(part_of);
  std::string managing = reference_of(member(r.resource, "managingOrganization"));
  if (!managing.empty()) f.organization_ids.push_back(managing);
  if (f.organization_ids.empty())
    ctx.warn(r, "no partOf or managingOrganization: district unassigned");
  f.facility_types = codings_of(member(r.resource, "type"));
  f.updated = r.last_updated;
  check_updated(r, ctx);
  return f;
}

OrganizationRecord map_organization(const McsdResource& r, const Context& ctx) {
  OrganizationRecord o;
  o.entity_id = r.reference();
  o.name = string_field(r.resource, "name");
  if (o.name.empty()) ctx.warn(r, "no name");
  o.parent_id = reference_of(member(r.resource, "partOf"));
  o.updated = r.last_updated;
  check_updated(r, ctx);
  return o;
}

}  // namespace mhero::registry::mcsd
