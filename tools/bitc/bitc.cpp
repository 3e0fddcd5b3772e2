//===- bitc.cpp - The bitc driver -----------------------------------------===//
//
// `bitc compile MODEL_DIR -o model.o --name model` and friends. Each
// subcommand lives in its own file.
//
//===----------------------------------------------------------------------===//

#include "driver/FatalErrors.h"
#include "tools/bitc/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/raw_ostream.h"
#include <cstring>

using namespace bitc;

static const char *const generalUsage =
    "usage: bitc <command> [options]\n"
    "\n"
    "commands:\n"
    "  compile MODEL_DIR -o OUT   compile a BiT checkpoint (see bitc compile "
    "--help)\n"
    "  inspect MODEL_DIR          summarize a checkpoint (see bitc inspect "
    "--help)\n"
    "  run MODEL_DIR|FILE.mlir    run the reference interpreter (see bitc run "
    "--help)\n"
    "\n"
    "options:\n"
    "  -h, --help                 show this help\n"
    "  --version                  show the version\n";

int main(int argc, char **argv) {
  llvm::InitLLVM initLLVM(argc, argv);
  installFatalErrorHandlers();
  if (argc < 2) {
    llvm::errs() << generalUsage;
    return 1;
  }
  std::string command = argv[1];
  if (command == "-h" || command == "--help" || command == "help") {
    llvm::outs() << generalUsage;
    return 0;
  }
  if (command == "--version") {
    llvm::outs() << versionString() << "\n";
    return 0;
  }
  std::vector<std::string> args(argv + 2, argv + argc);
  if (command == "compile")
    return runCompileCommand(args);
  if (command == "inspect")
    return runInspectCommand(args);
  if (command == "run")
    return runRunCommand(args);
  reportError("unknown command '" + command +
              "' (expected compile, inspect or run; see bitc --help)");
  return 1;
}
