#include "messaging/cancel.h"

#include <capnp/message.h>

#include "messaging/message_view.h"
#include "util/plain_text.h"

namespace mhero {

Status check_cancel(const MessageState& state, Role role, const std::string& district) {
  const std::string& id = state.message.id;
  if (state.cancel) return failed_precondition("message " + id + " is already cancelled");
  if (state.summary) {
    return failed_precondition("message " + id + " is " + state.state() + ": nothing is left to cancel");
  }
  if (role == Role::district && state.message.scope != "district/" + district) {
    return permission_denied("message " + id + " was written in " + state.message.scope +
                             ": a district node may cancel only its own district's messages");
  }
  return {};
}

std::string cancel_scope(const MessageState& state) { return state.message.scope; }

Result<Entry> write_cancel(LogStore& store, const NodeKey& key, const std::string& scope, const CancelRecord& c) {
  MHERO_RETURN_IF_ERROR(check_plain_text("the reason", c.reason, kMaxCancelReasonBytes, /*lines=*/true));
  MHERO_RETURN_IF_ERROR(check_plain_text("the user name", c.staff_user, 100, /*lines=*/false));
  capnp::MallocMessageBuilder builder;
  cancel_to_capnp(c, builder.initRoot<schema::Payload>().initMessageCancel());
  return store.append(key, scope, builder.getRoot<schema::Payload>().asReader());
}

Result<bool> cancel_held(const ViewReader& views, std::string_view message_id) {
  MHERO_ASSIGN_OR_RETURN(auto v, views.get(cancel_key(message_id)));
  return v.has_value();
}

}  // namespace mhero
