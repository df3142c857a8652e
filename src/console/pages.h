// The console's page groups, one file each. Each add_*_pages() registers its routes (and nav
// links) on the router; console_pages.cc calls them all in nav order.
#pragma once

#include "console/router.h"

namespace mhero::console {

void add_auth_pages(Router& router);      // /login, /logout            (pages_auth.cc)
void add_home_pages(Router& router);      // /                          (pages_home.cc)
void add_registry_pages(Router& router);  // /registry, /registry/provider/{id} (pages_registry.cc)
void add_audit_pages(Router& router);     // /audit, /audit.csv         (pages_audit.cc)
void add_user_pages(Router& router);      // /users…                    (pages_users.cc)
void add_fleet_pages(Router& router);     // /districts, /districts/{code}, /alarms (pages_fleet.cc)
void add_message_pages(Router& router);   // /messages, /messages/{id}  (pages_messages.cc, pages_message.cc)
void add_response_pages(Router& router);  // /responses, /responses.csv, /responses.json (pages_responses.cc)
void add_compose_pages(Router& router);   // /compose, /compose/preview (pages_compose.cc)
void add_compose_result_pages(Router& router);  // /compose/{id}, …/cancel (pages_compose_result.cc)
void add_correction_pages(Router& router);  // /corrections… (pages_corrections.cc)
void add_dhis2_pages(Router& router);     // /dhis2                     (pages_dhis2.cc)

}  // namespace mhero::console
