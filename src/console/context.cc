#include "console/context.h"

#include <spdlog/spdlog.h>

#include "console/audit.h"

namespace mhero::console {

bool ConsoleContext::audit(std::string_view user, std::string_view action, std::string_view object,
                           std::string_view outcome, std::string_view client_address) {
  AuditRecord r;
  r.time_ms = clock_.now().count();
  r.user = std::string(user);
  r.action = std::string(action);
  r.object = std::string(object);
  r.outcome = std::string(outcome);
  r.client_address = std::string(client_address);
  Status s = append_audit(node_, r);
  if (!s.ok()) spdlog::error("console: could not write the audit entry for {}: {}", action, s.to_string());
  return s.ok();
}

}  // namespace mhero::console
