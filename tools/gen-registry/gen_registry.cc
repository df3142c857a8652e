#include "gen_registry.h"

#include <array>
#include <cstdio>

namespace mhero::tools {

namespace {

/// splitmix64: a tiny deterministic generator (std distributions differ across libraries).
class Rng {
 public:
  explicit Rng(uint64_t seed) : s_(seed) {}
  uint64_t next() {
    uint64_t z = (s_ += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  size_t below(size_t n) { return static_cast<size_t>(next() % n); }
  double unit() { return static_cast<double>(next() >> 11) / 9007199254740992.0; }

 private:
  uint64_t s_;
};

struct Cadre {
  const char* code;
  const char* label;
  unsigned weight;
  std::array<const char*, 3> skills;
};

constexpr const char* kCadreScheme = "urn:mhero:lr:cadre";
constexpr const char* kSkillScheme = "urn:mhero:lr:skill";

const std::array<Cadre, 8> kCadres = {{
    {"RN", "Registered nurse", 22, {"IMCI", "EPI", "HIV-CARE"}},
    {"CM", "Certified midwife", 14, {"EMONC", "FP", "ANC"}},
    {"CHA", "Community health assistant", 30, {"ICCM", "EBOLA-IPC", "MALARIA-RDT"}},
    {"PA", "Physician assistant", 10, {"IMCI", "TB-DOTS", "MHGAP"}},
    {"LT", "Laboratory technician", 8, {"MALARIA-RDT", "TB-MICROSCOPY", "HIV-TEST"}},
    {"MD", "Medical doctor", 4, {"SURGERY", "EMONC", "PAEDIATRICS"}},
    {"PH", "Pharmacist", 5, {"SUPPLY-CHAIN", "FP", "HIV-CARE"}},
    {"EHT", "Environmental health technician", 7, {"EBOLA-IPC", "WASH", "SURVEILLANCE"}},
}};

const std::array<const char*, 24> kForenames = {
    "Korto", "Musu", "Fatu", "Comfort", "Esther", "Mary", "Ma-Hawa", "Yassah", "Garmai", "Oretha", "Josephine", "Patience",
    "James", "Moses", "Joseph", "Samuel", "Emmanuel", "Prince", "Varney", "Momo", "Alieu", "Augustine", "Isaac", "Boakai"};
const std::array<const char*, 20> kSurnames = {
    "Flomo", "Kollie", "Kamara", "Sirleaf", "Johnson", "Doe", "Taylor", "Weah", "Gbowee", "Kpoto",
    "Toe", "Massaquoi", "Sumo", "Kromah", "Dolo", "Zinnah", "Wesseh", "Tarr", "Mulbah", "Nyumah"};
const std::array<const char*, 15> kCounties = {
    "Bomi", "Bong", "Gbarpolu", "Grand Bassa", "Grand Cape Mount", "Grand Gedeh", "Grand Kru", "Lofa",
    "Margibi", "Maryland", "Montserrado", "Nimba", "River Cess", "River Gee", "Sinoe"};

std::string uuid(uint64_t seed, char kind, size_t index) {
  Rng r(seed * 1000003ull + static_cast<uint64_t>(kind) * 7919ull + index);
  uint64_t a = r.next(), b = r.next();
  char buf[48];
  std::snprintf(buf, sizeof buf, "urn:uuid:%08x-%04x-4%03x-%04x-%012llx", static_cast<unsigned>(a >> 32),
                static_cast<unsigned>((a >> 16) & 0xffff), static_cast<unsigned>(a & 0xfff),
                static_cast<unsigned>(0x8000 | ((b >> 48) & 0x3fff)),
                static_cast<unsigned long long>(b & 0xffffffffffffull));
  return buf;
}

/// Writes elements with or without the csd: prefix.
struct Xml {
  std::ostream& out;
  const char* p;  // "" or "csd:".
  void open(const char* name, const std::string& attrs = "") {
    out << '<' << p << name << attrs << '>';
  }
  void close(const char* name) { out << "</" << p << name << '>'; }
  void empty(const char* name, const std::string& attrs) { out << '<' << p << name << attrs << "/>"; }
  void text(const char* name, const std::string& attrs, const std::string& value) {
    open(name, attrs);
    out << value;
    close(name);
  }
};

std::string attr(const char* name, const std::string& value) { return std::string(" ") + name + "=\"" + value + "\""; }

}  // namespace

std::string generated_district_code(size_t index) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "D%02zu", index + 1);
  return buf;
}

std::string generated_provider_id(uint64_t seed, size_t index) { return uuid(seed, 'p', index); }

GenRegistryCounts generate_registry(const GenRegistryOptions& o, std::ostream& out) {
  GenRegistryCounts counts;
  Rng rng(o.seed);
  Xml x{out, o.prefixed ? "csd:" : ""};
  out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  x.open("CSD", o.prefixed ? attr("xmlns:csd", "urn:ihe:iti:csd:2013") : attr("xmlns", "urn:ihe:iti:csd:2013"));
  out << "\n";
  std::string record = "<" + std::string(x.p) + "record created=\"2015-06-01T00:00:00+00:00\" updated=\"" +
                       o.updated + "\" status=\"Active\" sourceDirectory=\"http://ihris.moh.gov.lr\"/>";
  // Organizations: ministry, one county health team per district, one district health team each.
  std::string moh = uuid(o.seed, 'm', 0);
  std::vector<std::string> dht(o.districts);
  x.open("organizationDirectory");
  out << "\n";
  x.open("organization", attr("entityID", moh));
  x.text("primaryName", "", "Ministry of Health");
  out << record;
  x.close("organization");
  out << "\n";
  ++counts.organizations;
  for (size_t d = 0; d < o.districts; ++d) {
    std::string cht = uuid(o.seed, 'c', d);
    dht[d] = uuid(o.seed, 'd', d);
    std::string county = kCounties[d % kCounties.size()];
    if (d >= kCounties.size()) county += " " + std::to_string(d / kCounties.size() + 1);
    x.open("organization", attr("entityID", cht));
    x.empty("otherID", attr("assigningAuthorityName", o.district_authority) + attr("code", generated_district_code(d)));
    x.text("primaryName", "", county + " County Health Team");
    x.empty("parent", attr("entityID", moh));
    out << record;
    x.close("organization");
    out << "\n";
    x.open("organization", attr("entityID", dht[d]));
    x.text("primaryName", "", county + " District Health Team");
    x.empty("parent", attr("entityID", cht));
    out << record;
    x.close("organization");
    out << "\n";
    counts.organizations += 2;
  }
  x.close("organizationDirectory");
  out << "\n";
  x.empty("serviceDirectory", "");
  out << "\n";
  // Facilities.
  std::vector<std::string> facilities;
  x.open("facilityDirectory");
  out << "\n";
  const char* kinds[] = {"Clinic", "Health Center", "Hospital", "Community Health Post"};
  for (size_t d = 0; d < o.districts; ++d) {
    for (size_t f = 0; f < o.facilities_per_district; ++f) {
      std::string id = uuid(o.seed, 'f', facilities.size());
      facilities.push_back(id);
      const char* kind = kinds[rng.below(4)];
      x.open("facility", attr("entityID", id));
      x.text("codedType", attr("code", "103-" + std::to_string(100 + rng.below(20))) + attr("codingScheme", "1.3.6.1.4.1.21367.100.1"), kind);
      x.text("primaryName", "", std::string(kSurnames[rng.below(kSurnames.size())]) + " Town " + kind);
      x.open("organizations");
      x.empty("organization", attr("entityID", dht[d]));
      x.close("organizations");
      out << record;
      x.close("facility");
      out << "\n";
    }
  }
  counts.facilities = facilities.size();
  x.close("facilityDirectory");
  out << "\n";
  // Providers.
  unsigned total_weight = 0;
  for (const auto& c : kCadres) total_weight += c.weight;
  x.open("providerDirectory");
  out << "\n";
  for (size_t i = 0; i < o.providers; ++i) {
    size_t pick = rng.below(total_weight);
    const Cadre* cadre = &kCadres[0];
    for (const auto& c : kCadres) {
      if (pick < c.weight) {
        cadre = &c;
        break;
      }
      pick -= c.weight;
    }
    std::string forename = kForenames[rng.below(kForenames.size())];
    std::string surname = kSurnames[rng.below(kSurnames.size())];
    size_t facility = facilities.empty() ? 0 : rng.below(facilities.size());
    char phone[24];
    std::snprintf(phone, sizeof phone, "0%s%07llu", rng.below(2) ? "77" : "88",
                  static_cast<unsigned long long>(rng.below(10000000)));
    std::string phone_text = phone;
    std::string status = rng.below(40) == 0 ? "Inactive" : "Active";
    std::string updated = o.updated;
    bool status_missing = false, no_facility = false, empty_facility = false;
    if (rng.unit() < o.messy_fraction) {
      ++counts.messy;
      switch (rng.below(6)) {
        case 0: phone_text = "44.44.44"; ++counts.without_mobile; break;
        case 1: updated = "0000-00-00T00:00:00"; break;
        case 2: status_missing = true; break;
        case 3: status = status == "Active" ? "106-001" : "106-002"; break;
        case 4: empty_facility = true; no_facility = true; ++counts.unassigned; break;
        default: phone_text = "021 234 567"; ++counts.without_mobile; break;  // Fixed line.
      }
    }
    if (!status_missing && (status == "Inactive" || status == "106-002")) ++counts.inactive;
    x.open("provider", attr("entityID", uuid(o.seed, 'p', i)));
    x.empty("otherID", attr("assigningAuthorityName", "ihris.moh.gov.lr") + attr("code", std::to_string(100000 + i)));
    x.text("codedType", attr("code", cadre->code) + attr("codingScheme", kCadreScheme), cadre->label);
    x.open("demographic");
    x.open("name");
    x.text("commonName", "", surname + ", " + forename);
    x.text("forename", "", forename);
    x.text("surname", "", surname);
    x.close("name");
    x.open("contactPoint");
    x.text("codedType", attr("code", "BP") + attr("codingScheme", "urn:ihe:iti:csd:2013:contactPoint"), phone_text);
    x.close("contactPoint");
    x.text("gender", "", rng.below(2) ? "F" : "M");
    x.close("demographic");
    if (!no_facility || empty_facility) {
      x.open("facilities");
      x.empty("facility", attr("entityID", empty_facility ? "" : facilities[facility]));
      x.close("facilities");
    }
    x.empty("specialty", attr("code", cadre->skills[rng.below(3)]) + attr("codingScheme", kSkillScheme));
    x.open("credential");
    x.empty("codedType", attr("code", std::string(cadre->code) + "-LICENSE") + attr("codingScheme", kSkillScheme));
    x.close("credential");
    std::string rec = "<" + std::string(x.p) + "record updated=\"" + updated + "\"";
    if (!status_missing) rec += " status=\"" + status + "\"";
    out << rec << "/>";
    x.close("provider");
    out << "\n";
  }
  counts.providers = o.providers;
  x.close("providerDirectory");
  out << "\n";
  x.close("CSD");
  out << "\n";
  return counts;
}

}  // namespace mhero::tools
