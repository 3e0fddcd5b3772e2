//===- CommandLine.h - Option parsing and error lines of bitc ---*- C++ -*-===//
//
// Each subcommand parses its own arguments (argv after the subcommand name),
// hands them to the driver library (driver/) and prints what it returns.
//
//===----------------------------------------------------------------------===//

#ifndef BITC_TOOLS_BITC_COMMANDLINE_H
#define BITC_TOOLS_BITC_COMMANDLINE_H

#include "driver/Driver.h"
#include "llvm/Support/Error.h"
#include <boost/program_options.hpp>
#include <optional>
#include <string>
#include <vector>

namespace bitc {

int runCompileCommand(const std::vector<std::string> &args);
int runInspectCommand(const std::vector<std::string> &args);
int runRunCommand(const std::vector<std::string> &args);

/// Prints `bitc: error: <line>` for every line of `message`.
void reportError(const std::string &message);
/// Prints `bitc: warning: <message>`.
void reportWarning(const std::string &message);
/// The version line printed by `--version`.
std::string versionString();

/// Reports `err` (prefixed by `prefix`) when it is one; true then.
bool failed(llvm::Error err, const std::string &prefix = "");
template <typename T> bool failed(llvm::Expected<T> &value) {
  return !value && failed(value.takeError());
}

/// Parses the arguments of `bitc <command>`: the `visible` options (with
/// --help and --version, see addSharedOptions) and one positional MODEL in
/// `model`. Prints the help or the version, or reports a parse error as
/// `bitc: error: <command>: ...`; returns the exit code when the command is
/// finished that way, std::nullopt when it should run.
std::optional<int>
parseCommandLine(const std::string &command,
                 const std::vector<std::string> &args,
                 const boost::program_options::options_description &visible,
                 std::string &model, boost::program_options::variables_map &vm);

/// The options every command shares: --image-size, --batch, --outputs,
/// --arch, --ws-eps and --reject-nonfinite.
struct SharedOptions {
  ModelOptions model;
  std::string outputs, wsEps;
};
void addSharedOptions(boost::program_options::options_description &visible,
                      SharedOptions &shared, const char *imageSizeHelp);
/// Checks them (reported as `bitc: error: <command>: ...`, or the --outputs
/// list's own message) before the model is read; warnings go to stderr
/// unless `quiet`.
bool checkSharedOptions(const std::string &command,
                        const boost::program_options::variables_map &vm,
                        SharedOptions &shared, bool quiet = false);

/// --no-passes, --no-fuse, --no-fuse-group-norm, --no-fuse-residual and
/// --no-tile-group-norm (compile, run), applied to `lowering`.
void addPipelineSwitches(boost::program_options::options_description &visible);
void applyPipelineSwitches(const boost::program_options::variables_map &vm,
                           LoweringOptions &lowering);

/// --preprocessing pil|fast (compile, inspect); false (reported) when the
/// value is neither empty, pil nor fast.
void addPreprocessingOption(
    boost::program_options::options_description &visible,
    std::string &processor);
bool checkPreprocessingOption(const std::string &command,
                              const std::string &processor);

} // namespace bitc

#endif // BITC_TOOLS_BITC_COMMANDLINE_H
