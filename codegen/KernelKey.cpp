//===- KernelKey.cpp - Builders, kinds and text of kernel keys ------------===//

#include "codegen/KernelKey.h"
#include "codegen/kernels/Bf16Conv.h"
#include "codegen/kernels/Int8Conv.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/FormatVariadic.h"

using llvm::formatv;

namespace bitc {
namespace {

// std::visit over one lambda per key type.
template <typename... Fs> struct Overloaded : Fs... {
  using Fs::operator()...;
};
template <typename... Fs> Overloaded(Fs...) -> Overloaded<Fs...>;

void printShape(llvm::raw_ostream &os, const kernels::TensorShape &s) {
  os << "n=" << s.n << " c=" << s.c << " h=" << s.h << " w=" << s.w;
}

void printPad(llvm::raw_ostream &os, const std::array<int64_t, 4> &pad) {
  os << " pad=[" << pad[0] << "," << pad[1] << "," << pad[2] << "," << pad[3]
     << "]";
}

} // namespace

kernels::KernelPipeline buildKernel(const KernelKey &key,
                                    const Halide::Target &t) {
  return std::visit(
      Overloaded{
          [&](const ConvKernel &k) {
            if (k.int8)
              return kernels::buildInt8ModelConv(k.spec, t);
            if (k.bf16)
              return kernels::buildBf16ModelConv(k.spec, t);
            return k.winogradTile
                       ? kernels::buildWinogradConv(k.spec, k.winogradTile, t)
                       : kernels::buildConv(k.spec, t);
          },
          [&](const MaxPoolKernel &k) {
            return kernels::buildMaxPool(k.in, k.window, k.stride, k.pad[0],
                                         k.pad[1], k.pad[2], k.pad[3], t);
          },
          [&](const PadKernel &k) {
            return kernels::buildPad(k.in, k.pad[0], k.pad[1], k.pad[2],
                                     k.pad[3], k.value, t);
          },
          [&](const GroupNormStatsKernel &k) {
            return kernels::buildGroupNormStats(k.in, k.groups, k.eps, t);
          },
          [&](const GroupNormCombineKernel &k) {
            return kernels::buildGroupNormCombine(k.batch, k.channels, k.groups,
                                                  k.tiles, k.eps, t);
          },
          [&](const ApplyNormKernel &k) {
            return kernels::buildApplyNorm(k.in, k.residual, k.activation, t);
          },
          [&](const AddKernel &k) {
            return kernels::buildAdd(k.in, k.activation, t);
          },
          [&](const GlobalAvgPoolKernel &k) {
            return kernels::buildGlobalAvgPool(k.in, k.prologue, k.activation,
                                               t);
          },
          [&](const LinearKernel &k) {
            return kernels::buildLinear(k.batch, k.inFeatures, k.labels, t);
          },
          [&](const ToNCHWKernel &k) {
            return kernels::buildToNCHW(k.shape, t);
          },
      },
      key);
}

std::string kernelKind(const KernelKey &key) {
  return std::visit(
      Overloaded{
          [](const ConvKernel &k) {
            const kernels::ConvSpec &s = k.spec;
            std::string kind = formatv("conv {0}x{1}/{2} {3}->{4} @{5}x{6}",
                                       s.kernelH, s.kernelW, s.strideH, s.inC,
                                       s.outC, s.outH(), s.outW());
            if (k.int8)
              return "int8 " + kind;
            if (k.bf16)
              return "bf16 " + kind;
            return k.winogradTile
                       ? formatv("winograd F{0} {1}", k.winogradTile, kind)
                             .str()
                       : kind;
          },
          [](const MaxPoolKernel &k) {
            return formatv("max pool {0}x{0}/{1} @{2}x{3}", k.window, k.stride,
                           k.in.h, k.in.w)
                .str();
          },
          [](const PadKernel &k) {
            return formatv("pad @{0}x{1}", k.in.h, k.in.w).str();
          },
          [](const GroupNormStatsKernel &k) {
            return formatv("group norm stats @{0}x{1}", k.in.h, k.in.w).str();
          },
          [](const GroupNormCombineKernel &k) {
            return formatv("group norm combine {0} tiles", k.tiles).str();
          },
          [](const ApplyNormKernel &k) {
            return formatv("apply norm @{0}x{1}", k.in.h, k.in.w).str();
          },
          [](const AddKernel &k) {
            return formatv("add @{0}x{1}", k.in.h, k.in.w).str();
          },
          [](const GlobalAvgPoolKernel &k) {
            return formatv("global avg pool @{0}x{1}", k.in.h, k.in.w).str();
          },
          [](const LinearKernel &k) {
            return formatv("linear {0}->{1}", k.inFeatures, k.labels).str();
          },
          [](const ToNCHWKernel &k) {
            return formatv("to NCHW {0}@{1}x{2}", k.shape.c, k.shape.h,
                           k.shape.w)
                .str();
          },
      },
      key);
}

llvm::StringRef kernelOpName(const KernelKey &key) {
  static constexpr llvm::StringLiteral names[] = {"conv",
                                                  "max_pool",
                                                  "pad",
                                                  "group_norm_stats",
                                                  "group_norm_combine",
                                                  "apply_norm",
                                                  "add",
                                                  "global_avg_pool",
                                                  "linear",
                                                  "to_nchw"};
  static_assert(std::size(names) == std::variant_size_v<KernelKey>);
  if (const auto *conv = std::get_if<ConvKernel>(&key);
      conv && conv->winogradTile)
    return "winograd_conv";
  if (const auto *conv = std::get_if<ConvKernel>(&key); conv && conv->int8)
    return "int8_conv";
  if (const auto *conv = std::get_if<ConvKernel>(&key); conv && conv->bf16)
    return "bf16_conv";
  return names[key.index()];
}

std::vector<KernelArgument> kernelArguments(const KernelKey &key,
                                            const Halide::Target &target) {
  const std::string activation = "(c,x,y,n)", scaleShift = "(c,2,n)";
  return std::visit(
      Overloaded{
          [&](const ConvKernel &k) {
            const kernels::ConvSpec &s = k.spec;
            if (k.bf16) {
              std::string lanes =
                  std::to_string(kernels::int8ConvLanes(target));
              std::vector<KernelArgument> args = {
                  {"input", activation},
                  {"weights",
                   "bf16 (ci%2,co%" + lanes + ",ci/2,kx,ky,co/" + lanes + ")"}};
              if (s.hasPrologue)
                args.push_back({"prologue", scaleShift});
              if (s.hasResidual)
                args.push_back({"residual", activation});
              args.push_back({"output", activation});
              if (s.hasStats)
                args.push_back({"stats", "(3,group,tile,n)"});
              return args;
            }
            if (k.int8) {
              std::string lanes =
                  std::to_string(kernels::int8ConvLanes(target));
              std::vector<KernelArgument> args = {
                  {"input", activation},
                  {"weights",
                   "i8 (ci%4,co%" + lanes + ",ci/4,kx,ky,co/" + lanes + ")"},
                  {"scales", kernels::int8KernelZeroPoint(s, target)
                                 ? "(2co+2: zero point)"
                                 : "(co+1)"},
                  {"prologue", scaleShift}};
              if (s.hasResidual)
                args.push_back({"residual", activation});
              args.push_back({"output", activation});
              if (s.hasStats)
                args.push_back({"stats", "(3,group,tile,n)"});
              return args;
            }
            std::vector<int> packed =
                k.winogradTile ? kernels::packedWinogradWeightShape(
                                     s, k.winogradTile, target)
                               : kernels::packedConvWeightShape(s, target);
            std::string block = std::to_string(packed[0]);
            std::vector<KernelArgument> args = {
                {"input", s.inputNCHW ? "(x,y,c,n) nchw" : activation},
                {"weights",
                 k.winogradTile
                     ? "(co%" + block + ",ci,xi,nu,co/" + block + ")"
                     : "(co%" + block + ",ci,kx,ky,co/" + block + ")"}};
            if (s.hasPrologue)
              args.push_back({"prologue", scaleShift});
            if (s.hasResidual)
              args.push_back({"residual", activation});
            args.push_back({"output", activation});
            if (s.hasStats)
              args.push_back({"stats", "(3,group,tile,n)"});
            return args;
          },
          [&](const MaxPoolKernel &) {
            return std::vector<KernelArgument>{{"input", activation},
                                               {"output", activation}};
          },
          [&](const PadKernel &) {
            return std::vector<KernelArgument>{{"input", activation},
                                               {"output", activation}};
          },
          [&](const GroupNormStatsKernel &) {
            return std::vector<KernelArgument>{{"input", activation},
                                               {"gamma", "(c)"},
                                               {"beta", "(c)"},
                                               {"scale_shift", scaleShift}};
          },
          [&](const GroupNormCombineKernel &) {
            return std::vector<KernelArgument>{{"partials", "(3,group,tile,n)"},
                                               {"gamma", "(c)"},
                                               {"beta", "(c)"},
                                               {"scale_shift", scaleShift}};
          },
          [&](const ApplyNormKernel &k) {
            std::vector<KernelArgument> args = {{"input", activation},
                                                {"scale_shift", scaleShift}};
            if (k.residual)
              args.push_back({"residual", activation});
            args.push_back({"output", activation});
            return args;
          },
          [&](const AddKernel &) {
            return std::vector<KernelArgument>{{"lhs", activation},
                                               {"rhs", activation},
                                               {"output", activation}};
          },
          [&](const GlobalAvgPoolKernel &k) {
            std::vector<KernelArgument> args = {{"input", activation}};
            if (k.prologue)
              args.push_back({"scale_shift", scaleShift});
            args.push_back({"output", "(c,n)"});
            return args;
          },
          [&](const LinearKernel &k) {
            std::string block = std::to_string(kernels::packedLinearWeightShape(
                k.inFeatures, k.labels, target)[0]);
            return std::vector<KernelArgument>{
                {"input", "(c,n)"},
                {"weights", "(label%" + block + ",c,label/" + block + ")"},
                {"bias", "(label)"},
                {"output", "(label,n)"}};
          },
          [&](const ToNCHWKernel &) {
            return std::vector<KernelArgument>{{"input", activation},
                                               {"output", "(x,y,c,n) nchw"}};
          },
      },
      key);
}

void printKernelKey(llvm::raw_ostream &os, const KernelKey &key) {
  std::visit(Overloaded{
                 [&](const ConvKernel &k) {
                   const kernels::ConvSpec &s = k.spec;
                   os << "n=" << s.batch << " in=" << s.inC << "x" << s.inH
                      << "x" << s.inW << " out=" << s.outC << "x" << s.outH()
                      << "x" << s.outW() << " kernel=" << s.kernelH << "x"
                      << s.kernelW << " stride=" << s.strideH << "x"
                      << s.strideW << " dilation=" << s.dilationH << "x"
                      << s.dilationW;
                   printPad(os, {s.padTop, s.padLeft, s.padBottom, s.padRight});
                   os << " input=" << (s.inputNCHW ? "nchw" : "nhwc");
                   if (s.hasPrologue)
                     os << " prologue="
                        << mlir::bit::stringifyActivation(s.prologueActivation);
                   if (s.hasResidual)
                     os << " residual";
                   if (s.hasStats)
                     os << " stats=" << s.statsGroups << "groups/"
                        << s.statsTileRows << "rows";
                   if (k.winogradTile)
                     os << " winograd=F" << k.winogradTile;
                   if (k.int8)
                     os << " int8";
                   if (k.bf16)
                     os << " bf16";
                 },
                 [&](const MaxPoolKernel &k) {
                   printShape(os, k.in);
                   os << " window=" << k.window << " stride=" << k.stride;
                   printPad(os, k.pad);
                 },
                 [&](const PadKernel &k) {
                   printShape(os, k.in);
                   printPad(os, k.pad);
                   os << " value=" << k.value;
                 },
                 [&](const GroupNormStatsKernel &k) {
                   printShape(os, k.in);
                   os << " groups=" << k.groups << " eps=" << k.eps;
                 },
                 [&](const GroupNormCombineKernel &k) {
                   os << "n=" << k.batch << " c=" << k.channels
                      << " groups=" << k.groups << " tiles=" << k.tiles
                      << " eps=" << k.eps;
                 },
                 [&](const ApplyNormKernel &k) {
                   printShape(os, k.in);
                   if (k.residual)
                     os << " residual";
                   os << " activation="
                      << mlir::bit::stringifyActivation(k.activation);
                 },
                 [&](const AddKernel &k) {
                   printShape(os, k.in);
                   os << " activation="
                      << mlir::bit::stringifyActivation(k.activation);
                 },
                 [&](const GlobalAvgPoolKernel &k) {
                   printShape(os, k.in);
                   if (k.prologue)
                     os << " prologue="
                        << mlir::bit::stringifyActivation(k.activation);
                 },
                 [&](const LinearKernel &k) {
                   os << "n=" << k.batch << " in=" << k.inFeatures
                      << " labels=" << k.labels;
                 },
                 [&](const ToNCHWKernel &k) { printShape(os, k.shape); },
             },
             key);
}

} // namespace bitc
