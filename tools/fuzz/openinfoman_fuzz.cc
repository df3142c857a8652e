// Fuzz target: an OpenInfoMan careServicesRequest reply as the central node's pull handles it
// (integrations/openinfoman_pull.cc): the CSD parse, the newest record/@updated (the next
// pull's LAST), and district scoping of every record (registry/district.h, as the import does,
// with both the authority and the address rules on; organization parents may form cycles).
#include <unordered_map>

#include "fuzz_support.h"
#include "registry/csd_parser.h"
#include "registry/datetime.h"
#include "registry/district.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace mhero;
  static const registry::PhoneNormalizer phones("LR");
  auto doc = registry::parse_csd_text(std::string(fuzz::as_text(data, size)),
                                      "http://openinfoman/CSD/csr/Providers/careServicesRequest", phones);
  if (!doc.ok()) return 0;
  auto newest = [](const auto& records) {
    std::optional<std::chrono::sys_seconds> best;
    for (const auto& r : records) {
      auto t = registry::parse_xsd_datetime(r.updated);
      if (t && (!best || *t > *best)) best = t;
    }
    return best;
  };
  (void)newest(doc->providers);
  (void)newest(doc->facilities);
  (void)newest(doc->organizations);
  registry::DistrictRules rules;
  rules.address_component = "district";
  std::unordered_map<std::string, const registry::FacilityRecord*> facilities;
  std::unordered_map<std::string, const registry::OrganizationRecord*> organizations;
  for (const auto& f : doc->facilities) facilities[f.entity_id] = &f;
  for (const auto& o : doc->organizations) organizations[o.entity_id] = &o;
  registry::DistrictResolver resolver(rules, facilities, organizations);
  for (const auto& o : doc->organizations) (void)resolver.organization_district(o.entity_id);
  for (const auto& f : doc->facilities) (void)resolver.facility_district(f.entity_id);
  for (const auto& p : doc->providers) (void)resolver.provider_district(p);
  return 0;
}
