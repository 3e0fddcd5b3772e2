//===- Common.cpp - Shared pieces of the bitc subcommands -----------------===//

#include "tools/bitc/Commands.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Config/llvm-config.h"
#include "llvm/Support/raw_ostream.h"

namespace bitc {

void reportError(const std::string &message) {
  llvm::StringRef rest(message);
  while (!rest.empty()) {
    auto [line, tail] = rest.split('\n');
    llvm::errs() << "bitc: error: " << line << "\n";
    rest = tail;
  }
  llvm::errs().flush();
}

void reportWarning(const std::string &message) {
  llvm::errs() << "bitc: warning: " << message << "\n";
  llvm::errs().flush();
}

std::string versionString() {
  return std::string("bitc ") + BITC_VERSION_STRING + " (LLVM/MLIR " +
         LLVM_VERSION_STRING + ", Halide 14)";
}

} // namespace bitc
