// `/registry`: provider search over the registry view (registry/registry_query.h), paged; and
// `/registry/provider/{id}`: one provider's current record. Read-only; any staff role.
#include <algorithm>
#include <cctype>

#include "console/context.h"
#include "console/page.h"
#include "console/pages.h"
#include "console/pages_corrections.h"
#include "net/url.h"
#include "registry/registry_query.h"

namespace mhero::console {

namespace {

constexpr size_t kPageSize = 50;

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string digits(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c >= '0' && c <= '9') out += c;
  }
  return out;
}

const char* status_text(registry::RecordStatus s) {
  switch (s) {
    case registry::RecordStatus::active: return "active";
    case registry::RecordStatus::inactive: return "inactive";
    case registry::RecordStatus::unknown: break;
  }
  return "unknown";
}

std::string codes_text(const std::vector<registry::CodedValue>& codes) {
  std::string out;
  for (const auto& c : codes) {
    if (!out.empty()) out += ", ";
    out += c.label.empty() ? c.code : c.label;
  }
  return out;
}

struct Search {
  std::string q, phone, cadre, district, facility;
  bool empty() const { return q.empty() && phone.empty() && cadre.empty() && district.empty() && facility.empty(); }
};

bool matches(const registry::ProviderRecord& p, const Search& s,
             const std::unordered_map<std::string, registry::FacilityRecord>& facilities) {
  if (!s.q.empty()) {
    std::string q = lower(s.q);
    bool hit = lower(p.display_name()).find(q) != std::string::npos || lower(p.entity_id).find(q) != std::string::npos;
    for (const auto& n : p.common_names) hit = hit || lower(n).find(q) != std::string::npos;
    if (!hit) return false;
  }
  if (!s.phone.empty()) {
    std::string want = digits(s.phone);
    bool hit = false;
    for (const auto& ph : p.phones) hit = hit || (!want.empty() && digits(ph.e164 + " " + ph.raw).find(want) != std::string::npos);
    if (!hit) return false;
  }
  if (!s.cadre.empty()) {
    std::string want = lower(s.cadre);
    bool hit = false;
    for (const auto& c : p.cadres) hit = hit || lower(c.code) == want || lower(c.label).find(want) != std::string::npos;
    if (!hit) return false;
  }
  if (!s.district.empty() && lower(p.district) != lower(s.district)) return false;
  if (!s.facility.empty()) {
    std::string want = lower(s.facility);
    bool hit = false;
    for (const auto& id : p.facility_ids) {
      auto f = facilities.find(id);
      hit = hit || lower(id) == want || (f != facilities.end() && lower(f->second.name).find(want) != std::string::npos);
    }
    if (!hit) return false;
  }
  return true;
}

std::string facility_names(const registry::ProviderRecord& p,
                           const std::unordered_map<std::string, registry::FacilityRecord>& facilities) {
  std::string out;
  for (const auto& id : p.facility_ids) {
    auto f = facilities.find(id);
    if (!out.empty()) out += ", ";
    out += f != facilities.end() && !f->second.name.empty() ? f->second.name : id;
  }
  return out;
}

void search_form(Html& b, const Search& s) {
  b.open("form", {{"method", "get"}, {"action", "/registry"}, {"id", "registry-search"},
                  {"class", "filters panel"}, {"role", "search"}});
  auto field = [&](const char* name, const char* label, const std::string& value, const char* hint) {
    b.open("div", {{"class", "field"}}).el("label", label, {{"for", std::string("f-") + name}});
    b.empty("input", {{"id", std::string("f-") + name}, {"name", name}, {"type", "search"}, {"value", value},
                      {"placeholder", hint}});
    b.close("div");
  };
  field("q", "Name or entityID", s.q, "e.g. Kollie");
  field("phone", "Phone", s.phone, "e.g. 0770123456");
  field("cadre", "Cadre", s.cadre, "code or name");
  field("district", "District", s.district, "district code");
  field("facility", "Facility", s.facility, "id or name");
  b.el("button", "Search", {{"type", "submit"}, {"id", "registry-search-submit"}});
  b.link("/registry", "Clear");
  b.close("form");
}

net::HttpResponse registry_page(PageRequest& req) {
  Search s{req.query("q"), req.query("phone"), req.query("cadre"), req.query("district"), req.query("facility")};
  size_t page = 1;
  try {
    std::string p = req.query("page");
    if (!p.empty()) page = std::max<size_t>(1, std::stoul(p));
  } catch (const std::exception&) {
    return error_page(req, 400, "Bad page number", "The page number in the address is not a number.",
                      "Use the Next and Previous links below the table.");
  }
  const ViewReader& views = req.console.node().store().views();
  auto facilities = registry::held_facilities(views);
  if (!facilities.ok()) {
    return error_page(req, 500, "The registry cannot be read", facilities.status().message(),
                      "Tell the node's administrator: `mhero log verify` checks the store.");
  }
  std::vector<registry::ProviderRecord> shown;
  size_t total = 0, first = (page - 1) * kPageSize;
  Status scanned = registry::for_each_provider(views, [&](const registry::ProviderRecord& p) {
    if (!matches(p, s, *facilities)) return true;
    if (total >= first && shown.size() < kPageSize) shown.push_back(p);
    ++total;
    return true;
  });
  if (!scanned.ok()) {
    return error_page(req, 500, "The registry cannot be read", scanned.message(),
                      "Tell the node's administrator: `mhero log verify` checks the store.");
  }
  Html b;
  b.el("p", "Health workers (CSD providers) held on this node, with their current values.", {{"class", "lead"}});
  search_form(b, s);
  if (total == 0) {
    b.open("div", {{"class", "notice warn"}, {"role", "status"}, {"id", "registry-empty"}});
    b.el("p", s.empty() ? "This node holds no providers yet. The central node imports them (`mhero registry "
                          "pull` or `import-csd`); a district receives its own by sync or bundle."
                        : "No provider matches this search. Check the spelling, or clear a filter.");
    b.close("div");
    return html_page(req, "Registry", b);
  }
  size_t last = std::min(total, first + shown.size());
  b.open_table_wrap().open("table", {{"id", "providers"}});
  b.el("caption", "Providers " + std::to_string(shown.empty() ? 0 : first + 1) + "–" + std::to_string(last) +
                      " of " + std::to_string(total));
  b.open("thead").open("tr");
  for (const char* h : {"Name", "entityID", "Cadre", "District", "Facility", "Mobile", "Status"}) {
    b.el("th", h, {{"scope", "col"}});
  }
  b.close("tr").close("thead").open("tbody");
  for (const auto& p : shown) {
    b.open("tr").open("th", {{"scope", "row"}});
    b.link("/registry/provider/" + net::url_encode(p.entity_id), p.display_name());
    b.close("th");
    b.el("td", p.entity_id, {{"class", "id"}}).el("td", codes_text(p.cadres)).el("td", p.district.empty() ? "unassigned" : p.district);
    b.el("td", facility_names(p, *facilities)).el("td", p.mobile_e164()).el("td", status_text(p.status));
    b.close("tr");
  }
  b.close("tbody").close("table").close("div");
  b.open("nav", {{"class", "pager"}, {"aria-label", "Pages"}});
  auto page_link = [&](size_t n) {
    return with_query("/registry", {{"q", s.q}, {"phone", s.phone}, {"cadre", s.cadre}, {"district", s.district},
                                    {"facility", s.facility}, {"page", std::to_string(n)}});
  };
  if (page > 1) b.link(page_link(page - 1), "Previous page", {{"id", "page-previous"}, {"rel", "prev"}});
  b.el("span", "Page " + std::to_string(page) + " of " + std::to_string((total + kPageSize - 1) / kPageSize));
  if (last < total) b.link(page_link(page + 1), "Next page", {{"id", "page-next"}, {"rel", "next"}});
  b.close("nav");
  return html_page(req, "Registry", b);
}

void row(Html& b, std::string_view label, std::string_view value) {
  b.el("dt", label).el("dd", value.empty() ? "—" : value);
}

}  // namespace

net::HttpResponse provider_record_page(PageRequest& req, int status, const TypedCorrection* typed) {
  std::string id = req.param("id");
  const ViewReader& views = req.console.node().store().views();
  auto p = registry::find_provider(views, id);
  if (!p.ok() && p.status().code() == StatusCode::not_found) {
    return error_page(req, 404, "Provider not found", "No provider with entityID " + id + " is held on this node.",
                      "Check the ID, or search the registry by name or phone.");
  }
  if (!p.ok()) {
    return error_page(req, 500, "The registry cannot be read", p.status().message(),
                      "Tell the node's administrator: `mhero log verify` checks the store.");
  }
  auto facilities = registry::held_facilities(views);
  Html b;
  b.open("p").link("/registry", "Back to the registry search").close("p");
  b.open("dl", {{"class", "record panel"}, {"id", "provider-record"}});
  row(b, "entityID", p->entity_id);
  row(b, "Forename", p->forename);
  row(b, "Surname", p->surname);
  std::string names;
  for (const auto& n : p->common_names) names += (names.empty() ? "" : "; ") + n;
  row(b, "Common names", names);
  row(b, "Status", status_text(p->status));
  row(b, "Cadre", codes_text(p->cadres));
  row(b, "Skills", codes_text(p->skills));
  row(b, "District", p->district.empty() ? "unassigned" : p->district);
  row(b, "Facilities", facilities.ok() ? facility_names(*p, *facilities) : "");
  std::string orgs;
  for (const auto& o : p->organization_ids) orgs += (orgs.empty() ? "" : ", ") + o;
  row(b, "Organizations", orgs);
  row(b, "Updated in the source (CSD record/@updated)", p->updated);
  b.close("dl");
  b.open_table_wrap().open("table", {{"id", "provider-phones"}});
  b.el("caption", "Phone numbers");
  b.open("thead").open("tr");
  for (const char* h : {"As written", "E.164", "Valid", "Mobile"}) b.el("th", h, {{"scope", "col"}});
  b.close("tr").close("thead").open("tbody");
  for (const auto& ph : p->phones) {
    b.open("tr").el("th", ph.raw, {{"scope", "row"}}).el("td", ph.e164);
    b.el("td", ph.valid ? "yes" : "no").el("td", ph.mobile ? "yes" : "no").close("tr");
  }
  if (p->phones.empty()) b.open("tr").el("td", "No phone number held.", {{"colspan", "4"}}).close("tr");
  b.close("tbody").close("table").close("div");
  correction_section(b, req, *p, typed);
  provenance_section(b, req, *p);
  return html_page(req, p->display_name(), b, status);
}

namespace {

net::HttpResponse provider_page(PageRequest& req) { return provider_record_page(req, 200, nullptr); }

}  // namespace

void add_registry_pages(Router& router) {
  router.add("GET", "/registry", StaffRole::viewer, registry_page);
  router.add("GET", "/registry/provider/{id}", StaffRole::viewer, provider_page);
  router.add_nav("Registry", "/registry", StaffRole::viewer,
                 "Search health workers by name, entityID, cadre, district, facility or phone.");
}

}  // namespace mhero::console
