// Helpers shared by the parser tests: reading fixture files.
#pragma once

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

namespace babelwatch::feeds::testing {

inline std::string ReadFixture(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open fixture " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline std::string DataFile(const std::string& name) {
  return ReadFixture(std::string(TEST_DATA_DIR) + "/feeds/" + name);
}

}  // namespace babelwatch::feeds::testing
