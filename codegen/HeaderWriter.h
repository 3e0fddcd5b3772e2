//===- HeaderWriter.h - The generated C header ------------------*- C++ -*-===//

#ifndef BITC_CODEGEN_HEADERWRITER_H
#define BITC_CODEGEN_HEADERWRITER_H

#include "codegen/ModelPlan.h"
#include <string>

namespace bitc {

/// The C header declaring `<name>_*` (docs/design.md, "Generated C API");
/// `linkCommand` is how a program links what was compiled (its first line).
std::string generateHeader(const ModelPlan &plan, const std::string &name,
                           const std::string &linkCommand);

} // namespace bitc

#endif // BITC_CODEGEN_HEADERWRITER_H
