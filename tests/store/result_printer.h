// File: tests/store/result_printer.h
//
// Lets Catch print a Result<T> in an assertion ("ok" or the error) whatever T is.
#pragma once

#include <catch2/catch.hpp>
#include <sstream>
#include <string>

#include "core/result.h"

namespace Catch {
template <class T>
struct StringMaker<babelwatch::Result<T>> {
  static std::string convert(const babelwatch::Result<T>& r) {
    if (r.has_value()) return "ok";
    std::ostringstream os;
    os << r.error();
    return os.str();
  }
};
}  // namespace Catch
