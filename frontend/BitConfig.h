//===- BitConfig.h - Hugging Face BitConfig ---------------------*- C++ -*-===//
//
// The fields of `config.json` that define a BitForImageClassification model,
// with the defaults of Hugging Face's BitConfig (docs/bit-model.md section 2).
//
//===----------------------------------------------------------------------===//

#ifndef BITC_FRONTEND_BITCONFIG_H
#define BITC_FRONTEND_BITCONFIG_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include <cstdint>
#include <string>
#include <vector>

namespace bitc {

enum class LayerType { Preactivation, Bottleneck };
enum class GlobalPadding { Pytorch, Same, Valid }; // Pytorch == JSON null

struct BitConfig {
  int64_t numChannels = 3;
  int64_t embeddingSize = 64;
  std::vector<int64_t> hiddenSizes = {256, 512, 1024, 2048};
  std::vector<int64_t> depths = {3, 4, 6, 3};
  LayerType layerType = LayerType::Preactivation;
  /// The Hugging Face spelling: relu, gelu, gelu_new, selu.
  std::string hiddenAct = "relu";
  GlobalPadding globalPadding = GlobalPadding::Pytorch;
  bool embeddingDynamicPadding = false;
  int64_t numGroups = 32;
  int64_t outputStride = 32;
  int64_t widthFactor = 1;
  double dropPathRate = 0.0;
  /// Weight-standardization epsilon: 1e-8 for HF/timm, 1e-10 for Google's.
  double wsEps = 1e-8;
  /// Group-norm epsilon of every BitGroupNormActivation.
  double groupNormEps = 1e-5;
  /// id2label ordered by id; its size is the number of labels (0 with
  /// `num_labels: 0`: the classifier is then an identity).
  std::vector<std::string> labels;
  /// BitBackbone's outputs: `out_features` and `out_indices` aligned and
  /// checked as Hugging Face does, as stage names (stem, stage1..stageN) in
  /// stage order; empty when neither is set.
  std::vector<std::string> outFeatures;
  /// The first entry of `architectures` ("" when absent), e.g. "BitModel".
  std::string architecture;

  /// Stage output channels after width_factor and make_div.
  int64_t stageWidth(size_t stage) const;
  /// Bottleneck (mid) channels of a stage.
  int64_t stageMidWidth(size_t stage) const;
  /// Hugging Face's backbone stage names: "stem", "stage1".."stageN".
  std::vector<std::string> stageNames() const;
};

/// `n = max(8, int(v + 4) // 8 * 8); if n < 0.9 * v: n += 8` (timm make_div).
int64_t makeDivisible(double value, int64_t divisor = 8);

/// Reads and validates `config.json`. Errors are one line and name the file
/// and the offending key, e.g.
///   "<path>: 'depths' must be an array of positive integers".
llvm::Expected<BitConfig> readBitConfig(llvm::StringRef path);

/// Parses the text of a `config.json` (what readBitConfig reads); `path`
/// names it in errors.
llvm::Expected<BitConfig> parseBitConfig(llvm::StringRef path,
                                         llvm::StringRef text);

/// Checks values the reader cannot check field by field (every stage width
/// divisible by num_groups, lengths of depths and hidden_sizes, ...). The
/// message names `path`.
llvm::Error validateBitConfig(const BitConfig &config, llvm::StringRef path);

} // namespace bitc

#endif // BITC_FRONTEND_BITCONFIG_H
