// File: core/result.h
//
// The error vocabulary at every module edge: a Result<T> holds either a T or an Error
// (code + message). Codes drive retry policy and the `result` metric label; messages name
// the place, the problem and what was expected. Pure value types; no exceptions are thrown
// except through .value() on an error, which only start-up code may call.
#pragma once

#include <boost/system/result.hpp>

#include <ostream>
#include <string>
#include <string_view>

namespace babelwatch {

// A small canonical set, after abseil's StatusCode. Pick the most specific that applies.
enum class Code {
  kInvalidArgument,    // bad config or input; do not retry until it changes
  kUnavailable,        // network or other transient failure; retry with backoff
  kDeadlineExceeded,   // an operation ran out of time
  kResourceExhausted,  // a size or queue limit was hit
  kNotFound,           // the thing asked for does not exist
  kCancelled,          // shutdown; not logged as an error
  kInternal,           // a bug
};

// "invalid_argument", "unavailable", ...: stable names for logs and metric labels.
[[nodiscard]] std::string_view CodeName(Code code);

struct Error {
  Code code;
  std::string message;

  // Returns a copy whose message is "context: message" (abseil's RETURN_IF_ERROR << context).
  [[nodiscard]] Error WithContext(std::string_view context) const;
};

std::ostream& operator<<(std::ostream& os, const Error& error);

// Called by boost::system::result::value() on an error (ADL). Throws std::runtime_error.
[[noreturn]] void throw_exception_from_error(const Error& error,
                                             const boost::source_location& location);

template <class T>
using Result = boost::system::result<T, Error>;

// Named factories, after leveldb's Status::NotFound(...).
[[nodiscard]] inline Error InvalidArgument(std::string message) {
  return Error{Code::kInvalidArgument, std::move(message)};
}
[[nodiscard]] inline Error Unavailable(std::string message) {
  return Error{Code::kUnavailable, std::move(message)};
}
[[nodiscard]] inline Error DeadlineExceeded(std::string message) {
  return Error{Code::kDeadlineExceeded, std::move(message)};
}
[[nodiscard]] inline Error ResourceExhausted(std::string message) {
  return Error{Code::kResourceExhausted, std::move(message)};
}
[[nodiscard]] inline Error NotFound(std::string message) {
  return Error{Code::kNotFound, std::move(message)};
}
[[nodiscard]] inline Error Cancelled(std::string message) {
  return Error{Code::kCancelled, std::move(message)};
}
[[nodiscard]] inline Error Internal(std::string message) {
  return Error{Code::kInternal, std::move(message)};
}

}  // namespace babelwatch
