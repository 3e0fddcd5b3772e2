//===- DotPacking.h - Filters for dot-product instructions ------*- C++ -*-===//

#ifndef BITC_CODEGEN_KERNELS_DOTPACKING_H
#define BITC_CODEGEN_KERNELS_DOTPACKING_H

#include <cstdint>
#include <vector>

namespace bitc::kernels::detail {

/// Extents (innermost first) of a filter packed by packDotWeights.
inline std::vector<int> dotWeightShape(int64_t inC, int64_t outC,
                                       int64_t kernel, int lanes, int group) {
  return {group,       lanes,       int((inC + group - 1) / group),
          int(kernel), int(kernel), int(outC / lanes)};
}

/// OIHW (outC x inC x kernel x kernel) -> (group, lane, ci/group, kx, ky,
/// co/lane), innermost first: the `group` consecutive input channels one
/// dot-product instruction sums, for `lanes` output channels, are adjacent.
/// Input channels past inC are zero.
template <typename T>
std::vector<T> packDotWeights(int64_t inC, int64_t outC, int64_t kernel,
                              int lanes, int group, const T *oihw) {
  const int64_t groups = (inC + group - 1) / group, k = kernel;
  std::vector<T> packed(groups * group * k * k * outC, T(0));
  for (int64_t co = 0; co < outC; ++co)
    for (int64_t ci = 0; ci < inC; ++ci)
      for (int64_t ky = 0; ky < k; ++ky)
        for (int64_t kx = 0; kx < k; ++kx) {
          int64_t index =
              ci % group +
              group * (co % lanes +
                       lanes * (ci / group +
                                groups * (kx + k * (ky + k * (co / lanes)))));
          packed[index] = oihw[((co * inC + ci) * k + ky) * k + kx];
        }
  return packed;
}

} // namespace bitc::kernels::detail

#endif // BITC_CODEGEN_KERNELS_DOTPACKING_H
