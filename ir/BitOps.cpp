//===- BitOps.cpp - Operations of the bit dialect -------------------------===//

#include "ir/BitOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/OpImplementation.h"

using namespace mlir;
using namespace mlir::bit;

//===----------------------------------------------------------------------===//
// Shared checks
//===----------------------------------------------------------------------===//

static LogicalResult verifyPositivePair(Operation *op, ArrayRef<int64_t> values,
                                        StringRef attrName) {
  if (values.size() != 2)
    return op->emitOpError()
           << attrName << " must have 2 elements, got " << values.size();
  for (int64_t v : values)
    if (v < 1)
      return op->emitOpError() << attrName << " must be positive, got " << v;
  return success();
}

static LogicalResult verifyPadding(Operation *op, ArrayRef<int64_t> padding) {
  if (padding.size() != 4)
    return op->emitOpError()
           << "padding must have 4 elements [top, left, bottom, right], got "
           << padding.size();
  for (int64_t p : padding)
    if (p < 0)
      return op->emitOpError() << "padding must be non-negative, got " << p;
  return success();
}

/// Checks that `scaleShift` is the tensor<Nx2xC> a group norm folds into.
static LogicalResult verifyScaleShift(Operation *op, Value scaleShift,
                                      int64_t batch, int64_t channels,
                                      StringRef what) {
  auto type = cast<RankedTensorType>(scaleShift.getType());
  if (type.getDimSize(0) != batch || type.getDimSize(1) != 2 ||
      type.getDimSize(2) != channels)
    return op->emitOpError() << what << " must be tensor<" << batch << "x2x"
                             << channels << "xf32>, got " << type;
  return success();
}

static LogicalResult verifyNormParams(Operation *op, Value gamma, Value beta,
                                      int64_t channels) {
  auto gammaType = cast<RankedTensorType>(gamma.getType());
  auto betaType = cast<RankedTensorType>(beta.getType());
  if (gammaType.getDimSize(0) != channels || betaType.getDimSize(0) != channels)
    return op->emitOpError()
           << "gamma and beta must have " << channels << " elements, got "
           << gammaType.getDimSize(0) << " and " << betaType.getDimSize(0);
  return success();
}

static LogicalResult verifyGroups(Operation *op, int64_t groups,
                                  int64_t channels) {
  if (groups < 1)
    return op->emitOpError() << "groups must be positive, got " << groups;
  if (channels % groups != 0)
    return op->emitOpError()
           << "groups (" << groups << ") must divide the channel count ("
           << channels << ")";
  return success();
}

static LogicalResult verifyEps(Operation *op, double eps, StringRef name) {
  if (!(eps > 0.0))
    return op->emitOpError() << name << " must be positive, got " << eps;
  return success();
}

static RankedTensorType f32Tensor(ArrayRef<int64_t> shape,
                                  RankedTensorType like) {
  return RankedTensorType::get(shape, like.getElementType());
}

//===----------------------------------------------------------------------===//
// WeightOp
//===----------------------------------------------------------------------===//

LogicalResult
WeightOp::inferReturnTypes(MLIRContext *, std::optional<Location>, ValueRange,
                           DictionaryAttr attributes,
                           OpaqueProperties properties, RegionRange,
                           SmallVectorImpl<Type> &inferredReturnTypes) {
  auto *props = properties.as<Properties *>();
  TypedAttr value = props
                        ? dyn_cast_or_null<TypedAttr>(props->value)
                        : dyn_cast_or_null<TypedAttr>(attributes.get("value"));
  if (!value)
    return failure();
  inferredReturnTypes.push_back(value.getType());
  return success();
}

LogicalResult WeightOp::verify() {
  auto type = dyn_cast<RankedTensorType>(getValue().getType());
  if (!type || !type.getElementType().isF32() || !type.hasStaticShape())
    return emitOpError() << "value must be a static f32 tensor, got "
                         << getValue().getType();
  if (getParam().empty())
    return emitOpError() << "parameter name must not be empty";
  return success();
}

OpFoldResult WeightOp::fold(FoldAdaptor) { return getValue(); }

//===----------------------------------------------------------------------===//
// Conv2DOp
//===----------------------------------------------------------------------===//

RankedTensorType Conv2DOp::inferOutputType(RankedTensorType input,
                                           RankedTensorType weight,
                                           ArrayRef<int64_t> strides,
                                           ArrayRef<int64_t> dilations,
                                           ArrayRef<int64_t> padding) {
  int64_t h = windowOutputSize(input.getDimSize(2), padding[0], padding[2],
                               weight.getDimSize(2), strides[0], dilations[0]);
  int64_t w = windowOutputSize(input.getDimSize(3), padding[1], padding[3],
                               weight.getDimSize(3), strides[1], dilations[1]);
  return f32Tensor({input.getDimSize(0), weight.getDimSize(0), h, w}, input);
}

void Conv2DOp::build(OpBuilder &builder, OperationState &state, Value input,
                     Value weight, ArrayRef<int64_t> strides,
                     ArrayRef<int64_t> dilations, ArrayRef<int64_t> padding,
                     FloatAttr wsEps) {
  auto output = inferOutputType(cast<RankedTensorType>(input.getType()),
                                cast<RankedTensorType>(weight.getType()),
                                strides, dilations, padding);
  build(builder, state, output, /*stats=*/Type(), input, weight,
        /*prologue=*/Value(), /*residual=*/Value(),
        builder.getDenseI64ArrayAttr(strides),
        builder.getDenseI64ArrayAttr(dilations),
        builder.getDenseI64ArrayAttr(padding), wsEps,
        ActivationAttr::get(builder.getContext(), Activation::None),
        IntegerAttr(), IntegerAttr());
}

LogicalResult Conv2DOp::verify() {
  auto inputType = getInput().getType();
  auto weightType = getWeight().getType();
  auto outputType = getOutput().getType();
  if (!inputType.hasStaticShape() || !weightType.hasStaticShape() ||
      !outputType.hasStaticShape())
    return emitOpError() << "requires static shapes";
  if (failed(verifyPositivePair(*this, getStrides(), "strides")) ||
      failed(verifyPositivePair(*this, getDilations(), "dilations")) ||
      failed(verifyPadding(*this, getPadding())))
    return failure();
  if (weightType.getDimSize(1) != inputType.getDimSize(1))
    return emitOpError() << "weight has " << weightType.getDimSize(1)
                         << " input channels but the input has "
                         << inputType.getDimSize(1);
  RankedTensorType expected = inferOutputType(
      inputType, weightType, getStrides(), getDilations(), getPadding());
  int64_t expectedH = expected.getDimSize(2);
  if (expectedH < 1 || expected.getDimSize(3) < 1)
    return emitOpError() << "input " << inputType.getDimSize(2) << "x"
                         << inputType.getDimSize(3)
                         << " is too small for the kernel";
  if (outputType != expected)
    return emitOpError() << "output shape must be " << expected << ", got "
                         << outputType;
  if (auto eps = getWsEps())
    if (failed(verifyEps(*this, eps->convertToDouble(), "ws_eps")))
      return failure();
  if (getPrologue()) {
    if (failed(verifyScaleShift(*this, getPrologue(), inputType.getDimSize(0),
                                inputType.getDimSize(1), "prologue")))
      return failure();
  } else if (getPrologueActivation() != Activation::None) {
    return emitOpError() << "prologue_activation requires a prologue operand";
  }
  if (getResidual() && getResidual().getType() != outputType)
    return emitOpError() << "residual must have the output type " << outputType
                         << ", got " << getResidual().getType();
  if (getStats()) {
    auto groups = getStatsGroups();
    auto tileRows = getStatsTileRows();
    if (!groups || !tileRows)
      return emitOpError()
             << "a stats result requires stats_groups and stats_tile_rows";
    if (failed(verifyGroups(*this, *groups, outputType.getDimSize(1))))
      return failure();
    if (*tileRows < 1)
      return emitOpError() << "stats_tile_rows must be positive, got "
                           << *tileRows;
    int64_t tiles = (expectedH + *tileRows - 1) / *tileRows;
    auto statsType = getStats().getType();
    SmallVector<int64_t> statsShape = {inputType.getDimSize(0), tiles,
                                       static_cast<int64_t>(*groups), 3};
    if (statsType.getShape() != ArrayRef<int64_t>(statsShape))
      return emitOpError() << "stats must be "
                           << RankedTensorType::get(statsShape,
                                                    outputType.getElementType())
                           << ", got " << statsType;
  } else if (getStatsGroups() || getStatsTileRows()) {
    return emitOpError() << "stats_groups and stats_tile_rows require a stats "
                            "result";
  }
  return success();
}

int64_t Conv2DOp::getMacCount() {
  auto out = getOutput().getType();
  auto w = getWeight().getType();
  return out.getNumElements() * w.getDimSize(1) * w.getDimSize(2) *
         w.getDimSize(3);
}

//===----------------------------------------------------------------------===//
// Group norm family
//===----------------------------------------------------------------------===//

LogicalResult GroupNormOp::verify() {
  int64_t channels = getInput().getType().getDimSize(1);
  if (failed(verifyGroups(*this, getGroups(), channels)) ||
      failed(verifyEps(*this, getEps().convertToDouble(), "eps")) ||
      failed(verifyNormParams(*this, getGamma(), getBeta(), channels)))
    return failure();
  return success();
}

LogicalResult GroupNormStatsOp::verify() {
  auto inputType = getInput().getType();
  int64_t channels = inputType.getDimSize(1);
  if (failed(verifyGroups(*this, getGroups(), channels)) ||
      failed(verifyEps(*this, getEps().convertToDouble(), "eps")) ||
      failed(verifyNormParams(*this, getGamma(), getBeta(), channels)) ||
      failed(verifyScaleShift(*this, getScaleShift(), inputType.getDimSize(0),
                              channels, "result")))
    return failure();
  return success();
}

LogicalResult GroupNormCombineOp::verify() {
  auto partials = getPartials().getType();
  int64_t channels = getGamma().getType().getDimSize(0);
  if (partials.getDimSize(3) != 3)
    return emitOpError() << "partials must end in a dimension of 3 (count, "
                            "mean, M2), got "
                         << partials;
  if (failed(verifyGroups(*this, partials.getDimSize(2), channels)) ||
      failed(verifyEps(*this, getEps().convertToDouble(), "eps")) ||
      failed(verifyNormParams(*this, getGamma(), getBeta(), channels)) ||
      failed(verifyScaleShift(*this, getScaleShift(), partials.getDimSize(0),
                              channels, "result")))
    return failure();
  return success();
}

LogicalResult ApplyNormOp::verify() {
  auto inputType = getInput().getType();
  if (failed(verifyScaleShift(*this, getScaleShift(), inputType.getDimSize(0),
                              inputType.getDimSize(1), "scale_shift")))
    return failure();
  if (getResidual() && getResidual().getType() != inputType)
    return emitOpError() << "residual must have the input type " << inputType
                         << ", got " << getResidual().getType();
  return success();
}

//===----------------------------------------------------------------------===//
// Elementwise, padding, pooling, head
//===----------------------------------------------------------------------===//

RankedTensorType PadOp::inferOutputType(RankedTensorType input,
                                        ArrayRef<int64_t> padding) {
  return f32Tensor({input.getDimSize(0), input.getDimSize(1),
                    input.getDimSize(2) + padding[0] + padding[2],
                    input.getDimSize(3) + padding[1] + padding[3]},
                   input);
}

void PadOp::build(OpBuilder &builder, OperationState &state, Value input,
                  ArrayRef<int64_t> padding) {
  build(builder, state,
        inferOutputType(cast<RankedTensorType>(input.getType()), padding),
        input, builder.getDenseI64ArrayAttr(padding),
        builder.getF64FloatAttr(0.0));
}

OpFoldResult PadOp::fold(FoldAdaptor) {
  if (llvm::all_of(getPadding(), [](int64_t p) { return p == 0; }))
    return getInput();
  return {};
}

MaxPool2DOp PadOp::getFoldingPool() {
  if (!(*this)->hasOneUse() || getValue().convertToDouble() != 0.0)
    return nullptr;
  return dyn_cast<MaxPool2DOp>(*(*this)->user_begin());
}

LogicalResult PadOp::verify() {
  if (failed(verifyPadding(*this, getPadding())))
    return failure();
  RankedTensorType expected =
      inferOutputType(getInput().getType(), getPadding());
  if (getOutput().getType() != expected)
    return emitOpError() << "output shape must be " << expected << ", got "
                         << getOutput().getType();
  return success();
}

RankedTensorType MaxPool2DOp::inferOutputType(RankedTensorType input,
                                              ArrayRef<int64_t> kernel,
                                              ArrayRef<int64_t> strides) {
  return f32Tensor(
      {input.getDimSize(0), input.getDimSize(1),
       windowOutputSize(input.getDimSize(2), 0, 0, kernel[0], strides[0]),
       windowOutputSize(input.getDimSize(3), 0, 0, kernel[1], strides[1])},
      input);
}

void MaxPool2DOp::build(OpBuilder &builder, OperationState &state, Value input,
                        ArrayRef<int64_t> kernel, ArrayRef<int64_t> strides) {
  build(
      builder, state,
      inferOutputType(cast<RankedTensorType>(input.getType()), kernel, strides),
      input, kernel, strides);
}

LogicalResult MaxPool2DOp::verify() {
  if (failed(verifyPositivePair(*this, getKernel(), "kernel")) ||
      failed(verifyPositivePair(*this, getStrides(), "strides")))
    return failure();
  auto in = getInput().getType();
  auto out = getOutput().getType();
  RankedTensorType expected = inferOutputType(in, getKernel(), getStrides());
  if (expected.getDimSize(2) < 1 || expected.getDimSize(3) < 1)
    return emitOpError() << "input " << in.getDimSize(2) << "x"
                         << in.getDimSize(3) << " is too small for the "
                         << getKernel()[0] << "x" << getKernel()[1]
                         << " window";
  if (out != expected)
    return emitOpError() << "output shape must be " << expected << ", got "
                         << out;
  return success();
}

OpFoldResult ActivationOp::fold(FoldAdaptor) {
  if (getKind() == Activation::None)
    return getInput();
  return {};
}

LogicalResult GlobalAvgPoolOp::verify() {
  auto in = getInput().getType();
  auto out = getOutput().getType();
  if (out.getDimSize(0) != in.getDimSize(0) ||
      out.getDimSize(1) != in.getDimSize(1))
    return emitOpError() << "output must be tensor<" << in.getDimSize(0) << "x"
                         << in.getDimSize(1) << "xf32>, got " << out;
  if (getPrologue())
    return verifyScaleShift(*this, getPrologue(), in.getDimSize(0),
                            in.getDimSize(1), "prologue");
  if (getPrologueActivation() != Activation::None)
    return emitOpError() << "prologue_activation requires a prologue operand";
  return success();
}

LogicalResult LinearOp::verify() {
  auto in = getInput().getType();
  auto w = getWeight().getType();
  auto b = getBias().getType();
  auto out = getOutput().getType();
  if (w.getDimSize(1) != in.getDimSize(1))
    return emitOpError() << "weight has " << w.getDimSize(1)
                         << " input features but the input has "
                         << in.getDimSize(1);
  if (b.getDimSize(0) != w.getDimSize(0))
    return emitOpError() << "bias must have " << w.getDimSize(0)
                         << " elements, got " << b.getDimSize(0);
  if (out.getDimSize(0) != in.getDimSize(0) ||
      out.getDimSize(1) != w.getDimSize(0))
    return emitOpError() << "output must be tensor<" << in.getDimSize(0) << "x"
                         << w.getDimSize(0) << "xf32>, got " << out;
  return success();
}

#define GET_OP_CLASSES
#include "ir/BitOps.cpp.inc"
