//===- PhaseReporter.cpp - Compile progress on a terminal -----------------===//

#include "driver/PhaseReporter.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/raw_ostream.h"

namespace bitc {

void PhaseReporter::begin(const std::string &phase) {
  finish();
  current = phase;
  started = Clock::now();
  show("bitc: " + phase + "...");
}

void PhaseReporter::kernels(size_t done, size_t total) {
  if (current != "kernels")
    begin("kernels");
  show(llvm::formatv("bitc: kernels {0}/{1}", done, total).str());
}

std::function<void(const std::string &, size_t, size_t)>
PhaseReporter::progress() {
  return [this](const std::string &phase, size_t done, size_t total) {
    if (phase == "kernels")
      kernels(done, total);
    else
      begin(phase);
  };
}

void PhaseReporter::finish() {
  if (current.empty())
    return;
  clear();
  if (verbose)
    llvm::errs() << llvm::formatv("bitc: {0,-8} {1,7:F2} s\n", current,
                                  seconds(started));
  current.clear();
}

void PhaseReporter::show(const std::string &line) {
  if (!live)
    return;
  llvm::errs() << "\r\x1b[K" << line;
  llvm::errs().flush();
  shown = true;
}

void PhaseReporter::clear() {
  if (live && shown)
    llvm::errs() << "\r\x1b[K";
  shown = false;
}

} // namespace bitc
