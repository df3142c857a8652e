// Tells systemd how `mhero run` is doing (the sd_notify(3) protocol, through libsystemd): the
// unit packaging/mhero.service is `Type=notify`, so systemd considers the node started only
// once the store is open, the control socket and the listeners are up, and shows the STATUS
// line in `systemctl status mhero`. Outside systemd (NOTIFY_SOCKET unset) every call is a no-op.
//
// No WATCHDOG: a keep-alive sent from a side thread proves nothing about the event loop, and the
// periodic tasks (a dispatch pass, a registry pull) may rightly take minutes.
#pragma once

#include <string_view>

namespace mhero {

/// READY=1 with a one-line STATUS (no personal data: node id, role, ports). Thread-safe.
void notify_service_ready(std::string_view status);

/// STOPPING=1 with a STATUS saying why. Thread-safe.
void notify_service_stopping(std::string_view status);

}  // namespace mhero
