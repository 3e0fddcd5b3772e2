//===- ConvTest.cpp - bit.conv2d in the reference interpreter -------------===//

#include "InterpTestUtil.h"

#include <cmath>

using namespace bitc;
using namespace bitc::test;
using mlir::bit::Activation;

namespace {

std::string type(const std::vector<int64_t> &shape) {
  std::string s = "tensor<";
  for (int64_t d : shape)
    s += std::to_string(d) + "x";
  return s + "f32>";
}

/// A function `@conv(%x, %w [, %p] [, %r])` returning the conv's results.
struct ConvSpec {
  std::vector<int64_t> input, weight, output;
  std::string attrs;
  bool prologue = false;
  bool residual = false;
  std::vector<int64_t> stats; // empty: no stats result
};

std::string convFunc(const ConvSpec &s) {
  std::vector<int64_t> pro = {s.input[0], 2, s.input[1]};
  std::string args = "%x: " + type(s.input) + ", %w: " + type(s.weight);
  if (s.prologue)
    args += ", %p: " + type(pro);
  if (s.residual)
    args += ", %r: " + type(s.output);
  std::string results = type(s.output);
  if (!s.stats.empty())
    results += ", " + type(s.stats);
  std::string text = "func.func @conv(" + args + ") -> (" + results + ") {\n";
  text += s.stats.empty() ? "  %y = " : "  %y, %s = ";
  text += "bit.conv2d %x, %w";
  if (s.prologue)
    text += " prologue(%p : " + type(pro) + ")";
  if (s.residual)
    text += " residual(%r : " + type(s.output) + ")";
  text += " {" + s.attrs + "} : " + type(s.input) + ", " + type(s.weight) +
          " -> " + results + "\n";
  text += s.stats.empty() ? "  return %y : " : "  return %y, %s : ";
  text += results + "\n}\n";
  return text;
}

std::string windowAttrs(std::vector<int64_t> strides,
                        std::vector<int64_t> dilations,
                        std::vector<int64_t> padding) {
  auto list = [](const std::vector<int64_t> &v) {
    std::string s = "array<i64";
    for (size_t i = 0; i < v.size(); ++i)
      s += (i ? ", " : ": ") + std::to_string(v[i]);
    return s + ">";
  };
  return "strides = " + list(strides) + ", dilations = " + list(dilations) +
         ", padding = " + list(padding);
}

/// Partial statistics (count, mean, M2) per (n, tile, group), computed
/// directly from `y` with long double sums.
HostTensor naiveStats(const HostTensor &y, int64_t groups, int64_t tileRows) {
  const int64_t n = y.shape[0], c = y.shape[1], h = y.shape[2], w = y.shape[3];
  const int64_t tiles = (h + tileRows - 1) / tileRows, cg = c / groups;
  HostTensor out{{n, tiles, groups, 3},
                 std::vector<float>(n * tiles * groups * 3)};
  for (int64_t b = 0; b < n; ++b)
    for (int64_t t = 0; t < tiles; ++t)
      for (int64_t g = 0; g < groups; ++g) {
        std::vector<long double> values;
        for (int64_t ch = g * cg; ch < (g + 1) * cg; ++ch)
          for (int64_t r = t * tileRows; r < std::min(h, (t + 1) * tileRows);
               ++r)
            for (int64_t x = 0; x < w; ++x)
              values.push_back(y.data[((b * c + ch) * h + r) * w + x]);
        auto [mean, var] = naiveMoments(values);
        float *dst = out.data.data() + ((b * tiles + t) * groups + g) * 3;
        dst[0] = static_cast<float>(values.size());
        dst[1] = static_cast<float>(mean);
        dst[2] = static_cast<float>(var * values.size());
      }
  return out;
}

using ConvTest = InterpTest;

TEST_F(ConvTest, HandComputedValid) {
  // [1 2 3; 4 5 6; 7 8 9] * [1 2; 3 4], no padding.
  std::string text = convFunc({{1, 1, 3, 3},
                               {1, 1, 2, 2},
                               {1, 1, 2, 2},
                               windowAttrs({1, 1}, {1, 1}, {0, 0, 0, 0})});
  auto out = run(text, {tensor({1, 1, 3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9}),
                        tensor({1, 1, 2, 2}, {1, 2, 3, 4})});
  ASSERT_EQ(out.size(), 1u);
  expectClose(out[0], tensor({1, 1, 2, 2}, {37, 47, 67, 77}));
}

TEST_F(ConvTest, HandComputedAsymmetricPadding) {
  // padding [top=1, left=0, bottom=0, right=1]: the padded input is
  // [0 0 0 0; 1 2 3 0; 4 5 6 0; 7 8 9 0].
  std::string text = convFunc({{1, 1, 3, 3},
                               {1, 1, 2, 2},
                               {1, 1, 3, 3},
                               windowAttrs({1, 1}, {1, 1}, {1, 0, 0, 1})});
  auto out = run(text, {tensor({1, 1, 3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9}),
                        tensor({1, 1, 2, 2}, {1, 2, 3, 4})});
  ASSERT_EQ(out.size(), 1u);
  expectClose(out[0],
              tensor({1, 1, 3, 3}, {11, 18, 9, 37, 47, 21, 67, 77, 33}));
}

TEST_F(ConvTest, HandComputedWeightStandardization) {
  // w = [1 2 3 4]: mean 2.5, biased variance 1.25, so
  // w' = [-1.5 -0.5 0.5 1.5] / sqrt(1.25) and w'.[1 2 3 4] = 5 / sqrt(1.25)
  // = 2 sqrt(5).
  std::string text = convFunc(
      {{1, 1, 2, 2},
       {1, 1, 2, 2},
       {1, 1, 1, 1},
       windowAttrs({1, 1}, {1, 1}, {0, 0, 0, 0}) + ", ws_eps = 1.0e-10 : f64"});
  auto out = run(text, {tensor({1, 1, 2, 2}, {1, 2, 3, 4}),
                        tensor({1, 1, 2, 2}, {1, 2, 3, 4})});
  ASSERT_EQ(out.size(), 1u);
  expectClose(out[0], tensor({1, 1, 1, 1}, {float(2 * std::sqrt(5.0))}));
}

TEST_F(ConvTest, HandComputedPrologueKeepsZeroBorder) {
  // scale 0, shift 5, relu: every input element becomes 5; the zero border
  // is added after the prologue, so a 3x3 box filter counts the in-bounds
  // taps: 4 at the corners, 6 on the edges, 9 in the middle.
  ConvSpec spec{{1, 1, 3, 3},
                {1, 1, 3, 3},
                {1, 1, 3, 3},
                windowAttrs({1, 1}, {1, 1}, {1, 1, 1, 1}) +
                    ", prologue_activation = #bit.activation<relu>"};
  spec.prologue = true;
  auto out =
      run(convFunc(spec), {randomTensor({1, 1, 3, 3}, 1),
                           tensor({1, 1, 3, 3}, std::vector<float>(9, 1.0f)),
                           tensor({1, 2, 1}, {0.0f, 5.0f})});
  ASSERT_EQ(out.size(), 1u);
  expectClose(out[0],
              tensor({1, 1, 3, 3}, {20, 30, 20, 30, 45, 30, 20, 30, 20}));
}

TEST_F(ConvTest, StrideDilationAsymmetricPaddingWsEps) {
  HostTensor x = randomTensor({2, 3, 9, 8}, 11);
  HostTensor w = randomTensor({4, 3, 3, 3}, 12);
  ConvParams p;
  p.strideH = 2, p.strideW = 1, p.dilationH = 1, p.dilationW = 2;
  p.top = 1, p.left = 0, p.bottom = 2, p.right = 1;
  p.wsEps = 1e-8;
  HostTensor expected = naiveConv(x, w, p);
  ASSERT_EQ(expected.shape, (std::vector<int64_t>{2, 4, 5, 5}));
  std::string text = convFunc(
      {x.shape, w.shape, expected.shape,
       windowAttrs({2, 1}, {1, 2}, {1, 0, 2, 1}) + ", ws_eps = 1.0e-08 : f64"});
  auto out = run(text, {x, w});
  ASSERT_EQ(out.size(), 1u);
  expectClose(out[0], expected);
}

TEST_F(ConvTest, StridedSevenBySevenLikeTheStem) {
  HostTensor x = randomTensor({1, 3, 15, 14}, 21);
  HostTensor w = randomTensor({5, 3, 7, 7}, 22);
  ConvParams p;
  p.strideH = p.strideW = 2;
  p.top = p.left = p.bottom = p.right = 3;
  p.wsEps = 1e-10;
  HostTensor expected = naiveConv(x, w, p);
  std::string text = convFunc(
      {x.shape, w.shape, expected.shape,
       windowAttrs({2, 2}, {1, 1}, {3, 3, 3, 3}) + ", ws_eps = 1.0e-10 : f64"});
  auto out = run(text, {x, w});
  ASSERT_EQ(out.size(), 1u);
  expectClose(out[0], expected);
}

TEST_F(ConvTest, PrologueWithPaddingAndResidual) {
  HostTensor x = randomTensor({2, 4, 7, 6}, 31);
  HostTensor w = randomTensor({3, 4, 3, 3}, 32);
  HostTensor pro = randomTensor({2, 2, 4}, 33);
  ConvParams p;
  p.strideH = p.strideW = 2;
  p.top = 1, p.left = 1, p.bottom = 1, p.right = 1;
  p.wsEps = 1e-8;
  p.prologue = &pro;
  p.prologueActivation = Activation::Relu;
  HostTensor shape = naiveConv(x, w, p);
  HostTensor residual = randomTensor(shape.shape, 34);
  p.residual = &residual;
  HostTensor expected = naiveConv(x, w, p);

  ConvSpec spec{x.shape, w.shape, expected.shape,
                windowAttrs({2, 2}, {1, 1}, {1, 1, 1, 1}) +
                    ", ws_eps = 1.0e-08 : f64, prologue_activation = "
                    "#bit.activation<relu>"};
  spec.prologue = spec.residual = true;
  auto out = run(convFunc(spec), {x, w, pro, residual});
  ASSERT_EQ(out.size(), 1u);
  expectClose(out[0], expected);
}

TEST_F(ConvTest, EveryPrologueActivation) {
  for (Activation act : {Activation::None, Activation::Relu, Activation::Gelu,
                         Activation::GeluTanh, Activation::Selu}) {
    SCOPED_TRACE(mlir::bit::stringifyActivation(act).str());
    HostTensor x = randomTensor({1, 2, 5, 5}, 41);
    HostTensor w = randomTensor({2, 2, 3, 3}, 42);
    HostTensor pro = randomTensor({1, 2, 2}, 43, -2.0f, 2.0f);
    ConvParams p;
    p.top = 2, p.left = 0, p.bottom = 0, p.right = 2;
    p.prologue = &pro;
    p.prologueActivation = act;
    HostTensor expected = naiveConv(x, w, p);
    ConvSpec spec{x.shape, w.shape, expected.shape,
                  windowAttrs({1, 1}, {1, 1}, {2, 0, 0, 2}) +
                      ", prologue_activation = #bit.activation<" +
                      mlir::bit::stringifyActivation(act).str() + ">"};
    spec.prologue = true;
    auto out = run(convFunc(spec), {x, w, pro});
    ASSERT_EQ(out.size(), 1u);
    expectClose(out[0], expected);
  }
}

TEST_F(ConvTest, HandComputedStatsWithShortLastTile) {
  // 1x1 identity conv: the output is the input. Channel 0 is [1 2; 3 4; 5 6],
  // channel 1 is [0 0; 0 0; 2 4]; groups = 2, tiles of 2 rows:
  // tile 0 = rows 0-1, tile 1 = row 2 alone.
  ConvSpec spec{{1, 2, 3, 2},
                {2, 2, 1, 1},
                {1, 2, 3, 2},
                windowAttrs({1, 1}, {1, 1}, {0, 0, 0, 0}) +
                    ", stats_groups = 2 : i64, stats_tile_rows = 2 : i64"};
  spec.stats = {1, 2, 2, 3};
  auto out = run(convFunc(spec),
                 {tensor({1, 2, 3, 2}, {1, 2, 3, 4, 5, 6, 0, 0, 0, 0, 2, 4}),
                  tensor({2, 2, 1, 1}, {1, 0, 0, 1})});
  ASSERT_EQ(out.size(), 2u);
  expectClose(out[1], tensor({1, 2, 2, 3}, {
                                               4, 2.5f, 5,    // tile 0, group 0
                                               4, 0, 0,       // tile 0, group 1
                                               2, 5.5f, 0.5f, // tile 1, g 0
                                               2, 3, 2,       // tile 1, group 1
                                           }));
}

TEST_F(ConvTest, StatsAfterResidualMatchNaive) {
  HostTensor x = randomTensor({2, 3, 13, 6}, 51);
  HostTensor w = randomTensor({4, 3, 3, 3}, 52);
  ConvParams p;
  p.strideH = p.strideW = 2;
  p.top = p.left = p.bottom = p.right = 1;
  p.wsEps = 1e-8;
  HostTensor shape = naiveConv(x, w, p); // 2x4x7x3
  HostTensor residual = randomTensor(shape.shape, 53, 5.0f, 6.0f);
  p.residual = &residual;
  HostTensor expected = naiveConv(x, w, p);
  ASSERT_EQ(expected.shape, (std::vector<int64_t>{2, 4, 7, 3}));

  // 7 rows in tiles of 3: 3 + 3 + 1.
  ConvSpec spec{x.shape, w.shape, expected.shape,
                windowAttrs({2, 2}, {1, 1}, {1, 1, 1, 1}) +
                    ", ws_eps = 1.0e-08 : f64, stats_groups = 2 : i64, "
                    "stats_tile_rows = 3 : i64"};
  spec.residual = true;
  spec.stats = {2, 3, 2, 3};
  auto out = run(convFunc(spec), {x, w, residual});
  ASSERT_EQ(out.size(), 2u);
  expectClose(out[0], expected);
  HostTensor stats = naiveStats(out[0], 2, 3);
  expectClose(out[1], stats, 1e-5, 1e-5);
  // The counts: 3 rows * 3 columns * 2 channels, then 1 row for the last.
  EXPECT_EQ(out[1].data[0], 18.0f);
  EXPECT_EQ(out[1].data[(2 * 2 + 0) * 3], 6.0f);
  // The mean is that of the values after the residual add (~5.5).
  EXPECT_GT(out[1].data[1], 4.0f);
}

TEST_F(ConvTest, UnknownAttributesAreIgnored) {
  std::string text = convFunc(
      {{1, 1, 3, 3},
       {1, 1, 2, 2},
       {1, 1, 2, 2},
       windowAttrs({1, 1}, {1, 1}, {0, 0, 0, 0}) +
           ", bitc.arena_offset = 128 : i64, bitc.schedule = \"tiled\""});
  auto out = run(text, {tensor({1, 1, 3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9}),
                        tensor({1, 1, 2, 2}, {1, 2, 3, 4})});
  ASSERT_EQ(out.size(), 1u);
  expectClose(out[0], tensor({1, 1, 2, 2}, {37, 47, 67, 77}));
}

} // namespace
