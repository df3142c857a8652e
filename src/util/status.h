// Expected failures as values (STYLE.md 5). A Status carries a code that tells the caller what
// to do and a message for a human that names the input and the place. Bugs are asserts instead.
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace mhero {

enum class StatusCode {
  ok = 0,
  invalid_argument,     // The caller's input is wrong; fix it and call again.
  not_found,            // The thing asked for does not exist.
  already_exists,       // Refused to overwrite something that exists.
  unavailable,          // Transient (network, peer busy): retry later, with backoff.
  aborted,              // The round was cut short (conflict, cancel): restart the round.
  failed_precondition,  // The system is not in a state to do this: give up, tell the operator.
  corruption,           // Data failed verification (signature, hash, format): raise an alarm.
  permission_denied,    // A key or scope is not allowed here.
  resource_exhausted,   // Disk full, size cap exceeded.
};

/// Human name of a code, e.g. "corruption".
const char* status_code_name(StatusCode code);

/// The outcome of an operation that can fail for expected reasons. Cheap to copy when ok.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {
    assert(code != StatusCode::ok);
  }

  static Status ok_status() { return {}; }

  bool ok() const { return code_ == StatusCode::ok; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

  /// "corruption: feed ab12…/national seq 7: bad signature".
  std::string to_string() const;

  /// Prefixes the message with context ("importing FILE: …"); no-op when ok.
  Status with_context(const std::string& context) const;

 private:
  StatusCode code_ = StatusCode::ok;
  std::string message_;
};

inline Status invalid_argument(std::string m) { return {StatusCode::invalid_argument, std::move(m)}; }
inline Status not_found(std::string m) { return {StatusCode::not_found, std::move(m)}; }
inline Status already_exists(std::string m) { return {StatusCode::already_exists, std::move(m)}; }
inline Status unavailable(std::string m) { return {StatusCode::unavailable, std::move(m)}; }
inline Status aborted(std::string m) { return {StatusCode::aborted, std::move(m)}; }
inline Status failed_precondition(std::string m) {
  return {StatusCode::failed_precondition, std::move(m)};
}
inline Status corruption(std::string m) { return {StatusCode::corruption, std::move(m)}; }
inline Status permission_denied(std::string m) { return {StatusCode::permission_denied, std::move(m)}; }
inline Status resource_exhausted(std::string m) {
  return {StatusCode::resource_exhausted, std::move(m)};
}

/// Either a value or a non-ok Status. Accessing the value of an error is a bug (asserted).
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  Result(Status status) : v_(std::move(status)) {  // NOLINT(google-explicit-constructor)
    assert(!std::get<Status>(v_).ok());
  }

  bool ok() const { return std::holds_alternative<T>(v_); }
  explicit operator bool() const { return ok(); }

  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(v_);
  }

  T& value() & {
    assert(ok());
    return std::get<T>(v_);
  }
  const T& value() const& {
    assert(ok());
    return std::get<T>(v_);
  }
  T&& value() && {
    assert(ok());
    return std::get<T>(std::move(v_));
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace mhero

/// Returns early from the enclosing function when `expr` (a Status) is not ok.
#define MHERO_RETURN_IF_ERROR(expr)          \
  do {                                       \
    ::mhero::Status mhero_status_ = (expr);  \
    if (!mhero_status_.ok()) return mhero_status_; \
  } while (false)

#define MHERO_CONCAT_INNER_(a, b) a##b
#define MHERO_CONCAT_(a, b) MHERO_CONCAT_INNER_(a, b)

/// `MHERO_ASSIGN_OR_RETURN(auto x, make_result());` binds the value or returns the Status.
#define MHERO_ASSIGN_OR_RETURN(lhs, expr) \
  MHERO_ASSIGN_OR_RETURN_IMPL_(MHERO_CONCAT_(mhero_result_, __LINE__), lhs, expr)
#define MHERO_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                 \
  if (!tmp.ok()) return tmp.status();                \
  lhs = std::move(tmp).value()
