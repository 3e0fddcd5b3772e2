//===- KernelKey.h - What makes two kernels the same ------------*- C++ -*-===//
//
// A KernelKey holds everything a kernel builder reads besides the target: two
// ops with equal keys share one compiled kernel. One struct per builder, all
// fields compared (std::tie), so a new builder option cannot be forgotten in
// a hand-formatted string.
//
//===----------------------------------------------------------------------===//

#ifndef BITC_CODEGEN_KERNELKEY_H
#define BITC_CODEGEN_KERNELKEY_H

#include "codegen/kernels/Kernels.h"
#include "llvm/Support/raw_ostream.h"

#include <array>
#include <string>
#include <tuple>
#include <variant>

namespace bitc {

/// Every field of a spec, for comparisons.
inline auto fieldsOf(const kernels::ConvSpec &s) {
  return std::tie(s.batch, s.inC, s.inH, s.inW, s.outC, s.kernelH, s.kernelW,
                  s.strideH, s.strideW, s.dilationH, s.dilationW, s.padTop,
                  s.padLeft, s.padBottom, s.padRight, s.inputNCHW,
                  s.hasPrologue, s.prologueActivation, s.hasResidual,
                  s.hasStats, s.statsGroups, s.statsTileRows);
}
inline auto fieldsOf(const kernels::TensorShape &s) {
  return std::tie(s.n, s.c, s.h, s.w);
}

/// buildConv (winogradTile 0), buildWinogradConv (F(m x m), m = tile),
/// with int8 buildInt8ModelConv (--precision int8), with bf16
/// buildBf16ModelConv (--precision bf16).
struct ConvKernel {
  kernels::ConvSpec spec;
  int winogradTile = 0;
  bool int8 = false;
  bool bf16 = false;
  auto fields() const {
    return std::tuple_cat(fieldsOf(spec), std::tie(winogradTile, int8, bf16));
  }
};
/// buildMaxPool; pad = [top, left, bottom, right] (a folded zero pad).
struct MaxPoolKernel {
  kernels::TensorShape in;
  int64_t window = 0, stride = 0;
  std::array<int64_t, 4> pad = {0, 0, 0, 0};
  auto fields() const {
    return std::tuple_cat(fieldsOf(in), std::tie(window, stride, pad));
  }
};
struct PadKernel {
  kernels::TensorShape in;
  std::array<int64_t, 4> pad = {0, 0, 0, 0};
  float value = 0;
  auto fields() const {
    return std::tuple_cat(fieldsOf(in), std::tie(pad, value));
  }
};
struct GroupNormStatsKernel {
  kernels::TensorShape in;
  int64_t groups = 0;
  double eps = 0;
  auto fields() const {
    return std::tuple_cat(fieldsOf(in), std::tie(groups, eps));
  }
};
struct GroupNormCombineKernel {
  int64_t batch = 0, channels = 0, groups = 0, tiles = 0;
  double eps = 0;
  auto fields() const { return std::tie(batch, channels, groups, tiles, eps); }
};
struct ApplyNormKernel {
  kernels::TensorShape in;
  bool residual = false;
  kernels::Activation activation = kernels::Activation::None;
  auto fields() const {
    return std::tuple_cat(fieldsOf(in), std::tie(residual, activation));
  }
};
struct AddKernel {
  kernels::TensorShape in;
  kernels::Activation activation = kernels::Activation::None;
  auto fields() const {
    return std::tuple_cat(fieldsOf(in), std::tie(activation));
  }
};
struct GlobalAvgPoolKernel {
  kernels::TensorShape in;
  bool prologue = false;
  kernels::Activation activation = kernels::Activation::None;
  auto fields() const {
    return std::tuple_cat(fieldsOf(in), std::tie(prologue, activation));
  }
};
struct LinearKernel {
  int64_t batch = 0, inFeatures = 0, labels = 0;
  auto fields() const { return std::tie(batch, inFeatures, labels); }
};
/// buildToNCHW: the caller's copy of a returned tensor.
struct ToNCHWKernel {
  kernels::TensorShape shape;
  auto fields() const { return fieldsOf(shape); }
};

template <typename T, typename = decltype(std::declval<T>().fields())>
bool operator<(const T &a, const T &b) {
  return a.fields() < b.fields();
}

using KernelKey =
    std::variant<ConvKernel, MaxPoolKernel, PadKernel, GroupNormStatsKernel,
                 GroupNormCombineKernel, ApplyNormKernel, AddKernel,
                 GlobalAvgPoolKernel, LinearKernel, ToNCHWKernel>;

/// The builder of `key`'s kernel, for `target`.
kernels::KernelPipeline buildKernel(const KernelKey &key,
                                    const Halide::Target &target);

/// A short human-readable kind, as profiles print it
/// (e.g. "conv 3x3/1 64->64 @56x56").
std::string kernelKind(const KernelKey &key);

/// The op of a key as the plan dump names it (e.g. "conv", "max_pool").
llvm::StringRef kernelOpName(const KernelKey &key);

/// One buffer argument of a kernel as its builder declares it: a name and
/// its Halide dimensions, innermost first (the layout conventions of
/// codegen/kernels/Kernels.h), e.g. {"weights", "(co%24,ci,kx,ky,co/24)"}.
struct KernelArgument {
  std::string name, dims;
};
/// The arguments of `key`'s kernel, in call order; `target` sets the block
/// sizes of packed weights.
std::vector<KernelArgument> kernelArguments(const KernelKey &key,
                                            const Halide::Target &target);

/// Every field of `key` as `name=value` pairs, for the plan dump.
void printKernelKey(llvm::raw_ostream &os, const KernelKey &key);

} // namespace bitc

#endif // BITC_CODEGEN_KERNELKEY_H
