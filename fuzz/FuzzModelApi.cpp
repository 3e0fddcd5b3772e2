//===- FuzzModelApi.cpp - libFuzzer target: callers of a compiled model ---===//
//
// Links a tiny model compiled by bitc (fuzz_model.o, tiny-bottleneck, see
// CMakeLists.txt) and calls its C API the way a careless or hostile caller
// might: any width, height, row stride and batch, workspaces too small or
// misaligned, NULL pointers, and pixels that are NaN, infinite, huge or raw
// fuzzer bytes. Every array ends at an inaccessible page, so a read or write
// past what the caller passed crashes even inside the (uninstrumented)
// kernels. Checked: every call returns OK or a documented error code; the
// arguments the header says are refused are refused (a workspace below one
// slot, the size _workspace_size gives on one thread); _forward and
// _forward_with_workspace agree bit for bit; _classify_rgb8 equals
// _preprocess_rgb8 + _forward; NaN pixels give NaN logits or an error,
// finite bytes give finite logits.
//
// Input: 12 bytes of parameters (below), then the payload that fills pixels.
//
//===----------------------------------------------------------------------===//

#include "fuzz_model.h"

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <sys/mman.h>
#include <unistd.h>

namespace {

void require(bool condition) {
  if (!condition)
    std::abort();
}

/// `bytes` readable and writable bytes that end where an inaccessible page
/// begins; with `alignment` >= 0, moved down to start `alignment` bytes past
/// a multiple of 64 (then up to 63 bytes short of the page).
class GuardedBuffer {
public:
  explicit GuardedBuffer(size_t bytes, int alignment = -1) {
    size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    size_t usable = (bytes + 64 + page - 1) / page * page;
    length = usable + page;
    void *map = mmap(nullptr, length, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    require(map != MAP_FAILED);
    base = static_cast<uint8_t *>(map);
    require(mprotect(base + usable, page, PROT_NONE) == 0);
    data = base + usable - bytes;
    if (alignment >= 0)
      data -= (reinterpret_cast<uintptr_t>(data) - alignment) % 64;
  }
  ~GuardedBuffer() { munmap(base, length); }
  uint8_t *data;

private:
  uint8_t *base;
  size_t length;
};

struct Payload {
  const uint8_t *bytes;
  size_t size;
  size_t next = 0;
  uint8_t byte() { return size ? bytes[next++ % size] : 0; }
  float raw() {
    uint32_t bits = 0;
    for (int i = 0; i < 4; ++i)
      bits = bits << 8 | byte();
    float value;
    std::memcpy(&value, &bits, sizeof(value));
    return value;
  }
};

constexpr size_t kImageFloats = static_cast<size_t>(FUZZ_MODEL_INPUT_CHANNELS) *
                                FUZZ_MODEL_INPUT_HEIGHT *
                                FUZZ_MODEL_INPUT_WIDTH;
constexpr size_t kLabels = FUZZ_MODEL_NUM_LABELS;
constexpr int kMaxBatch = 3;

bool documented(int status) {
  return status <= FUZZ_MODEL_OK &&
         status >= FUZZ_MODEL_ERROR_WORKSPACE_MISALIGNED;
}

/// Pixels of `count` floats by `mode`: raw payload bits, moderate payload
/// values, or moderate values with NaN, +-Inf or 3e38 dropped in.
void fillPixels(float *pixels, size_t count, uint8_t mode, Payload &payload,
                bool &anyNaN, bool &allModerate) {
  anyNaN = false;
  allModerate = true;
  for (size_t i = 0; i < count; ++i)
    pixels[i] = mode % 6 == 0
                    ? payload.raw()
                    : (static_cast<int>(payload.byte()) - 128) / 64.0f;
  const float specials[] = {std::numeric_limits<float>::quiet_NaN(),
                            std::numeric_limits<float>::infinity(),
                            -std::numeric_limits<float>::infinity(), 3e38f,
                            -0.0f};
  if (mode % 6 >= 2) {
    float special = specials[(mode % 6) - 2 < 5 ? (mode % 6) - 2 : 0];
    size_t where = (static_cast<size_t>(payload.byte()) << 8 | payload.byte());
    if (mode & 0x80)
      for (size_t i = 0; i < count; ++i)
        pixels[i] = special;
    else if (count)
      pixels[where % count] = special;
  }
  for (size_t i = 0; i < count; ++i) {
    anyNaN |= std::isnan(pixels[i]);
    allModerate &= std::fabs(pixels[i]) <= 1e3f;
  }
}

void checkLogits(const float *logits, size_t count, bool anyNaN,
                 bool allModerate) {
  bool nan = false, finite = true;
  for (size_t i = 0; i < count; ++i) {
    nan |= std::isnan(logits[i]);
    finite &= std::isfinite(logits[i]);
  }
  if (anyNaN)
    require(nan);
  if (allModerate)
    require(finite);
}

void fuzzForward(uint8_t entry, int batch, int8_t sizeDelta, uint8_t offset,
                 uint8_t mode, uint8_t nulls, Payload &payload) {
  int images = batch >= 1 && batch <= kMaxBatch ? batch : 1;
  GuardedBuffer pixels(images * kImageFloats * sizeof(float));
  GuardedBuffer logits(images * kLabels * sizeof(float));
  auto *in = reinterpret_cast<float *>(pixels.data);
  auto *out = reinterpret_cast<float *>(logits.data);
  bool anyNaN, allModerate;
  fillPixels(in, images * kImageFloats, mode, payload, anyNaN, allModerate);
  const float *inArg = nulls & 1 ? nullptr : in;
  float *outArg = nulls & 2 ? nullptr : out;
  int status;
  if (entry == 0) {
    status = fuzz_model_forward(inArg, batch, outArg);
    if (!inArg || !outArg)
      require(status == FUZZ_MODEL_ERROR_NULL_ARGUMENT);
    else if (batch < 1)
      require(status == FUZZ_MODEL_ERROR_BAD_BATCH);
    else
      require(status == FUZZ_MODEL_OK);
  } else {
    size_t need = fuzz_model_workspace_size(batch);
    require((batch >= 1) == (need > 0) || batch > kMaxBatch);
    // The least that works: one slot (chunks one at a time), the size on
    // one thread of a batch of one chunk, padded like this batch's last one
    // (a batch of several chunks gets a group of slots on one thread); any
    // size from there on runs, with fewer slots than need's.
    const int oneChunk = batch % FUZZ_MODEL_COMPILED_BATCH
                             ? batch % FUZZ_MODEL_COMPILED_BATCH
                             : FUZZ_MODEL_COMPILED_BATCH;
    fuzz_model_set_num_threads(1);
    size_t least = batch >= 1 ? fuzz_model_workspace_size(oneChunk) : 0;
    fuzz_model_set_num_threads(2);
    require(least <= need);
    size_t size = need + sizeDelta * 64;
    if (sizeDelta < 0 && need < static_cast<size_t>(-sizeDelta) * 64)
      size = 0;
    GuardedBuffer workspace(size ? size : 1, offset % 64);
    void *wsArg = nulls & 4 ? nullptr : workspace.data;
    status =
        fuzz_model_forward_with_workspace(inArg, batch, outArg, wsArg, size);
    if (!wsArg || !inArg || !outArg)
      require(status == FUZZ_MODEL_ERROR_NULL_ARGUMENT);
    else if (batch < 1)
      require(status == FUZZ_MODEL_ERROR_BAD_BATCH);
    else if (offset % 64)
      require(status == FUZZ_MODEL_ERROR_WORKSPACE_MISALIGNED);
    else if (size < least)
      require(status == FUZZ_MODEL_ERROR_WORKSPACE_TOO_SMALL);
    else
      require(status == FUZZ_MODEL_OK);
  }
  if (status != FUZZ_MODEL_OK)
    return;
  checkLogits(out, images * kLabels, anyNaN, allModerate);
  // The other forward entry point gives the same bits.
  GuardedBuffer again(images * kLabels * sizeof(float));
  auto *out2 = reinterpret_cast<float *>(again.data);
  if (entry == 0) {
    size_t need = fuzz_model_workspace_size(batch);
    GuardedBuffer workspace(need, 0);
    require(fuzz_model_forward_with_workspace(in, batch, out2, workspace.data,
                                              need) == FUZZ_MODEL_OK);
  } else {
    require(fuzz_model_forward(in, batch, out2) == FUZZ_MODEL_OK);
  }
  require(std::memcmp(out, out2, images * kLabels * sizeof(float)) == 0);
}

void fuzzImage(uint8_t entry, int width, int height, int stride, uint8_t nulls,
               Payload &payload) {
  // Only what a caller could pass: a buffer of height rows of `stride`
  // bytes (the last row 3 * width). Arguments the API refuses come with a
  // small buffer, which must not be read.
  bool tooLarge = width > 32768 || height > 32768;
  bool valid = width >= 1 && height >= 1 && !tooLarge && stride >= 3 * width;
  size_t bytes = valid ? static_cast<size_t>(stride) * (height - 1) +
                             3 * static_cast<size_t>(width)
                       : 64;
  if (bytes > (8u << 20))
    return;
  GuardedBuffer rgb(bytes);
  for (size_t i = 0; i < bytes; ++i)
    rgb.data[i] = payload.byte();
  const uint8_t *rgbArg = nulls & 1 ? nullptr : rgb.data;
  GuardedBuffer pixels(kImageFloats * sizeof(float));
  GuardedBuffer logits(kLabels * sizeof(float));
  auto *px = reinterpret_cast<float *>(pixels.data);
  auto *out = reinterpret_cast<float *>(logits.data);
  int status = entry == 2
                   ? fuzz_model_preprocess_rgb8(rgbArg, width, height, stride,
                                                nulls & 2 ? nullptr : px)
                   : fuzz_model_classify_rgb8(rgbArg, width, height, stride,
                                              nulls & 2 ? nullptr : out);
  require(documented(status));
  // Refused in the order the header documents.
  if (nulls & 3)
    require(status == FUZZ_MODEL_ERROR_NULL_ARGUMENT);
  else if (width < 1 || height < 1)
    require(status == FUZZ_MODEL_ERROR_BAD_IMAGE);
  else if (tooLarge)
    require(status == FUZZ_MODEL_ERROR_IMAGE_TOO_LARGE);
  else if (stride < 3 * width)
    require(status == FUZZ_MODEL_ERROR_BAD_STRIDE);
  if (status != FUZZ_MODEL_OK)
    return;
  if (entry == 2) {
    for (size_t i = 0; i < kImageFloats; ++i)
      require(std::isfinite(px[i]));
    return;
  }
  checkLogits(out, kLabels, false, true);
  // classify = preprocess, then forward.
  GuardedBuffer again(kLabels * sizeof(float));
  auto *out2 = reinterpret_cast<float *>(again.data);
  require(fuzz_model_preprocess_rgb8(rgb.data, width, height, stride, px) ==
          FUZZ_MODEL_OK);
  require(fuzz_model_forward(px, 1, out2) == FUZZ_MODEL_OK);
  require(std::memcmp(out, out2, kLabels * sizeof(float)) == 0);
}

int16_t read16(const uint8_t *p) {
  return static_cast<int16_t>(p[0] << 8 | p[1]);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 12)
    return 0;
  uint8_t entry = data[0] % 5;
  int width = read16(data + 1), height = read16(data + 3);
  // Sides beyond 16 bits: the top bit of byte 9 scales them up.
  if (data[9] & 0x80) {
    width *= 4;
    height *= 4;
  }
  int stride = 3 * width + read16(data + 5);
  int batch = static_cast<int8_t>(data[7]);
  batch = batch == -128  ? std::numeric_limits<int>::min()
          : batch == 127 ? -1
                         : batch % (kMaxBatch + 1);
  auto sizeDelta = static_cast<int8_t>(data[8]);
  uint8_t offset = data[9] & 0x7f;
  uint8_t mode = data[10];
  uint8_t nulls = data[11] % 8 == 7 ? data[11] >> 3 : 0;
  Payload payload{data + 12, size - 12};
  switch (entry) {
  case 0:
  case 1:
    fuzzForward(entry, batch, sizeDelta, offset, mode, nulls, payload);
    break;
  case 2:
  case 3:
    fuzzImage(entry, width, height, stride, nulls, payload);
    break;
  default:
    // Labels and error strings for any index and code.
    require(fuzz_model_label(width) == nullptr ||
            (width >= 0 && width < static_cast<int>(kLabels)));
    require(fuzz_model_error_string(height) != nullptr);
    require(fuzz_model_workspace_size(batch) == 0 || batch >= 1);
    break;
  }
  return 0;
}
