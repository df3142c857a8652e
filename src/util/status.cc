#include "util/status.h"

namespace mhero {

const char* status_code_name(StatusCode code) {
  switch (code) {
    case StatusCode::ok: return "ok";
    case StatusCode::invalid_argument: return "invalid argument";
    case StatusCode::not_found: return "not found";
    case StatusCode::already_exists: return "already exists";
    case StatusCode::unavailable: return "unavailable";
    case StatusCode::aborted: return "aborted";
    case StatusCode::failed_precondition: return "failed precondition";
    case StatusCode::corruption: return "corruption";
    case StatusCode::permission_denied: return "permission denied";
    case StatusCode::resource_exhausted: return "resource exhausted";
  }
  return "unknown";
}

std::string Status::to_string() const {
  if (ok()) return "ok";
  return std::string(status_code_name(code_)) + ": " + message_;
}

Status Status::with_context(const std::string& context) const {
  if (ok()) return *this;
  return Status(code_, context + ": " + message_);
}

}  // namespace mhero
