//===- Commands.h - bitc subcommands ----------------------------*- C++ -*-===//

#ifndef BITC_TOOLS_BITC_COMMANDS_H
#define BITC_TOOLS_BITC_COMMANDS_H

#include <string>
#include <vector>

namespace bitc {

/// Each subcommand parses its own arguments (argv after the subcommand name)
/// and returns the process exit code.
int runCompileCommand(const std::vector<std::string> &args);
int runInspectCommand(const std::vector<std::string> &args);
int runRunCommand(const std::vector<std::string> &args);

/// Prints `bitc: error: <line>` for every line of `message`.
void reportError(const std::string &message);

/// Prints `bitc: warning: <message>`.
void reportWarning(const std::string &message);

/// The version line printed by `--version`.
std::string versionString();

} // namespace bitc

#endif // BITC_TOOLS_BITC_COMMANDS_H
