// Namespace-aware element matching on top of pugixml (which ignores namespaces). CSD documents
// come with the CSD namespace as default (`<CSD xmlns="urn:ihe:iti:csd:2013">`), with a prefix
// (`<csd:CSD xmlns:csd="…">`), or from sloppy exporters with no namespace at all; all three match.
#pragma once

#include <pugixml.hpp>

#include <string>
#include <string_view>

namespace mhero::registry {

inline constexpr std::string_view kCsdNamespace = "urn:ihe:iti:csd:2013";
inline constexpr std::string_view kSvsNamespace = "urn:ihe:iti:svs:2008";

/// The part of the element name after the prefix ("csd:provider" -> "provider").
std::string_view local_name(pugi::xml_node node);
/// The namespace URI bound to the node's prefix (searching xmlns declarations up the tree);
/// empty when none is declared.
std::string_view namespace_uri(pugi::xml_node node);
/// True when `node` is an element named `local` in namespace `ns` (or in no namespace at all).
bool is_element(pugi::xml_node node, std::string_view local, std::string_view ns = kCsdNamespace);
/// First child element matching is_element, or an empty node.
pugi::xml_node child_element(pugi::xml_node parent, std::string_view local,
                             std::string_view ns = kCsdNamespace);
/// Calls fn(child) for every child element matching is_element.
template <typename Fn>
void for_each_element(pugi::xml_node parent, std::string_view local, Fn&& fn,
                      std::string_view ns = kCsdNamespace) {
  for (pugi::xml_node c = parent.first_child(); c; c = c.next_sibling()) {
    if (c.type() == pugi::node_element && is_element(c, local, ns)) fn(c);
  }
}
/// Text content with surrounding whitespace removed.
std::string trimmed_text(pugi::xml_node node);
/// Attribute value with surrounding whitespace removed (empty when absent).
std::string trimmed_attr(pugi::xml_node node, const char* name);
std::string trim(std::string_view s);

}  // namespace mhero::registry
