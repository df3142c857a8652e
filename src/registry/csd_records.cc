#include "registry/csd_records.h"

#include <algorithm>
#include <cctype>
#include <map>

#include "registry/csd_parser.h"
#include "registry/datetime.h"
#include "registry/xml_ns.h"

namespace mhero::registry {

namespace {

std::string entity_id_of(pugi::xml_node node) {
  std::string id = trimmed_attr(node, "entityID");
  if (id.empty()) id = trimmed_attr(node, "urn");  // Some iHRIS exports.
  return id;
}

CodedValue coded(pugi::xml_node node) {
  return CodedValue{trimmed_attr(node, "code"), trimmed_attr(node, "codingScheme"), trimmed_text(node)};
}

std::vector<std::pair<std::string, std::string>> other_ids(pugi::xml_node node) {
  std::vector<std::pair<std::string, std::string>> out;
  for_each_element(node, "otherID", [&](pugi::xml_node o) {
    out.emplace_back(trimmed_attr(o, "assigningAuthorityName"), trimmed_attr(o, "code"));
  });
  return out;
}

void address_lines(pugi::xml_node parent, std::vector<AddressLine>& out) {
  for_each_element(parent, "address", [&](pugi::xml_node a) {
    for_each_element(a, "addressLine", [&](pugi::xml_node l) {
      out.emplace_back(trimmed_attr(l, "component"), trimmed_text(l));
    });
  });
}

/// record/@updated and record/@status, with warnings.
void parse_record(pugi::xml_node owner, const RecordContext& ctx, const std::string& id,
                  std::string& updated, RecordStatus* status) {
  pugi::xml_node record = child_element(owner, "record");
  if (!record) {
    ctx.warn(owner, id, "missing record element (no updated time, no status)");
    return;
  }
  updated = trimmed_attr(record, "updated");
  if (updated.empty()) {
    ctx.warn(record, id, "missing record/@updated");
  } else if (!parse_xsd_datetime(updated)) {
    ctx.warn(record, id, "invalid record/@updated '" + updated + "'");
  }
  if (status == nullptr) return;
  std::string text = trimmed_attr(record, "status");
  if (text.empty()) {
    ctx.warn(record, id, "missing record/@status (treated as active)");
    *status = RecordStatus::unknown;
  } else if (auto s = parse_status(text)) {
    *status = *s;
  } else {
    ctx.warn(record, id, "unknown record/@status '" + text + "' (treated as active)");
    *status = RecordStatus::unknown;
  }
}

}  // namespace

std::optional<RecordStatus> parse_status(std::string_view text) {
  std::string t;
  for (char c : text) t += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (t == "active" || t == "106-001") return RecordStatus::active;
  if (t == "inactive" || t == "106-002" || t == "deceased" || t == "retired") {
    return RecordStatus::inactive;
  }
  return std::nullopt;
}

bool parse_provider(pugi::xml_node node, const RecordContext& ctx, ProviderRecord& p) {
  p.entity_id = entity_id_of(node);
  if (p.entity_id.empty()) {
    ctx.warn(node, "", "provider without entityID or urn skipped");
    return false;
  }
  for_each_element(node, "codedType", [&](pugi::xml_node c) { p.cadres.push_back(coded(c)); });
  pugi::xml_node demo = child_element(node, "demographic");
  for_each_element(demo, "name", [&](pugi::xml_node name) {
    for_each_element(name, "commonName", [&](pugi::xml_node c) {
      std::string v = trimmed_text(c);
      if (!v.empty()) p.common_names.push_back(std::move(v));
    });
    if (p.forename.empty()) p.forename = trimmed_text(child_element(name, "forename"));
    if (p.surname.empty()) p.surname = trimmed_text(child_element(name, "surname"));
  });
  std::map<std::string, int, std::less<>> code_index;  // Contact points seen per code.
  for_each_element(demo, "contactPoint", [&](pugi::xml_node cp) {
    pugi::xml_node type = child_element(cp, "codedType");
    std::string code = trimmed_attr(type, "code");
    auto channel = ctx.phones.channel_of_code(code);
    if (!channel) return;  // Fax, e-mail, a code [registry] contact_point_codes does not name.
    std::string raw = trimmed_text(type);
    std::string which = code + " contact point " + std::to_string(++code_index[code]);
    if (raw.empty()) {
      ctx.warn(cp, p.entity_id, which + " is empty");
      return;
    }
    PhoneNumber phone = ctx.phones.normalize(raw, *channel);
    // Separators of two numbers written in one field; libphonenumber reads neither.
    bool two_numbers = raw.find_first_of("/,;") != std::string::npos || raw.find(" or ") != std::string::npos;
    if (!phone.valid) {
      ctx.warn(cp, p.entity_id,
               which + (*channel == Channel::telegram ? " is not a Telegram chat id (1-15 digits)"
                                                      : " is not a valid number for region " + ctx.phones.region()) +
                   (two_numbers ? " (two numbers in one field? give each its own contactPoint)" : ""));
    } else if (*channel == Channel::sms && !phone.mobile) {
      ctx.warn(cp, p.entity_id, which + " is not a mobile number");
    }
    bool marked = std::any_of(raw.begin(), raw.end(), [](char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '#'; });
    if (phone.valid && *channel != Channel::telegram && marked) {
      if (std::string ext = ctx.phones.extension(raw); !ext.empty()) {
        ctx.warn(cp, p.entity_id, which + ": extension " + ext + " dropped (an SMS reaches " + phone.e164 + " only)");
      }
    }
    p.phones.push_back(std::move(phone));
  });
  address_lines(demo, p.address);
  for_each_element(child_element(node, "organizations"), "organization", [&](pugi::xml_node o) {
    std::string id = entity_id_of(o);
    if (id.empty()) {
      ctx.warn(o, p.entity_id, "organization reference without entityID ignored");
    } else {
      p.organization_ids.push_back(std::move(id));
    }
  });
  for_each_element(child_element(node, "facilities"), "facility", [&](pugi::xml_node f) {
    std::string id = entity_id_of(f);
    if (id.empty()) {
      ctx.warn(f, p.entity_id, "facility reference without entityID ignored");
    } else {
      p.facility_ids.push_back(std::move(id));
    }
  });
  for_each_element(node, "specialty", [&](pugi::xml_node s) { p.skills.push_back(coded(s)); });
  for_each_element(node, "credential", [&](pugi::xml_node c) {
    pugi::xml_node type = child_element(c, "codedType");
    if (type) p.skills.push_back(coded(type));
  });
  parse_record(node, ctx, p.entity_id, p.updated, &p.status);
  return true;
}

bool parse_facility(pugi::xml_node node, const RecordContext& ctx, FacilityRecord& f) {
  f.entity_id = entity_id_of(node);
  if (f.entity_id.empty()) {
    ctx.warn(node, "", "facility without entityID skipped");
    return false;
  }
  f.name = trimmed_text(child_element(node, "primaryName"));
  f.other_ids = other_ids(node);
  for_each_element(node, "codedType", [&](pugi::xml_node c) { f.facility_types.push_back(coded(c)); });
  address_lines(node, f.address);
  for_each_element(child_element(node, "organizations"), "organization", [&](pugi::xml_node o) {
    std::string id = entity_id_of(o);
    if (id.empty()) {
      ctx.warn(o, f.entity_id, "organization reference without entityID ignored");
    } else {
      f.organization_ids.push_back(std::move(id));
    }
  });
  parse_record(node, ctx, f.entity_id, f.updated, nullptr);
  return true;
}

bool parse_organization(pugi::xml_node node, const RecordContext& ctx, OrganizationRecord& o) {
  o.entity_id = entity_id_of(node);
  if (o.entity_id.empty()) {
    ctx.warn(node, "", "organization without entityID skipped");
    return false;
  }
  o.name = trimmed_text(child_element(node, "primaryName"));
  o.other_ids = other_ids(node);
  o.parent_id = entity_id_of(child_element(node, "parent"));
  address_lines(node, o.address);
  parse_record(node, ctx, o.entity_id, o.updated, nullptr);
  return true;
}

CodeList parse_value_set(pugi::xml_node root) {
  CodeList list;
  list.oid = trimmed_attr(root, "id");
  list.name = trimmed_attr(root, "displayName");
  for_each_element(
      root, "ConceptList",
      [&](pugi::xml_node concepts) {
        for_each_element(
            concepts, "Concept",
            [&](pugi::xml_node c) {
              list.codes.push_back(CodedValue{trimmed_attr(c, "code"), trimmed_attr(c, "codeSystem"),
                                              trimmed_attr(c, "displayName")});
            },
            kSvsNamespace);
      },
      kSvsNamespace);
  return list;
}

}  // namespace mhero::registry
