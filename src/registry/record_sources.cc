#include "registry/record_sources.h"

#include <algorithm>

namespace mhero::registry {

std::string_view source_kind(std::string_view source) { return source.substr(0, source.find(':')); }

std::vector<std::string> split_sources(std::string_view sources) {
  std::vector<std::string> out;
  while (!sources.empty()) {
    size_t space = sources.find(' ');
    std::string_view one = sources.substr(0, space);
    if (!one.empty()) out.emplace_back(one);
    if (space == std::string_view::npos) break;
    sources.remove_prefix(space + 1);
  }
  return out;
}

namespace {

std::string join_distinct(std::vector<std::string> sources) {
  std::sort(sources.begin(), sources.end());
  sources.erase(std::unique(sources.begin(), sources.end()), sources.end());
  std::string out;
  for (const auto& s : sources) out += (out.empty() ? "" : " ") + s;
  return out;
}

}  // namespace

std::string merge_sources(std::string_view held, const std::string& incoming) {
  if (incoming.empty()) return std::string(held);
  std::vector<std::string> out{incoming};
  for (auto& s : split_sources(held)) {
    if (source_kind(s) != source_kind(incoming) && !source_kind(s).empty()) out.push_back(std::move(s));
  }
  return join_distinct(std::move(out));
}

bool same_source_kinds(std::string_view a, std::string_view b) {
  auto kinds = [](std::string_view sources) {
    std::vector<std::string> out;
    for (const auto& s : split_sources(sources)) out.emplace_back(source_kind(s));
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
  };
  return kinds(a) == kinds(b);
}

std::string drop_source_kind(std::string_view held, std::string_view kind) {
  std::vector<std::string> out;
  for (auto& s : split_sources(held)) {
    if (source_kind(s) != kind) out.push_back(std::move(s));
  }
  return join_distinct(std::move(out));
}

}  // namespace mhero::registry
