//===- EntryPoint.cpp - The C API, tables and weights as LLVM IR ----------===//

#include "codegen/EntryPoint.h"
#include "codegen/ModelInfo.h"
#include "codegen/RuntimeAbi.h"
#include "codegen/RuntimeBitcode.h"
#include "codegen/WeightObject.h"
#include "llvm/IR/Constants.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/IR/Verifier.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/Target/TargetOptions.h"
#include "llvm/TargetParser/Triple.h"
#include <mutex>

using namespace llvm;

namespace bitc {
namespace {

Error makeError(const Twine &message) {
  return createStringError(inconvertibleErrorCode(), "codegen: " + message);
}

void initializeTargetsOnce() {
  static std::once_flag flag;
  std::call_once(flag, [] {
    InitializeAllTargetInfos();
    InitializeAllTargets();
    InitializeAllTargetMCs();
    InitializeAllAsmPrinters();
  });
}

/// One runtime table (a struct of runtime/ModelRuntime.h or Preprocess.h)
/// as an LLVM constant: each value is set at the offsetof of the C member it
/// fills, so the C header decides the order; the LLVM struct type follows
/// from the values (all 8 bytes wide, RuntimeAbi.h).
class TableSlots {
public:
  TableSlots(size_t bytes, const char *name)
      : values(abi::slotOf(bytes)), name(name) {}
  void set(size_t offset, Constant *value) {
    values[abi::slotOf(offset)] = value;
  }
  Constant *build(LLVMContext &context) const {
    std::vector<Type *> types;
    for (auto [slot, value] : llvm::enumerate(values)) {
      if (!value)
        report_fatal_error("codegen: " + Twine(name) + ": slot " + Twine(slot) +
                           " is not filled");
      types.push_back(value->getType());
    }
    return ConstantStruct::get(StructType::get(context, types), values);
  }

private:
  std::vector<Constant *> values;
  const char *name;
};

class EntryPointBuilder {
public:
  EntryPointBuilder(const ModelPlan &plan, const EntryPointOptions &options,
                    Module &module)
      : plan(plan), options(options), module(module),
        context(module.getContext()), i64(Type::getInt64Ty(context)),
        i32(Type::getInt32Ty(context)), ptr(PointerType::get(context, 0)) {}

  Error build();

private:
  GlobalVariable *privateConstant(Constant *init, const Twine &name,
                                  uint64_t align = 8) {
    auto *global = new GlobalVariable(module, init->getType(), true,
                                      GlobalValue::PrivateLinkage, init,
                                      options.name + "." + name);
    global->setAlignment(Align(align));
    global->setUnnamedAddr(GlobalValue::UnnamedAddr::Global);
    return global;
  }
  Constant *weights();
  Constant *labels();
  Constant *stringTable(ArrayRef<std::string> values, const Twine &name);
  Constant *arguments();
  Constant *steps();
  Constant *preprocess();
  Constant *profile();
  Function *apiFunction(StringRef suffix, Type *result,
                        ArrayRef<Type *> params);
  Error defineApi(GlobalVariable *model);

  const ModelPlan &plan;
  const EntryPointOptions &options;
  Module &module;
  LLVMContext &context;
  Type *i64, *i32;
  PointerType *ptr;
};

/// The blob is defined by the separate weight object (WeightObject.h), which
/// ld -r merges with this one; here it is only referenced, through the 64-bit
/// absolute pointer in the model struct.
Constant *EntryPointBuilder::weights() {
  // Its size does not matter here (and plan.weights may already be freed).
  auto *type = ArrayType::get(Type::getInt8Ty(context), 0);
  auto *global =
      new GlobalVariable(module, type, true, GlobalValue::ExternalLinkage,
                         nullptr, weightSymbolName(options.name));
  global->setVisibility(GlobalValue::HiddenVisibility);
  global->setAlignment(Align(64));
  return global;
}

/// An array of pointers to NUL-terminated copies of `values`.
Constant *EntryPointBuilder::stringTable(ArrayRef<std::string> values,
                                         const Twine &name) {
  std::vector<Constant *> strings;
  for (size_t i = 0; i < values.size(); ++i)
    strings.push_back(
        privateConstant(ConstantDataArray::getString(context, values[i]),
                        name + "." + Twine(i), 1));
  auto *type = ArrayType::get(ptr, strings.size());
  return privateConstant(ConstantArray::get(type, strings), name);
}

Constant *EntryPointBuilder::labels() {
  return stringTable(plan.labels, "labels");
}

Constant *EntryPointBuilder::arguments() {
  std::vector<Constant *> rows;
  for (const KernelCall &call : plan.calls)
    for (const BufferBinding &arg : call.args) {
      TableSlots fields(sizeof(bitc_arg), "bitc_arg");
      auto constant = [&](int64_t v) { return ConstantInt::get(i64, v); };
      fields.set(offsetof(bitc_arg, source),
                 constant(static_cast<int64_t>(arg.source)));
      fields.set(offsetof(bitc_arg, offset), constant(arg.offset));
      fields.set(offsetof(bitc_arg, dims), constant(arg.extents.size()));
      for (size_t d = 0; d < BITC_MAX_DIMS; ++d) {
        bool used = d < arg.extents.size();
        fields.set(offsetof(bitc_arg, extent) + d * sizeof(int64_t),
                   constant(used ? arg.extents[d] : 0));
        fields.set(offsetof(bitc_arg, stride) + d * sizeof(int64_t),
                   constant(used ? arg.strides[d] : 0));
      }
      rows.push_back(fields.build(context));
    }
  // Every member of bitc_arg is int64_t (or an array of them).
  auto *argType = StructType::get(
      context, SmallVector<Type *>(abi::slotOf(sizeof(bitc_arg)), i64));
  auto *type = ArrayType::get(argType, rows.size());
  return privateConstant(ConstantArray::get(type, rows), "args");
}

Constant *EntryPointBuilder::steps() {
  auto *kernelType = FunctionType::get(i32, {ptr}, false);
  std::vector<Constant *> rows;
  int64_t firstArg = 0;
  for (const KernelCall &call : plan.calls) {
    // Halide emits `<fn>_argv(void **)` next to every pipeline: one calling
    // convention for kernels of any arity.
    FunctionCallee fn = module.getOrInsertFunction(
        plan.kernelSymbols[call.kernel] + "_argv", kernelType);
    TableSlots step(sizeof(bitc_step), "bitc_step");
    step.set(offsetof(bitc_step, fn), cast<Constant>(fn.getCallee()));
    step.set(offsetof(bitc_step, first_arg), ConstantInt::get(i64, firstArg));
    step.set(offsetof(bitc_step, num_args),
             ConstantInt::get(i64, call.args.size()));
    rows.push_back(step.build(context));
    firstArg += call.args.size();
  }
  // bitc_step is (fn, first_arg, num_args), in the header's order.
  std::vector<Type *> stepTypes(abi::slotOf(sizeof(bitc_step)), i64);
  stepTypes[abi::slotOf(offsetof(bitc_step, fn))] = ptr;
  auto *type = ArrayType::get(StructType::get(context, stepTypes), rows.size());
  return privateConstant(ConstantArray::get(type, rows), "steps");
}

Constant *EntryPointBuilder::preprocess() {
  const PreprocessPlan &pre = plan.preprocess;
  Type *f64 = Type::getDoubleTy(context);
  int64_t flags = (pre.doResize ? BITC_PRE_RESIZE : 0) |
                  (pre.doCenterCrop ? BITC_PRE_CENTER_CROP : 0) |
                  (pre.doRescale ? BITC_PRE_RESCALE : 0) |
                  (pre.doNormalize ? BITC_PRE_NORMALIZE : 0) |
                  (pre.fixedSize ? BITC_PRE_FIXED_SIZE : 0);
  TableSlots fields(sizeof(bitc_preprocess), "bitc_preprocess");
  auto integer = [&](size_t offset, int64_t v) {
    fields.set(offset, ConstantInt::get(i64, v));
  };
  auto real = [&](size_t offset, double v) {
    fields.set(offset, ConstantFP::get(f64, v));
  };
  integer(offsetof(bitc_preprocess, channels), plan.channels);
  integer(offsetof(bitc_preprocess, height), plan.height);
  integer(offsetof(bitc_preprocess, width), plan.width);
  integer(offsetof(bitc_preprocess, flags), flags);
  integer(offsetof(bitc_preprocess, resample), pre.resample);
  integer(offsetof(bitc_preprocess, shortest_edge), pre.shortestEdge);
  integer(offsetof(bitc_preprocess, resize_height), pre.resizeHeight);
  integer(offsetof(bitc_preprocess, resize_width), pre.resizeWidth);
  integer(offsetof(bitc_preprocess, crop_height), pre.cropHeight);
  integer(offsetof(bitc_preprocess, crop_width), pre.cropWidth);
  real(offsetof(bitc_preprocess, rescale_factor), pre.rescaleFactor);
  static_assert(
      std::size(PreprocessPlan{}.mean) == std::size(bitc_preprocess{}.mean) &&
      std::size(PreprocessPlan{}.std) == std::size(bitc_preprocess{}.std));
  for (size_t c = 0; c < std::size(pre.mean); ++c) {
    real(offsetof(bitc_preprocess, mean) + c * sizeof(double), pre.mean[c]);
    real(offsetof(bitc_preprocess, std) + c * sizeof(double), pre.std[c]);
  }
  integer(offsetof(bitc_preprocess, processor),
          pre.torchvision ? BITC_PROCESSOR_TORCHVISION : BITC_PROCESSOR_PIL);
  return privateConstant(fields.build(context), "preprocess");
}

/// struct bitc_profile (runtime/ModelRuntime.h) for --profile, else null:
/// names per kernel and per step, and zeroed mutable counters.
Constant *EntryPointBuilder::profile() {
  if (!options.profile)
    return ConstantPointerNull::get(ptr);
  auto counters = [&](size_t count, const Twine &name) {
    auto *type = ArrayType::get(i64, std::max<size_t>(count, 1));
    auto *global = new GlobalVariable(
        module, type, false, GlobalValue::InternalLinkage,
        ConstantAggregateZero::get(type), options.name + "." + name);
    global->setAlignment(Align(64));
    return global;
  };
  std::vector<std::string> origins;
  std::vector<uint64_t> stepKernel;
  for (const KernelCall &call : plan.calls) {
    origins.push_back(call.origin);
    stepKernel.push_back(call.kernel);
  }
  TableSlots fields(sizeof(bitc_profile), "bitc_profile");
  fields.set(
      offsetof(bitc_profile, model_name),
      privateConstant(ConstantDataArray::getString(context, options.name),
                      "profile.name", 1));
  fields.set(offsetof(bitc_profile, kernel_kinds),
             stringTable(plan.kernelKinds, "profile.kinds"));
  fields.set(offsetof(bitc_profile, num_kernels),
             ConstantInt::get(i64, plan.kernelKinds.size()));
  fields.set(offsetof(bitc_profile, step_kernel),
             privateConstant(ConstantDataArray::get(context, stepKernel),
                             "profile.step_kernel"));
  fields.set(offsetof(bitc_profile, origins),
             stringTable(origins, "profile.origins"));
  fields.set(offsetof(bitc_profile, ns),
             counters(plan.calls.size(), "profile.ns"));
  fields.set(offsetof(bitc_profile, totals), counters(3, "profile.totals"));
  fields.set(offsetof(bitc_profile, wait_ns),
             counters(plan.calls.size(), "profile.wait_ns"));
  return privateConstant(fields.build(context), "profile");
}

Function *EntryPointBuilder::apiFunction(StringRef suffix, Type *result,
                                         ArrayRef<Type *> params) {
  auto *type = FunctionType::get(result, params, false);
  return Function::Create(type, GlobalValue::ExternalLinkage,
                          options.name + "_" + suffix, module);
}

Error EntryPointBuilder::defineApi(GlobalVariable *model) {
  auto forwardTarget = [&](StringRef name) -> Function * {
    return module.getFunction(("bitc.rt." + name).str());
  };
  Function *forward = forwardTarget("bitc_model_forward");
  Function *label = forwardTarget("bitc_model_label");
  Function *errorString = forwardTarget("bitc_error_string");
  Function *setThreads = forwardTarget("bitc_set_num_threads");
  Function *preprocessPixels = forwardTarget("bitc_model_preprocess");
  Function *classifyPixels = forwardTarget("bitc_model_classify");
  Function *workspaceSize = forwardTarget("bitc_model_workspace_size");
  Function *forwardWithWorkspace =
      forwardTarget("bitc_model_forward_with_workspace");
  Function *forwardOutputs = forwardTarget("bitc_model_forward_outputs");
  Function *forwardOutputsWithWorkspace =
      forwardTarget("bitc_model_forward_outputs_with_workspace");
  Function *outputName = forwardTarget("bitc_model_output_name");
  Function *embedPixels = forwardTarget("bitc_model_embed");
  if (!forward || !label || !errorString || !setThreads || !preprocessPixels ||
      !classifyPixels || !workspaceSize || !forwardWithWorkspace ||
      !forwardOutputs || !forwardOutputsWithWorkspace || !outputName ||
      !embedPixels)
    return makeError("the runtime bitcode lacks the bitc_* entry points");

  IRBuilder<> builder(context);
  auto body = [&](Function *api, Function *callee, bool passModel) {
    builder.SetInsertPoint(BasicBlock::Create(context, "entry", api));
    SmallVector<Value *> args;
    if (passModel)
      args.push_back(model);
    for (Argument &arg : api->args())
      args.push_back(&arg);
    CallInst *call = builder.CreateCall(callee, args);
    if (api->getReturnType()->isVoidTy())
      builder.CreateRetVoid();
    else
      builder.CreateRet(call);
  };
  body(apiFunction("forward", i32, {ptr, i32, ptr}), forward, true);
  Type *sizeType = module.getDataLayout().getIntPtrType(context);
  body(apiFunction("workspace_size", sizeType, {i32}), workspaceSize, true);
  // (pixels, batch, logits, workspace, workspace_size)
  body(apiFunction("forward_with_workspace", i32,
                   {ptr, i32, ptr, ptr, sizeType}),
       forwardWithWorkspace, true);
  // (pixels, batch, outputs[], [workspace, workspace_size])
  body(apiFunction("forward_outputs", i32, {ptr, i32, ptr}), forwardOutputs,
       true);
  body(apiFunction("forward_outputs_with_workspace", i32,
                   {ptr, i32, ptr, ptr, sizeType}),
       forwardOutputsWithWorkspace, true);
  body(apiFunction("output_name", ptr, {i32}), outputName, true);
  body(apiFunction("label", ptr, {i32}), label, true);
  body(apiFunction("error_string", ptr, {i32}), errorString, false);
  body(apiFunction("set_num_threads", Type::getVoidTy(context), {i32}),
       setThreads, false);
  // <name>_{preprocess,classify,embed}_<format>(data, width, height,
  // row_stride, pixels | logits | embedding) pass the model and the format
  // (enum bitc_pixel_format, runtime/Preprocess.h) on to the runtime; embed
  // only where pooler_output is an output.
  std::vector<std::pair<Function *, const char *>> perFormat = {
      {preprocessPixels, "preprocess_"}, {classifyPixels, "classify_"}};
  if (hasEmbedding(plan))
    perFormat.push_back({embedPixels, "embed_"});
  for (auto [format, suffix] : {std::pair{BITC_PIXELS_RGB8, "rgb8"},
                                std::pair{BITC_PIXELS_BGR8, "bgr8"},
                                std::pair{BITC_PIXELS_RGBA8, "rgba8"},
                                std::pair{BITC_PIXELS_BGRA8, "bgra8"},
                                std::pair{BITC_PIXELS_GRAY8, "gray8"}})
    for (auto [callee, prefix] : perFormat) {
      Function *api = apiFunction(prefix + std::string(suffix), i32,
                                  {ptr, i32, i32, i32, ptr});
      builder.SetInsertPoint(BasicBlock::Create(context, "entry", api));
      SmallVector<Value *> args = {model, ConstantInt::get(i32, format)};
      for (Argument &arg : api->args())
        args.push_back(&arg);
      builder.CreateRet(builder.CreateCall(callee, args));
    }
  // The header-free description (ModelInfo.h), for FFI bindings.
  Function *info = apiFunction("info_json", ptr, {});
  builder.SetInsertPoint(BasicBlock::Create(context, "entry", info));
  builder.CreateRet(privateConstant(
      ConstantDataArray::getString(context, modelInfoJson(plan, options.name)),
      "info", 1));
  return Error::success();
}

Error EntryPointBuilder::build() {
  // The runtime's own symbols leave the C namespace (a '.' never appears in a
  // --name) and become internal, so no API name can collide with them and two
  // models in one program share nothing.
  // Except the runtime's replacements of Halide runtime functions
  // (HalideThreads.c): they keep their names and are weak like Halide's,
  // and the entry object is linked before Halide's runtime, so they win.
  for (Function &fn : module.functions())
    if (!fn.isDeclaration() && fn.getName().starts_with("halide_")) {
      fn.setLinkage(GlobalValue::WeakAnyLinkage);
    } else if (!fn.isDeclaration()) {
      fn.setName("bitc.rt." + fn.getName());
      fn.setLinkage(GlobalValue::InternalLinkage);
    }
  // llvm.global_ctors & co. keep their names: LLVM looks them up by name
  // (the TSan runtime variant registers its constructor there).
  for (GlobalVariable &global : module.globals())
    if (!global.isDeclaration() && !global.getName().starts_with("llvm.")) {
      global.setName("bitc.rt." + global.getName());
      if (!global.hasLocalLinkage())
        global.setLinkage(GlobalValue::InternalLinkage);
    }
  // struct bitc_model (runtime/ModelRuntime.h).
  if (plan.outputs.empty() || plan.outputs.size() > kMaxOutputs)
    return makeError("a model has 1.." + Twine(kMaxOutputs) + " outputs");
  std::vector<uint64_t> outputFloats;
  std::vector<std::string> outputNames;
  int64_t embedding = -1;
  for (const OutputInfo &output : plan.outputs) {
    if (output.name == "pooler_output")
      embedding = static_cast<int64_t>(outputNames.size());
    outputFloats.push_back(output.floats());
    outputNames.push_back(output.name);
  }
  TableSlots fields(sizeof(bitc_model), "bitc_model");
  auto integer = [&](size_t offset, int64_t v) {
    fields.set(offset, ConstantInt::get(i64, v));
  };
  fields.set(offsetof(bitc_model, steps), steps());
  integer(offsetof(bitc_model, num_steps), plan.calls.size());
  fields.set(offsetof(bitc_model, args), arguments());
  fields.set(offsetof(bitc_model, weights), weights());
  integer(offsetof(bitc_model, workspace_bytes), plan.workspaceBytes);
  integer(offsetof(bitc_model, batch), plan.batch);
  integer(offsetof(bitc_model, input_floats),
          plan.channels * plan.height * plan.width);
  integer(offsetof(bitc_model, output_floats), outputFloats.front());
  fields.set(offsetof(bitc_model, labels), labels());
  integer(offsetof(bitc_model, num_labels), plan.labels.size());
  fields.set(offsetof(bitc_model, preprocess), preprocess());
  fields.set(offsetof(bitc_model, profile), profile());
  integer(offsetof(bitc_model, num_outputs), outputFloats.size());
  fields.set(offsetof(bitc_model, outputs_floats),
             privateConstant(ConstantDataArray::get(context, outputFloats),
                             "outputs_floats"));
  fields.set(offsetof(bitc_model, output_names),
             stringTable(outputNames, "output_names"));
  integer(offsetof(bitc_model, embedding_output), embedding);
  Constant *init = fields.build(context);
  Type *modelType = init->getType();
  auto *model =
      new GlobalVariable(module, modelType, true, GlobalValue::InternalLinkage,
                         init, options.name + ".model");
  return defineApi(model);
}

} // namespace

Expected<std::vector<std::string>>
emitEntryPoint(const ModelPlan &plan, const EntryPointOptions &options) {
  initializeTargetsOnce();
  LLVMContext context;
  std::string error;
  Triple triple(options.triple);
  auto parsed = loadRuntimeBitcode(options.runtimeBitcode, triple,
                                   options.threadSanitizer, context);
  if (!parsed)
    return parsed.takeError();
  std::unique_ptr<Module> module = std::move(*parsed);
  module->setModuleIdentifier(options.name);

  const Target *target = TargetRegistry::lookupTarget(triple.str(), error);
  if (!target)
    return makeError("target '" + options.triple + "': " + error);
  TargetOptions targetOptions;
  std::unique_ptr<TargetMachine> machine(target->createTargetMachine(
      triple.str(), "generic", "", targetOptions, Reloc::PIC_));
  module->setTargetTriple(triple.str());
  module->setDataLayout(machine->createDataLayout());

  EntryPointBuilder builder(plan, options, *module);
  if (Error err = builder.build())
    return err;
  std::string verifyErrors;
  raw_string_ostream verifyStream(verifyErrors);
  if (verifyModule(*module, &verifyStream))
    return makeError("internal error: invalid entry-point IR: " + verifyErrors);
  // Everything else was made internal by the builder: what is left defined
  // and external is the C API.
  std::vector<std::string> api;
  for (Function &fn : *module)
    if (!fn.isDeclaration() && fn.hasExternalLinkage())
      api.push_back(fn.getName().str());

  std::error_code ec;
  raw_fd_ostream out(options.objectPath, ec, sys::fs::OF_None);
  if (ec)
    return makeError(options.objectPath + ": " + ec.message());
  legacy::PassManager pm;
  if (machine->addPassesToEmitFile(pm, out, nullptr,
                                   CodeGenFileType::ObjectFile))
    return makeError("the target cannot emit object files");
  pm.run(*module);
  out.flush();
  if (out.has_error())
    return makeError(options.objectPath + ": " + out.error().message());
  return api;
}

} // namespace bitc
