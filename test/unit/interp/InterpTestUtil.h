//===- InterpTestUtil.h - Helpers for the interpreter tests -----*- C++ -*-===//
//
// Parsing small functions from MLIR text, random tensors, tolerant
// comparison, and naive reference computations written independently of the
// interpreter (direct index arithmetic, no padded buffers, moments from
// E[x^2] - E[x]^2 in long double).
//
//===----------------------------------------------------------------------===//

#ifndef BITC_TEST_UNIT_INTERP_INTERPTESTUTIL_H
#define BITC_TEST_UNIT_INTERP_INTERPTESTUTIL_H

#include "interp/Interpreter.h"
#include "ir/Activation.h"
#include "ir/BitDialect.h"
#include "ir/BitOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "gtest/gtest.h"

#include <cmath>
#include <optional>
#include <random>
#include <string>
#include <vector>

namespace bitc::test {

inline int64_t numElements(const std::vector<int64_t> &shape) {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

inline HostTensor tensor(std::vector<int64_t> shape, std::vector<float> data) {
  return HostTensor{std::move(shape), std::move(data)};
}

/// Uniform random values in [lo, hi), reproducible from `seed`.
inline HostTensor randomTensor(std::vector<int64_t> shape, unsigned seed,
                               float lo = -1.0f, float hi = 1.0f) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  HostTensor t{shape, std::vector<float>(numElements(shape))};
  for (float &v : t.data)
    v = dist(rng);
  return t;
}

/// Expects equal shapes and |a - b| <= atol + rtol * |b| element-wise.
inline void expectClose(const HostTensor &actual, const HostTensor &expected,
                        double atol = 1e-6, double rtol = 1e-5) {
  ASSERT_EQ(actual.shape, expected.shape);
  ASSERT_EQ(actual.data.size(), expected.data.size());
  int reported = 0;
  for (size_t i = 0; i < actual.data.size(); ++i) {
    double a = actual.data[i], b = expected.data[i];
    if (!(std::fabs(a - b) <= atol + rtol * std::fabs(b)) && reported++ < 8)
      ADD_FAILURE() << "element " << i << ": got " << a << ", expected " << b;
  }
}

/// Owns a context with the bit and func dialects and the parsed module.
class InterpTest : public ::testing::Test {
protected:
  InterpTest() {
    context.loadDialect<mlir::bit::BitDialect, mlir::func::FuncDialect>();
    context.allowUnregisteredDialects();
  }

  /// Parses `text` (buffer name "test.mlir") and returns its function
  /// `name` (or the first function when `name` is empty). `verify` = false
  /// keeps invalid IR, to test the interpreter's own verification.
  mlir::func::FuncOp parse(llvm::StringRef text, llvm::StringRef name = "",
                           bool verify = true) {
    mlir::ParserConfig config(&context, verify);
    module = mlir::parseSourceString<mlir::ModuleOp>(text, config, "test.mlir");
    if (!module) {
      ADD_FAILURE() << "cannot parse:\n" << text.str();
      return nullptr;
    }
    for (auto func : module->getOps<mlir::func::FuncOp>())
      if (name.empty() || func.getSymName() == name)
        return func;
    ADD_FAILURE() << "no function '" << name.str() << "'";
    return nullptr;
  }

  /// Interprets function `name` of `text`; fails the test on an error.
  std::vector<HostTensor> run(llvm::StringRef text,
                              const std::vector<HostTensor> &inputs,
                              llvm::StringRef name = "") {
    mlir::func::FuncOp func = parse(text, name);
    if (!func)
      return {};
    auto results = interpret(func, inputs);
    if (!results) {
      ADD_FAILURE() << llvm::toString(results.takeError());
      return {};
    }
    return std::move(*results);
  }

  /// The error message of interpreting `text` ("" if it succeeds).
  std::string runError(llvm::StringRef text,
                       const std::vector<HostTensor> &inputs,
                       bool verify = true) {
    mlir::func::FuncOp func = parse(text, "", verify);
    if (!func)
      return "<parse error>";
    auto results = interpret(func, inputs);
    if (results)
      return "";
    return llvm::toString(results.takeError());
  }

  mlir::MLIRContext context;
  mlir::OwningOpRef<mlir::ModuleOp> module;
};

//===----------------------------------------------------------------------===//
// Naive references
//===----------------------------------------------------------------------===//

struct ConvParams {
  int64_t strideH = 1, strideW = 1, dilationH = 1, dilationW = 1;
  int64_t top = 0, left = 0, bottom = 0, right = 0;
  std::optional<double> wsEps;
  const HostTensor *prologue = nullptr;
  mlir::bit::Activation prologueActivation = mlir::bit::Activation::None;
  const HostTensor *residual = nullptr;
};

/// Mean and biased variance of `values` via E[x^2] - E[x]^2 in long double.
inline std::pair<long double, long double>
naiveMoments(const std::vector<long double> &values) {
  long double sum = 0, sumSq = 0;
  for (long double v : values) {
    sum += v;
    sumSq += v * v;
  }
  long double n = static_cast<long double>(values.size());
  long double mean = sum / n;
  return {mean, sumSq / n - mean * mean};
}

/// Direct-formula convolution: every output element sums over (c, i, j),
/// testing each input coordinate against the unpadded bounds.
inline HostTensor naiveConv(const HostTensor &x, const HostTensor &w,
                            const ConvParams &p) {
  const int64_t n = x.shape[0], c = x.shape[1], h = x.shape[2], wd = x.shape[3];
  const int64_t o = w.shape[0], kh = w.shape[2], kw = w.shape[3];
  const int64_t oh =
      (h + p.top + p.bottom - p.dilationH * (kh - 1) - 1) / p.strideH + 1;
  const int64_t ow =
      (wd + p.left + p.right - p.dilationW * (kw - 1) - 1) / p.strideW + 1;
  // Standardized weights.
  std::vector<long double> ws(w.data.begin(), w.data.end());
  if (p.wsEps) {
    const int64_t k = c * kh * kw;
    for (int64_t oc = 0; oc < o; ++oc) {
      std::vector<long double> row(ws.begin() + oc * k,
                                   ws.begin() + (oc + 1) * k);
      auto [mean, var] = naiveMoments(row);
      for (int64_t i = 0; i < k; ++i)
        ws[oc * k + i] = (row[i] - mean) / std::sqrt(var + *p.wsEps);
    }
  }
  HostTensor out{{n, o, oh, ow}, std::vector<float>(n * o * oh * ow)};
  for (int64_t b = 0; b < n; ++b)
    for (int64_t oc = 0; oc < o; ++oc)
      for (int64_t y = 0; y < oh; ++y)
        for (int64_t xx = 0; xx < ow; ++xx) {
          long double sum = 0;
          for (int64_t ic = 0; ic < c; ++ic)
            for (int64_t i = 0; i < kh; ++i)
              for (int64_t j = 0; j < kw; ++j) {
                int64_t iy = y * p.strideH + i * p.dilationH - p.top;
                int64_t ix = xx * p.strideW + j * p.dilationW - p.left;
                if (iy < 0 || iy >= h || ix < 0 || ix >= wd)
                  continue; // zero border, after the prologue
                long double v = x.data[((b * c + ic) * h + iy) * wd + ix];
                if (p.prologue) {
                  long double scale = p.prologue->data[(b * 2) * c + ic];
                  long double shift = p.prologue->data[(b * 2 + 1) * c + ic];
                  v = mlir::bit::applyActivation(p.prologueActivation,
                                                 v * scale + shift);
                }
                sum += ws[((oc * c + ic) * kh + i) * kw + j] * v;
              }
          int64_t index = ((b * o + oc) * oh + y) * ow + xx;
          if (p.residual)
            sum += p.residual->data[index];
          out.data[index] = static_cast<float>(sum);
        }
  return out;
}

/// Per-(n, c) scale/shift `tensor<Nx2xC>` of a group norm of `x`.
inline HostTensor naiveScaleShift(const HostTensor &x, const HostTensor &gamma,
                                  const HostTensor &beta, int64_t groups,
                                  double eps) {
  const int64_t n = x.shape[0], c = x.shape[1];
  const int64_t plane = x.shape[2] * x.shape[3];
  const int64_t cg = c / groups;
  HostTensor out{{n, 2, c}, std::vector<float>(n * 2 * c)};
  for (int64_t b = 0; b < n; ++b)
    for (int64_t g = 0; g < groups; ++g) {
      std::vector<long double> values;
      for (int64_t ch = g * cg; ch < (g + 1) * cg; ++ch)
        for (int64_t k = 0; k < plane; ++k)
          values.push_back(x.data[(b * c + ch) * plane + k]);
      auto [mean, var] = naiveMoments(values);
      long double rstd = 1.0L / std::sqrt(var + eps);
      for (int64_t ch = g * cg; ch < (g + 1) * cg; ++ch) {
        out.data[(b * 2) * c + ch] = static_cast<float>(gamma.data[ch] * rstd);
        out.data[(b * 2 + 1) * c + ch] =
            static_cast<float>(beta.data[ch] - gamma.data[ch] * rstd * mean);
      }
    }
  return out;
}

/// `act((x - mean) / sqrt(var + eps) * gamma + beta)` per (n, group).
inline HostTensor naiveGroupNorm(const HostTensor &x, const HostTensor &gamma,
                                 const HostTensor &beta, int64_t groups,
                                 double eps, mlir::bit::Activation act) {
  const int64_t n = x.shape[0], c = x.shape[1];
  const int64_t plane = x.shape[2] * x.shape[3];
  const int64_t cg = c / groups;
  HostTensor out{x.shape, std::vector<float>(x.data.size())};
  for (int64_t b = 0; b < n; ++b)
    for (int64_t g = 0; g < groups; ++g) {
      std::vector<long double> values;
      for (int64_t ch = g * cg; ch < (g + 1) * cg; ++ch)
        for (int64_t k = 0; k < plane; ++k)
          values.push_back(x.data[(b * c + ch) * plane + k]);
      auto [mean, var] = naiveMoments(values);
      for (int64_t ch = g * cg; ch < (g + 1) * cg; ++ch)
        for (int64_t k = 0; k < plane; ++k) {
          int64_t i = (b * c + ch) * plane + k;
          long double y =
              (x.data[i] - mean) / std::sqrt(var + eps) * gamma.data[ch] +
              beta.data[ch];
          out.data[i] = static_cast<float>(
              mlir::bit::applyActivation(act, static_cast<double>(y)));
        }
    }
  return out;
}

} // namespace bitc::test

#endif // BITC_TEST_UNIT_INTERP_INTERPTESTUTIL_H
