//===- PhaseReporter.h - Compile progress on a terminal ---------*- C++ -*-===//

#ifndef BITC_DRIVER_PHASEREPORTER_H
#define BITC_DRIVER_PHASEREPORTER_H

#include <chrono>
#include <functional>
#include <string>

namespace bitc {

/// Progress on a terminal (one line rewritten in place: import, passes,
/// plan, kernels k/n, runtime, emit) and, with -v, one timing line per phase.
class PhaseReporter {
public:
  using Clock = std::chrono::steady_clock;
  PhaseReporter(bool live, bool verbose) : live(live), verbose(verbose) {}
  ~PhaseReporter() { finish(); }

  void begin(const std::string &phase);
  void kernels(size_t done, size_t total);
  /// Progress reports of compileObject (ObjectOptions::progress).
  std::function<void(const std::string &, size_t, size_t)> progress();
  /// Ends the current phase (printing its time with -v).
  void finish();
  static double seconds(Clock::time_point since) {
    return std::chrono::duration<double>(Clock::now() - since).count();
  }

private:
  void show(const std::string &line);
  void clear();
  bool live, verbose, shown = false;
  std::string current;
  Clock::time_point started;
};

} // namespace bitc

#endif // BITC_DRIVER_PHASEREPORTER_H
