// File: tools/commands.h
//
// The subcommands of the `babelwatch` tool, each a function of its arguments (without the
// subcommand name) writing to `out` and `err`, so tests call them without a process.
// Exit codes: 0 success, 1 the command ran and found failures, 2 usage or I/O error,
// 78 (EX_CONFIG) configuration error.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace babelwatch::tools {

using Args = std::vector<std::string>;

// babelwatch replay INPUT.jsonl --out DIR [--config FILE]
int RunReplayCommand(const Args& args, std::ostream& out, std::ostream& err);

// babelwatch check-config FILE
int RunCheckConfigCommand(const Args& args, std::ostream& out, std::ostream& err);

// babelwatch help / --help: the list of subcommands.
void PrintUsage(std::ostream& out);

}  // namespace babelwatch::tools
