//===- RuntimeBitcode.h - The model runtime bitcode for a target -*- C++
//-*-===//

#ifndef BITC_CODEGEN_RUNTIMEBITCODE_H
#define BITC_CODEGEN_RUNTIMEBITCODE_H

#include "llvm/IR/Module.h"
#include "llvm/Support/Error.h"
#include "llvm/TargetParser/Triple.h"
#include <memory>
#include <string>

namespace bitc {

/// The model runtime bitcode for `triple`: `path` when it was compiled for
/// the same architecture, else its sibling ModelRuntime-<arch>.bc (the C
/// headers, hence struct layouts, differ between architectures). With
/// `threadSanitizer`, the sibling ModelRuntime-tsan.bc compiled with
/// -fsanitize=thread, so TSan sees the runtime's own memory accesses too.
llvm::Expected<std::unique_ptr<llvm::Module>>
loadRuntimeBitcode(std::string path, const llvm::Triple &triple,
                   bool threadSanitizer, llvm::LLVMContext &context);

} // namespace bitc

#endif // BITC_CODEGEN_RUNTIMEBITCODE_H
