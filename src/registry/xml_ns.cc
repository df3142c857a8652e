#include "registry/xml_ns.h"

#include <cstring>

namespace mhero::registry {

std::string_view local_name(pugi::xml_node node) {
  std::string_view name = node.name();
  auto colon = name.find(':');
  return colon == std::string_view::npos ? name : name.substr(colon + 1);
}

std::string_view namespace_uri(pugi::xml_node node) {
  std::string_view name = node.name();
  auto colon = name.find(':');
  std::string_view prefix = colon == std::string_view::npos ? std::string_view() : name.substr(0, colon);
  for (pugi::xml_node n = node; n && n.type() == pugi::node_element; n = n.parent()) {
    for (pugi::xml_attribute a = n.first_attribute(); a; a = a.next_attribute()) {
      std::string_view an = a.name();
      if (!an.starts_with("xmlns")) continue;
      if (prefix.empty() ? an.size() == 5 : (an.size() == 6 + prefix.size() && an[5] == ':' && an.substr(6) == prefix)) {
        return a.value();
      }
    }
  }
  return {};
}

bool is_element(pugi::xml_node node, std::string_view local, std::string_view ns) {
  if (local_name(node) != local) return false;
  std::string_view uri = namespace_uri(node);
  return uri == ns || uri.empty();
}

pugi::xml_node child_element(pugi::xml_node parent, std::string_view local, std::string_view ns) {
  for (pugi::xml_node c = parent.first_child(); c; c = c.next_sibling()) {
    if (c.type() == pugi::node_element && is_element(c, local, ns)) return c;
  }
  return {};
}

std::string trim(std::string_view s) {
  const char* ws = " \t\r\n";
  auto b = s.find_first_not_of(ws);
  if (b == std::string_view::npos) return {};
  auto e = s.find_last_not_of(ws);
  return std::string(s.substr(b, e - b + 1));
}

std::string trimmed_text(pugi::xml_node node) { return trim(node.child_value()); }

std::string trimmed_attr(pugi::xml_node node, const char* name) {
  return trim(node.attribute(name).value());
}

}  // namespace mhero::registry
