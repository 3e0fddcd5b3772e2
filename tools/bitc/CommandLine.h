//===- CommandLine.h - Argument parsing shared by the subcommands -*- C++
//-*-===//

#ifndef BITC_TOOLS_BITC_COMMANDLINE_H
#define BITC_TOOLS_BITC_COMMANDLINE_H

#include <boost/program_options.hpp>
#include <optional>
#include <string>
#include <vector>

namespace bitc {

/// Parses the arguments of `bitc <command>`: the `visible` options (which
/// must include --help and --version) and one positional MODEL stored in
/// `model`. Prints the help or the version, or reports a parse error as
/// `bitc: error: <command>: ...`; returns the exit code when the command is
/// finished that way, std::nullopt when it should run.
std::optional<int>
parseCommandLine(const std::string &command,
                 const std::vector<std::string> &args,
                 const boost::program_options::options_description &visible,
                 std::string &model, boost::program_options::variables_map &vm);

} // namespace bitc

#endif // BITC_TOOLS_BITC_COMMANDLINE_H
