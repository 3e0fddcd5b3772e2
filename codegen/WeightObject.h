//===- WeightObject.h - The weight blob as its own ELF object ---*- C++ -*-===//
//
// The packed weights go straight from memory into a relocatable ELF object
// holding one read-only section and one symbol, written in a single pass:
// going through LLVM IR would copy the blob twice more (a ConstantDataArray
// and the MC section buffer), which a 3.7 GB R152x4 cannot afford.
//
//===----------------------------------------------------------------------===//

#ifndef BITC_CODEGEN_WEIGHTOBJECT_H
#define BITC_CODEGEN_WEIGHTOBJECT_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/Support/Error.h"
#include "llvm/TargetParser/Triple.h"
#include <cstdint>
#include <string>

namespace bitc {

/// Where the blob lives in the object. On x86-64 it is a large-model data
/// section (`.lrodata`, SHF_X86_64_LARGE): GNU ld and lld place those after
/// all small-model sections, so a blob of any size leaves the +-2 GiB reach of
/// the program's own (small code model) PC-relative references intact; the
/// model reads it only through a 64-bit absolute pointer.
struct WeightSection {
  std::string name;
  bool large = false;
};

/// The section for `triple`, or an error when the blob cannot be linked into
/// a small-code-model program of that architecture.
llvm::Expected<WeightSection> weightSectionFor(const llvm::Triple &triple,
                                               uint64_t blobBytes);

/// The symbol naming the blob of model `name`: hidden and inside the model's
/// `<name>_` prefix (the double underscore keeps it out of the way of the C
/// API).
std::string weightSymbolName(llvm::StringRef name);

/// Writes `path`: an ELF64 little-endian relocatable object for `triple`
/// (x86-64 or AArch64) whose section `section` holds `blob`, 64-byte aligned,
/// under the global hidden object symbol `symbol`.
llvm::Error writeWeightObject(llvm::StringRef path, const llvm::Triple &triple,
                              const WeightSection &section,
                              llvm::StringRef symbol,
                              llvm::ArrayRef<uint8_t> blob);

} // namespace bitc

#endif // BITC_CODEGEN_WEIGHTOBJECT_H
