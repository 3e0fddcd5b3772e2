//===- ModelOutputs.h - Checkpoint kinds and the outputs they offer -*- C++
//-*-===//
//
// Hugging Face saves BiT as BitForImageClassification (`bit.*` +
// `classifier.1.*`), BitModel (no prefix, no classifier) or BitBackbone
// (`bit.*`, `out_features`). Each offers some of BitModel's outputs under
// their Hugging Face names: `logits`, `pooler_output`, `last_hidden_state`
// (after the final norm), `stem` and `stage1`..`stageN` (`hidden_states[0]`
// .. `hidden_states[N]`, before it).
//
//===----------------------------------------------------------------------===//

#ifndef BITC_FRONTEND_MODELOUTPUTS_H
#define BITC_FRONTEND_MODELOUTPUTS_H

#include "frontend/BitConfig.h"
#include "frontend/TensorStore.h"
#include "llvm/Support/Error.h"
#include <string>
#include <vector>

namespace bitc {

enum class CheckpointKind { ImageClassification, Model, Backbone };

/// "BitForImageClassification", "BitModel" or "BitBackbone".
llvm::StringRef checkpointClassName(CheckpointKind kind);

/// Prefix of the kind's tensor names: "bit." except for BitModel ("").
llvm::StringRef tensorPrefix(CheckpointKind kind);

/// Whether the kind ends in a classifier (an identity with num_labels 0).
inline bool hasClassifier(CheckpointKind kind) {
  return kind == CheckpointKind::ImageClassification;
}

/// The class a checkpoint was saved from: the one `architectures` names (any
/// other class is an error naming `configPath`), else what the tensors say:
/// no `bit.` prefix is BitModel; `classifier.1.*`, or `num_labels: 0`, is
/// BitForImageClassification; the rest is BitBackbone.
llvm::Expected<CheckpointKind> detectCheckpointKind(const BitConfig &config,
                                                    const TensorStore &store,
                                                    llvm::StringRef configPath);

/// Every output the kind offers: logits (classifier only), pooler_output,
/// last_hidden_state, stem, stage1..stageN.
std::vector<std::string> availableOutputs(const BitConfig &config,
                                          CheckpointKind kind);

/// What a compile returns without --outputs: the classifier's logits,
/// BitModel's pooler_output, BitBackbone's aligned out_features (Hugging
/// Face's default, the last stage, when the config sets neither key).
std::vector<std::string> defaultOutputs(const BitConfig &config,
                                        CheckpointKind kind);

/// The outputs `--outputs` names (comma-separated, any order), checked
/// before the model is read: not empty, known names, no name twice.
llvm::Expected<std::vector<std::string>> parseOutputList(llvm::StringRef text);

/// `text` ("" = the default) parsed and checked against the model: stages
/// it has, logits only with a classifier. `source` names the checkpoint.
llvm::Expected<std::vector<std::string>> selectOutputs(llvm::StringRef text,
                                                       const BitConfig &config,
                                                       CheckpointKind kind,
                                                       llvm::StringRef source);

} // namespace bitc

#endif // BITC_FRONTEND_MODELOUTPUTS_H
