// The provenance part of the provider record page (registry/provenance.h): the chain from the
// value's source to this node, newest first, as an ordered list (time, step, what happened).
#include "console/context.h"
#include "console/page.h"
#include "console/pages_corrections.h"
#include "registry/provenance.h"

namespace mhero::console {

void provenance_section(Html& b, PageRequest& req, const registry::ProviderRecord& record) {
  Node& node = req.console.node();
  b.open("section", {{"class", "panel"}, {"id", "provider-provenance"}, {"aria-labelledby", "provenance-h"}});
  b.el("h2", "Where this record came from", {{"id", "provenance-h"}});
  auto chain = registry::record_provenance(node.store(), node.id(), registry::RecordKind::provider, record.entity_id);
  if (!chain.ok()) {
    b.el("p", "Provenance cannot be read: " + chain.status().message());
    b.close("section");
    return;
  }
  b.el("p", "Newest first.", {{"class", "hint"}});
  b.open("ol", {{"id", "provenance-chain"}});
  for (const auto& s : *chain) {
    b.open("li", {{"data-step", s.step}});
    b.el("strong", s.at_ms ? display_time(s.at_ms) : std::string("—")).text(" — " + s.text);
    b.close("li");
  }
  b.close("ol").close("section");
}

}  // namespace mhero::console
