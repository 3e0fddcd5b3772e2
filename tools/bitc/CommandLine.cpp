//===- CommandLine.cpp - Argument parsing shared by the subcommands -------===//

#include "tools/bitc/CommandLine.h"
#include "tools/bitc/Commands.h"
#include <iostream>

namespace po = boost::program_options;

namespace bitc {

std::optional<int> parseCommandLine(const std::string &command,
                                    const std::vector<std::string> &args,
                                    const po::options_description &visible,
                                    std::string &model, po::variables_map &vm) {
  po::options_description hidden;
  hidden.add_options()("model", po::value<std::string>(&model));
  po::options_description all;
  all.add(visible).add(hidden);
  po::positional_options_description positional;
  positional.add("model", 1);
  try {
    po::store(
        po::command_line_parser(args).options(all).positional(positional).run(),
        vm);
    po::notify(vm);
  } catch (const po::error &e) {
    reportError(command + ": " + e.what());
    return 1;
  }
  if (vm.count("help")) {
    std::cout << visible << "\n";
    return 0;
  }
  if (vm.count("version")) {
    std::cout << versionString() << "\n";
    return 0;
  }
  return std::nullopt;
}

} // namespace bitc
