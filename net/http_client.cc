#include "net/http_client.h"

#include <string_view>

namespace babelwatch::net {

std::string HttpResponse::Header(std::string_view lower_name) const {
  for (const auto& [name, value] : headers) {
    if (name == lower_name) return value;
  }
  return "";
}

}  // namespace babelwatch::net
