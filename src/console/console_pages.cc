// Every console page group, in navigation order. A new section (districts, alarms, messages,
// corrections) adds its add_*_pages(router) call here: nothing else in the foundation changes.
#include "console/console_server.h"
#include "console/pages.h"

namespace mhero::console {

void register_pages(Router& router) {
  add_auth_pages(router);
  add_home_pages(router);
  add_fleet_pages(router);
  add_message_pages(router);
  add_response_pages(router);
  add_compose_pages(router);
  add_registry_pages(router);
  add_correction_pages(router);
  add_dhis2_pages(router);
  add_audit_pages(router);
  add_user_pages(router);
}

}  // namespace mhero::console
