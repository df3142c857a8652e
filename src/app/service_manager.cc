#include "app/service_manager.h"

#include <systemd/sd-daemon.h>

#include <string>

namespace mhero {

namespace {

void notify(std::string_view state, std::string_view status) {
  std::string message(state);
  message += "\nSTATUS=";
  message += status;
  // unset_environment = 0: the control socket's commands run in this process and do not fork
  // services of their own, so keeping NOTIFY_SOCKET does no harm. Errors (a socket that went
  // away) only mean systemd is not listening; nothing to do about it here.
  (void)sd_notify(0, message.c_str());
}

}  // namespace

void notify_service_ready(std::string_view status) { notify("READY=1", status); }

void notify_service_stopping(std::string_view status) { notify("STOPPING=1", status); }

}  // namespace mhero
