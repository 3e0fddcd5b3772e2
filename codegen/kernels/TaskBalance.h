//===- TaskBalance.h - How parallel tasks share the threads ----*- C++ -*-===//
//
// The runtime hands a kernel's parallel loop to the threads in contiguous
// shares (runtime/SlotLoops.c); the planners (ConvSchedule.cpp,
// WinogradConv.cpp) use this model of it to choose task sizes.
//
//===----------------------------------------------------------------------===//

#ifndef BITC_CODEGEN_KERNELS_TASKBALANCE_H
#define BITC_CODEGEN_KERNELS_TASKBALANCE_H

#include <vector>

namespace bitc::kernels::detail {

/// When the last of kTunedThreads threads is done with tasks of these sizes
/// (in loop order), run as the runtime hands them out: each thread first
/// works through a contiguous share of the tasks (thread k the k-th of
/// kTunedThreads), then takes what is left of the next shares, one task at
/// a time.
double shareSpan(const std::vector<double> &work);

/// The share of the threads' time spent working: the total work over
/// kTunedThreads x shareSpan. With 2 threads, tasks of 12, 12, 12, 8 | 9, 9,
/// 9, 6 end at 41 (the second thread takes the 8) instead of 38.5: 94% busy.
double shareBalance(const std::vector<double> &work);

} // namespace bitc::kernels::detail

#endif // BITC_CODEGEN_KERNELS_TASKBALANCE_H
