//===- ModelInfo.h - A compiled model's self-description as JSON -*- C++
//-*-===//
//
// `<name>_info_json()` returns this text, so that a program that has only the
// object or shared library (a Python or other FFI binding, a tool) learns the
// input shape, the labels count and the outputs without the header.
//
//===----------------------------------------------------------------------===//

#ifndef BITC_CODEGEN_MODELINFO_H
#define BITC_CODEGEN_MODELINFO_H

#include "codegen/ModelPlan.h"
#include <string>

namespace bitc {

/// Version of the JSON layout below; bumped when a field changes meaning.
constexpr int kModelInfoVersion = 1;

/// One line of JSON: {"bitc_model_info": 1, "name": ..., "input": [C, H, W],
/// "compiled_batch": B, "num_labels": L, "workspace_bytes": W,
/// "outputs": [{"name": "logits", "shape": [L]}, {"name": "stage1", "shape":
/// [C, H, W]}, ...]} (the --outputs, in order; [C] for logits and
/// pooler_output). Every shape is per image.
std::string modelInfoJson(const ModelPlan &plan, const std::string &name);

} // namespace bitc

#endif // BITC_CODEGEN_MODELINFO_H
