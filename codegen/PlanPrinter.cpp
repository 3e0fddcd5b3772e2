//===- PlanPrinter.cpp - The kernel plan as text (--emit=plan) ------------===//

#include "codegen/PlanPrinter.h"
#include "codegen/HalideBackend.h"
#include "codegen/Planner.h"
#include "codegen/kernels/KernelUtil.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/FormatVariadic.h"

using llvm::formatv;

namespace bitc {
namespace {

llvm::StringRef sourceName(BufferSource source) {
  switch (source) {
  case BufferSource::Arena:
    return "arena";
  case BufferSource::Weights:
    return "weights";
  case BufferSource::Input:
    return "input";
  default:
    return "output";
  }
}

void printBinding(llvm::raw_ostream &os, const BufferBinding &b) {
  int64_t source = static_cast<int64_t>(b.source);
  int64_t output = source - static_cast<int64_t>(BufferSource::Output);
  os << sourceName(b.source);
  if (output >= 0)
    os << output;
  os << "+" << b.offset << " [";
  llvm::interleave(b.extents, os, ",");
  os << "]";
  if (b.strides != denseStrides(b.extents)) {
    os << " strides [";
    llvm::interleave(b.strides, os, ",");
    os << "]";
  }
  if (b.source == BufferSource::Weights) {
    int64_t floats = 1;
    for (int64_t e : b.extents)
      floats *= e;
    os << " " << floats * int64_t(sizeof(float)) << " bytes";
  }
}

} // namespace

llvm::Error printPlan(llvm::raw_ostream &os, const ModelPlan &plan,
                      const std::vector<KernelJob> &jobs,
                      const Halide::Target &target) {
  os << "plan target=" << target.to_string()
     << " vector=" << kernels::detail::floatVectorWidth(target) << "\n";
  os << "input [" << plan.batch << "," << plan.channels << "," << plan.height
     << "," << plan.width << "] nchw\n";
  for (auto [k, output] : llvm::enumerate(plan.outputs))
    os << "output" << k << " " << output.name << " [" << plan.batch << ","
       << output.channels
       << (output.featureMap
               ? formatv(",{0},{1}] nchw", output.height, output.width).str()
               : std::string("]"))
       << "\n";
  os << "workspace " << plan.workspaceBytes << " bytes, weights "
     << plan.weights.size() << " bytes, " << jobs.size() << " kernels, "
     << plan.calls.size() << " calls\n";

  std::vector<std::vector<KernelArgument>> arguments;
  for (const KernelJob &job : jobs) {
    std::string schedule;
    try {
      schedule = buildKernel(job.key, target).scheduleNote;
    } catch (const Halide::Error &e) {
      return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                     "codegen: kernel " + job.symbol + ": " +
                                         e.what());
    }
    arguments.push_back(kernelArguments(job.key, target));
    os << "\nkernel " << job.symbol << " " << kernelOpName(job.key) << " ";
    printKernelKey(os, job.key);
    os << "\n  schedule: " << schedule << "\n  args:";
    for (const KernelArgument &arg : arguments.back())
      os << " " << arg.name << arg.dims;
    os << "\n";
  }

  for (auto [index, call] : llvm::enumerate(plan.calls)) {
    const std::vector<KernelArgument> &args = arguments[call.kernel];
    if (args.size() != call.args.size())
      return llvm::createStringError(
          llvm::inconvertibleErrorCode(),
          formatv("codegen: call {0} binds {1} buffers, kernel {2} takes {3}",
                  index, call.args.size(), jobs[call.kernel].symbol,
                  args.size()));
    os << "\ncall " << index << " " << jobs[call.kernel].symbol << " "
       << call.origin << "\n";
    for (auto [arg, binding] : llvm::zip_equal(args, call.args)) {
      os << "  " << arg.name << " = ";
      printBinding(os, binding);
      os << "\n";
    }
  }
  return llvm::Error::success();
}

llvm::Error printKernelPlan(llvm::raw_ostream &os, mlir::ModuleOp module,
                            const ObjectOptions &options) {
  auto func = module.lookupSymbol<mlir::func::FuncOp>("forward");
  if (!func)
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "codegen: the module has no func.func "
                                   "@forward");
  auto target = parseKernelTarget(options.target);
  if (!target)
    return target.takeError();
  std::vector<KernelJob> jobs;
  auto plan = planKernels(func, *target, options.name, jobs, options.winograd);
  if (!plan)
    return plan.takeError();
  return printPlan(os, *plan, jobs, *target);
}

} // namespace bitc
