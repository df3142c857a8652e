#include "registry/csd_export.h"

#include <pugixml.hpp>

#include <map>
#include <sstream>

#include "registry/correction_query.h"
#include "registry/datetime.h"
#include "registry/registry_query.h"

namespace mhero::registry {

namespace {

std::string xsd_of_ms(int64_t ms) {
  return format_xsd_datetime(std::chrono::sys_seconds(std::chrono::seconds(ms / 1000)));
}

void coded(pugi::xml_node parent, const char* name, const CodedValue& v) {
  auto c = parent.append_child(name);
  c.append_attribute("code") = v.code.c_str();
  c.append_attribute("codingScheme") = v.coding_scheme.c_str();
  if (!v.label.empty()) c.text() = v.label.c_str();
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

}  // namespace

Result<std::vector<ExportedCorrection>> accepted_since(const LogStore& store, std::chrono::milliseconds since) {
  const ViewReader& views = store.views();
  CorrectionFilter f;
  f.state = CorrectionState::accepted;
  MHERO_ASSIGN_OR_RETURN(auto list, list_corrections(views, f));
  std::vector<ExportedCorrection> out;
  for (auto& c : list) {
    if (c.decision->decided_at_ms < since.count()) continue;
    auto p = find_provider(views, c.entity_id);
    if (!p.ok()) {
      if (p.status().code() == StatusCode::not_found) continue;
      return p.status();
    }
    MHERO_ASSIGN_OR_RETURN(auto base, provider_in_entry(store, c.based_on, c.entity_id));
    out.push_back(ExportedCorrection{std::move(c), std::move(p).value(), std::move(base)});
  }
  std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return a.correction.decision->decided_at_ms < b.correction.decision->decided_at_ms;
  });
  return out;
}

std::string csd_document(const std::vector<ExportedCorrection>& items) {
  std::map<std::string, const ExportedCorrection*> latest;  // entityID order; later decision wins.
  for (const auto& i : items) latest[i.record.entity_id] = &i;
  pugi::xml_document doc;
  auto decl = doc.append_child(pugi::node_declaration);
  decl.append_attribute("version") = "1.0";
  decl.append_attribute("encoding") = "UTF-8";
  auto csd = doc.append_child("CSD");
  csd.append_attribute("xmlns") = "urn:ihe:iti:csd:2013";
  csd.append_child("organizationDirectory");
  csd.append_child("serviceDirectory");
  csd.append_child("facilityDirectory");
  auto dir = csd.append_child("providerDirectory");
  for (const auto& [id, item] : latest) {
    const ProviderRecord& p = item->record;
    auto prov = dir.append_child("provider");
    prov.append_attribute("entityID") = p.entity_id.c_str();
    for (const auto& c : p.cadres) coded(prov, "codedType", c);
    auto demo = prov.append_child("demographic");
    auto name = demo.append_child("name");
    for (const auto& n : p.common_names) name.append_child("commonName").text() = n.c_str();
    if (!p.forename.empty()) name.append_child("forename").text() = p.forename.c_str();
    if (!p.surname.empty()) name.append_child("surname").text() = p.surname.c_str();
    for (const auto& ph : p.phones) {
      auto type = demo.append_child("contactPoint").append_child("codedType");
      // CSD's own code for a phone; other channels by their name, which every import reads back.
      type.append_attribute("code") = ph.channel == Channel::sms ? "BP" : std::string(channel_name(ph.channel)).c_str();
      type.append_attribute("codingScheme") = "urn:ihe:iti:csd:2013:contactPoint";
      type.text() = (ph.e164.empty() ? ph.raw : ph.e164).c_str();
    }
    if (!p.organization_ids.empty()) {
      auto orgs = prov.append_child("organizations");
      for (const auto& o : p.organization_ids) orgs.append_child("organization").append_attribute("entityID") = o.c_str();
    }
    if (!p.facility_ids.empty()) {
      auto facs = prov.append_child("facilities");
      for (const auto& f : p.facility_ids) facs.append_child("facility").append_attribute("entityID") = f.c_str();
    }
    for (const auto& s : p.skills) coded(prov, "specialty", s);
    auto record = prov.append_child("record");
    std::string updated = xsd_of_ms(item->correction.decision->decided_at_ms);
    record.append_attribute("created") = (p.updated.empty() ? updated : p.updated).c_str();
    record.append_attribute("updated") = updated.c_str();
    record.append_attribute("status") = p.status == RecordStatus::inactive ? "Inactive" : "Active";
    record.append_attribute("sourceDirectory") = ("mhero-correction:" + item->correction.id).c_str();
  }
  std::ostringstream out;
  doc.save(out, "  ", pugi::format_default, pugi::encoding_utf8);
  return out.str();
}

std::string corrections_csv(const std::vector<ExportedCorrection>& items) {
  std::string out = "correction,entityID,name,district,field,old value,new value,reviewer,decided (UTC),note\n";
  for (const auto& i : items) {
    const Correction& c = i.correction;
    for (const auto& f : c.change.fields()) {
      std::vector<std::string> row = {c.id, c.entity_id, i.record.display_name(), i.record.district, f,
                                      i.base ? field_value(*i.base, f) : "", proposed_value(c, f),
                                      c.decision->reviewer, xsd_of_ms(c.decision->decided_at_ms), c.note};
      for (size_t k = 0; k < row.size(); ++k) out += (k ? "," : "") + csv_field(row[k]);
      out += "\n";
    }
  }
  return out;
}

}  // namespace mhero::registry
