//===- TaskBalance.cpp - How a parallel loop's tasks share the threads ----===//

#include "codegen/kernels/TaskBalance.h"
#include "codegen/kernels/KernelUtil.h"

#include <algorithm>
#include <cstdint>

namespace bitc::kernels::detail {

double shareSpan(const std::vector<double> &work) {
  const int threads = kTunedThreads;
  const int64_t tasks = int64_t(work.size());
  std::vector<int64_t> next(threads), end(threads);
  std::vector<double> clock(threads, 0);
  for (int k = 0; k < threads; ++k) {
    next[k] = tasks * k / threads;
    end[k] = tasks * (k + 1) / threads;
  }
  double span = 0;
  // The thread that is free first claims the next task: its own share's
  // front, else the front of the next share that has one left.
  for (;;) {
    const int k =
        int(std::min_element(clock.begin(), clock.end()) - clock.begin());
    int claimed = -1;
    for (int j = 0; j < threads && claimed < 0; ++j) {
      const int share = (k + j) % threads;
      if (next[share] < end[share])
        claimed = share;
    }
    if (claimed < 0)
      break;
    clock[k] += work[size_t(next[claimed]++)];
    span = std::max(span, clock[k]);
  }
  return span;
}

double shareBalance(const std::vector<double> &work) {
  double total = 0;
  for (double w : work)
    total += w;
  const double span = shareSpan(work);
  return span > 0 ? total / (double(kTunedThreads) * span) : 1.0;
}

} // namespace bitc::kernels::detail
