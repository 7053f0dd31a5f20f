#include "core/result.h"

#include <stdexcept>

namespace babelwatch {

std::string_view CodeName(Code code) {
  switch (code) {
    case Code::kInvalidArgument:
      return "invalid_argument";
    case Code::kUnavailable:
      return "unavailable";
    case Code::kDeadlineExceeded:
      return "deadline_exceeded";
    case Code::kResourceExhausted:
      return "resource_exhausted";
    case Code::kNotFound:
      return "not_found";
    case Code::kCancelled:
      return "cancelled";
    case Code::kInternal:
      return "internal";
  }
  return "internal";
}

Error Error::WithContext(std::string_view context) const {
  std::string out(context);
  out += ": ";
  out += message;
  return Error{code, std::move(out)};
}

std::ostream& operator<<(std::ostream& os, const Error& error) {
  return os << CodeName(error.code) << ": " << error.message;
}

void throw_exception_from_error(const Error& error, const boost::source_location&) {
  throw std::runtime_error(std::string(CodeName(error.code)) + ": " + error.message);
}

}  // namespace babelwatch
