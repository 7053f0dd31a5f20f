// babelwatch: the offline tool (replay, evaluation, conformance, config checks).
#include <iostream>
#include <string>
#include <vector>

#include "feeds/conformance_runner.h"
#include "tools/commands.h"
#include "tools/eval_command.h"

int main(int argc, char** argv) {
  using namespace babelwatch;
  if (argc < 2) {
    tools::PrintUsage(std::cerr);
    return 2;
  }
  const std::string command = argv[1];
  const tools::Args args(argv + 2, argv + argc);
  try {
    if (command == "replay") return tools::RunReplayCommand(args, std::cout, std::cerr);
    if (command == "check-config") return tools::RunCheckConfigCommand(args, std::cout, std::cerr);
    if (command == "eval") return tools::RunEvalCommand(args, std::cout, std::cerr);
    if (command == "eval-pairs") return tools::RunEvalPairsCommand(args, std::cout, std::cerr);
    if (command == "conformance") return feeds::RunConformanceCommand(args, std::cout, std::cerr);
    if (command == "version" || command == "--version") {
      std::cout << "babelwatch " << BABELWATCH_VERSION << "\n";
      return 0;
    }
    if (command == "help" || command == "--help" || command == "-h") {
      tools::PrintUsage(std::cout);
      return 0;
    }
  } catch (const std::exception& e) {
    std::cerr << "babelwatch " << command << ": " << e.what() << "\n";
    return 2;
  }
  std::cerr << "babelwatch: unknown command \"" << command << "\"\n";
  tools::PrintUsage(std::cerr);
  return 2;
}
