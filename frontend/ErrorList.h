//===- ErrorList.h - One-line reader errors reported together ---*- C++ -*-===//

#ifndef BITC_FRONTEND_ERRORLIST_H
#define BITC_FRONTEND_ERRORLIST_H

#include "frontend/JsonUtil.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/Twine.h"
#include "llvm/Support/Error.h"
#include <string>
#include <vector>

namespace bitc {

/// A broken file can have thousands of bad entries; report this many lines.
constexpr size_t kMaxReportedErrors = 20;

/// One-line errors gathered while checking a checkpoint, reported together.
class ErrorList {
public:
  void add(const llvm::Twine &line) {
    if (lines.size() < kMaxReportedErrors)
      lines.push_back(line.str());
    ++total;
  }
  bool empty() const { return total == 0; }
  size_t count() const { return total; }
  /// All lines as one error ("\n"-separated), with a last line counting what
  /// was left out; `summaryPrefix` names the file of that line.
  llvm::Error take(llvm::StringRef summaryPrefix) {
    std::string message = llvm::join(lines, "\n");
    if (total > lines.size())
      message += ("\n" + summaryPrefix + ": ... and " +
                  llvm::Twine(total - lines.size()) + " more errors")
                     .str();
    lines.clear();
    total = 0;
    return makeError(message);
  }

private:
  std::vector<std::string> lines;
  size_t total = 0;
};

/// "[2, 3, 4]", for diagnostics.
inline std::string shapeString(llvm::ArrayRef<int64_t> shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i)
    s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

} // namespace bitc

#endif // BITC_FRONTEND_ERRORLIST_H
