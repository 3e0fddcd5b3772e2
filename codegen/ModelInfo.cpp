//===- ModelInfo.cpp - A compiled model's self-description as JSON --------===//

#include "codegen/ModelInfo.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/raw_ostream.h"

namespace bitc {

std::string modelInfoJson(const ModelPlan &plan, const std::string &name) {
  int64_t labels = static_cast<int64_t>(plan.labels.size());
  llvm::json::Array outputs;
  for (const OutputInfo &output : plan.outputs) {
    llvm::json::Array shape{output.channels};
    if (output.featureMap) {
      shape.push_back(output.height);
      shape.push_back(output.width);
    }
    outputs.push_back(
        llvm::json::Object{{"name", output.name}, {"shape", std::move(shape)}});
  }
  llvm::json::Object info{
      {"bitc_model_info", kModelInfoVersion},
      {"name", name},
      {"input", llvm::json::Array{plan.channels, plan.height, plan.width}},
      {"compiled_batch", plan.batch},
      {"num_labels", labels},
      {"workspace_bytes", plan.workspaceBytes},
      {"outputs", std::move(outputs)}};
  std::string text;
  llvm::raw_string_ostream os(text);
  os << llvm::json::Value(std::move(info));
  return text;
}

} // namespace bitc
