#include "registry/csd_parser.h"

#include <sodium.h>


#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <future>
#include <sstream>
#include <thread>
#include <unordered_map>

#include "registry/csd_records.h"
#include "registry/xml_ns.h"

namespace mhero::registry {

namespace {

/// Offsets of line starts, to turn pugixml byte offsets into line:column.
class LineIndex {
 public:
  explicit LineIndex(std::string_view text) {
    starts_.push_back(0);
    for (size_t i = text.find('\n'); i != std::string_view::npos; i = text.find('\n', i + 1)) {
      starts_.push_back(i + 1);
    }
  }
  std::pair<size_t, size_t> locate(ptrdiff_t offset) const {
    size_t off = offset < 0 ? 0 : static_cast<size_t>(offset);
    auto it = std::upper_bound(starts_.begin(), starts_.end(), off);
    size_t line = static_cast<size_t>(it - starts_.begin());
    return {line, off - starts_[line - 1] + 1};
  }

 private:
  std::vector<size_t> starts_;
};

/// Keeps the last record per entityID, warning about repeats.
template <typename Record>
void dedupe(std::vector<Record>& records, std::vector<RecordWarning>& warnings, const char* kind) {
  std::unordered_map<std::string, size_t> seen;
  std::vector<Record> out;
  out.reserve(records.size());
  for (auto& r : records) {
    auto [it, fresh] = seen.emplace(r.entity_id, out.size());
    if (fresh) {
      out.push_back(std::move(r));
    } else {
      warnings.push_back(RecordWarning{r.entity_id,
                                       std::string("duplicate ") + kind +
                                           " entityID: the later record replaces the earlier",
                                       ""});
      out[it->second] = std::move(r);
    }
  }
  records = std::move(out);
}

/// Providers whose parse one thread takes on; fewer go on the calling thread alone.
constexpr size_t kProvidersPerThread = 2000;

/// Parses `nodes` into out.providers and out.warnings in document order. Large directories are
/// cut into contiguous slices parsed on up to 4 threads (libphonenumber's E.164 parse is most of
/// the cost; the DOM is only read, PhoneNormalizer is thread-safe), each with its own records
/// and warnings, joined in slice order: the same result as one thread.
void parse_providers(const std::vector<pugi::xml_node>& nodes, const RecordContext& ctx, CsdDocument& out) {
  size_t threads = std::clamp<size_t>(std::thread::hardware_concurrency(), 1, 4);
  threads = std::min(threads, std::max<size_t>(1, nodes.size() / kProvidersPerThread));
  struct Slice {
    std::vector<ProviderRecord> providers;
    std::vector<RecordWarning> warnings;
  };
  auto parse_slice = [&](size_t begin, size_t end, Slice& slice) {
    RecordContext local{ctx.phones, slice.warnings, ctx.where};
    slice.providers.reserve(end - begin);
    for (size_t i = begin; i < end; ++i) {
      ProviderRecord r;
      if (parse_provider(nodes[i], local, r)) slice.providers.push_back(std::move(r));
    }
  };
  std::vector<Slice> slices(threads);
  std::vector<std::future<void>> running;
  size_t per = (nodes.size() + threads - 1) / threads;
  for (size_t t = 1; t < threads; ++t) {
    size_t begin = std::min(nodes.size(), t * per), end = std::min(nodes.size(), begin + per);
    running.push_back(std::async(std::launch::async, parse_slice, begin, end, std::ref(slices[t])));
  }
  parse_slice(0, std::min(nodes.size(), per), slices[0]);
  for (auto& r : running) r.get();  // Rethrows what a slice threw (std::bad_alloc).
  out.providers.reserve(out.providers.size() + nodes.size());
  for (auto& slice : slices) {
    std::move(slice.providers.begin(), slice.providers.end(), std::back_inserter(out.providers));
    std::move(slice.warnings.begin(), slice.warnings.end(), std::back_inserter(out.warnings));
  }
}

}  // namespace

Result<CsdDocument> parse_csd_text(std::string text, const std::string& name,
                                   const PhoneNormalizer& phones) {
  if (text.find_first_not_of(" \t\r\n") == std::string::npos) {
    return invalid_argument(name + ": the file is empty (" + std::to_string(text.size()) +
                            " bytes): give the CSD XML document, e.g. OpenInfoMan's export of the directory, or "
                            "fetch it with `mhero registry pull` (nothing imported)");
  }
  LineIndex lines(text);
  const size_t last_tag_end = text.rfind('>');  // Read before the in-place parse overwrites text.
  pugi::xml_document doc;
  pugi::xml_parse_result parsed =
      doc.load_buffer_inplace(text.data(), text.size(), pugi::parse_default | pugi::parse_doctype,
                              pugi::encoding_auto);
  if (!parsed) {
    auto [line, col] = lines.locate(parsed.offset);
    std::string where = name + ":" + std::to_string(line) + ":" + std::to_string(col) + ": ";
    // A document cut short fails where pugixml was reading when the bytes ran out ("Start-end
    // tags mismatch" for an element left open, an attribute error inside a cut tag): no tag is
    // closed after that point. Say what that most likely means.
    if (last_tag_end != std::string::npos && static_cast<size_t>(parsed.offset) > last_tag_end) {  // Not a file with no tag at all (CSV, JSON).
      return invalid_argument(where + "the document ends before its elements are closed (" + parsed.description() +
                              "): the file looks truncated, as by an interrupted download or copy; fetch or "
                              "copy it again (nothing imported)");
    }
    if (last_tag_end == std::string::npos) {  // No tag at all: a CSV or JSON file given by mistake.
      return invalid_argument(name + ": this is not XML (" + parsed.description() +
                              "; no tag in the whole file: a CSV or JSON file?): give the CSD XML document, e.g. "
                              "OpenInfoMan's export of the directory (nothing imported)");
    }
    return invalid_argument(where + "not well-formed XML: " + parsed.description() +
                            "; correct the file at that place or export it again (nothing imported)");
  }
  // CSD and SVS documents carry no DTD. pugixml never expands a DTD's entities, so one would
  // leave "&name;" text in ids and names: refuse the document instead.
  for (pugi::xml_node n = doc.first_child(); n; n = n.next_sibling()) {
    if (n.type() != pugi::node_doctype) continue;
    auto [line, col] = lines.locate(static_cast<size_t>(n.offset_debug()));
    return invalid_argument(name + ":" + std::to_string(line) + ":" + std::to_string(col) +
                            ": a DOCTYPE (DTD) is not accepted in a CSD document (nothing imported)");
  }
  CsdDocument out;
  pugi::xml_node root = doc.document_element();
  RecordContext ctx{phones, out.warnings, [&](pugi::xml_node n) {
                      return name + ":" + std::to_string(lines.locate(n.offset_debug()).first);
                    }};
  if (is_element(root, "ValueSet", kSvsNamespace)) {
    out.code_lists.push_back(parse_value_set(root));
    return out;
  }
  if (!is_element(root, "CSD")) {
    std::string_view uri = namespace_uri(root);
    return invalid_argument(name + ": root element is '" + std::string(root.name()) + "'" +
                            (uri.empty() ? std::string(" (no namespace)")
                                         : " in namespace '" + std::string(uri) + "'") +
                            ", expected CSD in urn:ihe:iti:csd:2013 (or an SVS ValueSet in " +
                            std::string(kSvsNamespace) + "): is this the registry's CSD export? (nothing imported)");
  }
  for_each_element(child_element(root, "organizationDirectory"), "organization",
                   [&](pugi::xml_node n) {
                     OrganizationRecord r;
                     if (parse_organization(n, ctx, r)) out.organizations.push_back(std::move(r));
                   });
  for_each_element(child_element(root, "serviceDirectory"), "service",
                   [&](pugi::xml_node) { ++out.services; });
  for_each_element(child_element(root, "facilityDirectory"), "facility", [&](pugi::xml_node n) {
    FacilityRecord r;
    if (parse_facility(n, ctx, r)) out.facilities.push_back(std::move(r));
  });
  std::vector<pugi::xml_node> provider_nodes;
  for_each_element(child_element(root, "providerDirectory"), "provider",
                   [&](pugi::xml_node n) { provider_nodes.push_back(n); });
  parse_providers(provider_nodes, ctx, out);
  dedupe(out.organizations, out.warnings, "organization");
  dedupe(out.facilities, out.warnings, "facility");
  dedupe(out.providers, out.warnings, "provider");
  set_source(out, "csd:" + std::filesystem::path(name).filename().string());
  return out;
}

void set_source(CsdDocument& doc, const std::string& source) {
  for (auto& r : doc.providers) r.source = source;
  for (auto& r : doc.facilities) r.source = source;
  for (auto& r : doc.organizations) r.source = source;
}

namespace {

// "cannot read PATH: No such file or directory (nothing imported)": the reason from errno, as
// std::ifstream's failure left it.
Status csd_cannot_read(const std::filesystem::path& path) {
  int err = errno;
  std::string why = err != 0 ? std::strerror(err) : "unreadable";
  return not_found("cannot read " + path.string() + ": " + why + " (nothing imported)");
}

}  // namespace

Result<CsdDocument> parse_csd_file(const std::filesystem::path& path, const PhoneNormalizer& phones) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    return invalid_argument(path.string() + " is a directory: name the CSD files in it (e.g. " +
                            (path / "*.xml").string() + ")");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return csd_cannot_read(path);
  std::ostringstream buf;
  buf << in.rdbuf();
  return parse_csd_text(std::move(buf).str(), path.string(), phones);
}

void merge_documents(CsdDocument& into, CsdDocument&& from) {
  auto append = [](auto& a, auto& b) {
    a.insert(a.end(), std::make_move_iterator(b.begin()), std::make_move_iterator(b.end()));
  };
  append(into.providers, from.providers);
  append(into.facilities, from.facilities);
  append(into.organizations, from.organizations);
  append(into.code_lists, from.code_lists);
  append(into.warnings, from.warnings);
  append(into.removed_providers, from.removed_providers);
  append(into.removed_facilities, from.removed_facilities);
  append(into.removed_organizations, from.removed_organizations);
  into.services += from.services;
  dedupe(into.organizations, into.warnings, "organization");
  dedupe(into.facilities, into.warnings, "facility");
  dedupe(into.providers, into.warnings, "provider");
}

}  // namespace mhero::registry

namespace mhero::registry {

void set_origin(CsdDocument& doc, const std::string& origin) {
  for (auto& p : doc.providers) p.origin = origin;
  for (auto& f : doc.facilities) f.origin = origin;
}

Result<std::string> file_origin(const std::filesystem::path& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    return invalid_argument(path.string() + " is a directory: name the CSD files in it (e.g. " +
                            (path / "*.xml").string() + ")");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return csd_cannot_read(path);
  crypto_hash_sha256_state state;
  crypto_hash_sha256_init(&state);
  char buf[65536];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    crypto_hash_sha256_update(&state, reinterpret_cast<const unsigned char*>(buf), static_cast<unsigned long long>(in.gcount()));
  }
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256_final(&state, digest);
  static const char* hex = "0123456789abcdef";
  std::string out = "file " + path.filename().string() + " sha256:";
  for (unsigned char c : digest) {
    out += hex[c >> 4];
    out += hex[c & 15];
  }
  return out;
}

}  // namespace mhero::registry
