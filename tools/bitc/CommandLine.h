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

struct LoweringOptions;
struct LoadOptions;

/// Adds the checkpoint options shared by the subcommands: --arch, --ws-eps
/// (its text is stored in `wsEps`) and --reject-nonfinite.
void addCheckpointOptions(boost::program_options::options_description &visible,
                          LoadOptions &load, std::string &wsEps);

/// Completes `load` from the options added by addCheckpointOptions; false
/// (after reporting `bitc: error: <command>: ...`) when --ws-eps is invalid.
bool applyCheckpointOptions(const std::string &command,
                            const boost::program_options::variables_map &vm,
                            const std::string &wsEps, LoadOptions &load);

/// `--outputs LIST` (compile, run, inspect).
void addOutputsOption(boost::program_options::options_description &visible,
                      std::string &outputs);
/// The list's syntax, checked before the model is read; false (reported)
/// when it is bad.
bool checkOutputsOption(const boost::program_options::variables_map &vm,
                        const std::string &outputs);

/// Adds the pass pipeline switches shared by `bitc compile` and `bitc run`:
/// --no-passes, --no-fuse, --no-fuse-group-norm, --no-fuse-residual and
/// --no-tile-group-norm.
void addPipelineSwitches(boost::program_options::options_description &visible);

/// Applies the switches added by addPipelineSwitches to `lowering`.
void applyPipelineSwitches(const boost::program_options::variables_map &vm,
                           LoweringOptions &lowering);

/// Adds --preprocessing pil|fast (stored in `processor`; empty when absent),
/// shared by `bitc compile` and `bitc inspect`.
void addPreprocessingOption(
    boost::program_options::options_description &visible,
    std::string &processor);

/// False (after reporting `bitc: error: <command>: ...`) when the
/// --preprocessing value is neither empty, pil nor fast.
bool checkPreprocessingOption(const std::string &command,
                              const std::string &processor);

} // namespace bitc

#endif // BITC_TOOLS_BITC_COMMANDLINE_H
