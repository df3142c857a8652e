#include "registry/pull_refusal.h"

#include <nlohmann/json.hpp>

namespace mhero::registry {

Status record_pull_refusal(LogStore& store, const Clock& clock, const Status& outcome) {
  if (outcome.ok()) {
    MHERO_ASSIGN_OR_RETURN(auto held, store.get_meta(kPullRefusalKey));
    if (!held || held->empty()) return {};
    return store.put_meta(kPullRefusalKey, "");
  }
  if (outcome.code() != StatusCode::failed_precondition) return {};
  nlohmann::json j = {{"at_ms", clock.now().count()}, {"what", outcome.message()}};
  return store.put_meta(kPullRefusalKey, j.dump());
}

Result<std::optional<PullRefusal>> pull_refusal(const LogStore& store) {
  MHERO_ASSIGN_OR_RETURN(auto held, store.get_meta(kPullRefusalKey));
  if (!held || held->empty()) return std::optional<PullRefusal>{};
  nlohmann::json j = nlohmann::json::parse(*held, nullptr, false);
  if (!j.is_object() || !j.contains("at_ms") || !j["at_ms"].is_number_integer() || !j.contains("what") ||
      !j["what"].is_string()) {
    return corruption(std::string("meta ") + kPullRefusalKey + " is not a pull refusal: " + held->substr(0, 80));
  }
  return std::optional<PullRefusal>(PullRefusal{std::chrono::milliseconds(j["at_ms"].get<int64_t>()),
                                                j["what"].get<std::string>()});
}

}  // namespace mhero::registry
