//===- BitConfigShapes.cpp - Widths derived from a BitConfig --------------===//
//
// The channel counts Hugging Face's BitModel computes from `hidden_sizes`,
// `width_factor` and `bottleneck_ratio` (docs/bit-model.md section 2).
//
//===----------------------------------------------------------------------===//

#include "frontend/BitConfig.h"
#include <algorithm>

using namespace bitc;

int64_t bitc::makeDivisible(double value, int64_t divisor) {
  if (divisor <= 0)
    divisor = 8;
  // Keep the arithmetic inside int64 for any input; BiT values are tiny.
  if (!(value > 0))
    return divisor;
  if (value > 1e15)
    value = 1e15;
  int64_t rounded =
      static_cast<int64_t>(value + static_cast<double>(divisor) / 2) / divisor *
      divisor;
  int64_t result = std::max(divisor, rounded);
  if (static_cast<double>(result) < 0.9 * value)
    result += divisor;
  return result;
}

int64_t BitConfig::stageWidth(size_t stage) const {
  if (stage >= hiddenSizes.size())
    return 0;
  return makeDivisible(static_cast<double>(hiddenSizes[stage]) *
                       static_cast<double>(widthFactor));
}

std::vector<std::string> BitConfig::stageNames() const {
  std::vector<std::string> names = {"stem"};
  for (size_t i = 1; i <= depths.size(); ++i)
    names.push_back("stage" + std::to_string(i));
  return names;
}

int64_t BitConfig::stageMidWidth(size_t stage) const {
  if (stage >= hiddenSizes.size())
    return 0;
  return makeDivisible(static_cast<double>(stageWidth(stage)) * 0.25);
}
