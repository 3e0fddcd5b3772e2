//===- PytorchBinReader.cpp - torch.save state dicts ----------------------===//
//
// A pickle virtual machine for the subset of opcodes torch.save emits for a
// state dict (dumped from torch 1.13 files):
//
//   PROTO 2; GLOBAL 'collections OrderedDict'; EMPTY_TUPLE; REDUCE; MARK;
//   per tensor: BINUNICODE name, GLOBAL 'torch._utils _rebuild_tensor_v2',
//     MARK (MARK 'storage' GLOBAL 'torch FloatStorage' key 'cpu' numel TUPLE)
//     BINPERSID offset (sizes) (strides) NEWFALSE (OrderedDict()) TUPLE REDUCE;
//   SETITEMS (batches of 1000); for module.state_dict(): EMPTY_DICT
//   '_metadata' OrderedDict {...} SETITEM BUILD; STOP
//   with BINPUT/LONG_BINPUT/BINGET/LONG_BINGET memoization throughout.
//
// Also understood, because other writers (torch 2.x, pickle protocol 4) use
// them: FRAME, SHORT_BINUNICODE, BINUNICODE8, STACK_GLOBAL, MEMOIZE, LONG1,
// BININT*, BINFLOAT, NONE, lists, tuples, dicts, POP, DUP, and
// `_rebuild_parameter`. Only the globals above are recognized; nothing is
// executed. The machine is iterative, every read is bounds-checked, memo
// indices are looked up (never trusted), and objects nested deeper than
// kMaxDepth are refused, so no input can crash the reader.
//
//===----------------------------------------------------------------------===//

#include "frontend/PytorchBinReader.h"
#include "frontend/ErrorList.h"
#include "frontend/JsonUtil.h"
#include "frontend/StridedCopy.h"
#include "frontend/ZipArchive.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/Endian.h"
#include "llvm/Support/Format.h"

#include <cstring>
#include <map>
#include <optional>

using namespace bitc;
using llvm::Error;
using llvm::StringRef;
using llvm::Twine;

namespace {

/// Real state dicts nest 4 levels (dict -> tensor args -> persistent id).
constexpr int kMaxDepth = 32;
constexpr int kMaxRank = 16;
/// data.pkl of the largest BiT (R152x4) is ~100 KB.
constexpr uint64_t kMaxPickleBytes = 256u << 20;

struct Object;
using Value = std::shared_ptr<const Object>;

/// A storage persistent id: ("storage", torch.<Type>Storage, key, location,
/// numel).
struct StorageRef {
  std::string key;
  std::string typeName; // e.g. "torch.FloatStorage"
  int64_t numel = 0;
};

/// The arguments of _rebuild_tensor_v2.
struct TensorRef {
  std::shared_ptr<const StorageRef> storage;
  int64_t offset = 0;
  std::vector<int64_t> sizes, strides;
};

struct Object {
  enum Kind {
    None,
    Bool,
    Int,
    Float,
    String,
    Bytes,
    Tuple,
    List,
    Dict,
    Global,
    Storage,
    Tensor
  } kind;
  int depth = 1;
  int64_t i = 0;
  double f = 0;
  std::string s;            // String, Bytes, Global ("module.name")
  std::vector<Value> items; // Tuple, List; Dict as key, value, key, value...
  std::shared_ptr<const StorageRef> storage;
  std::shared_ptr<const TensorRef> tensor;
};

const char *kindName(Object::Kind kind) {
  static const char *names[] = {"None", "bool",   "int",     "float",
                                "str",  "bytes",  "tuple",   "list",
                                "dict", "global", "storage", "tensor"};
  return names[kind];
}

class PickleMachine {
public:
  PickleMachine(StringRef pickle, std::string where)
      : pickle(pickle), where(std::move(where)) {}

  /// Runs to STOP; the result is the top of the stack.
  llvm::Expected<Value> run();

private:
  Error fail(const Twine &what) {
    return makeError(where + ": " + what + " (at byte " + Twine(opStart) + ")");
  }
  Error need(uint64_t n) {
    if (n > pickle.size() - pos)
      return fail("truncated pickle");
    return Error::success();
  }
  template <typename T> llvm::Expected<T> readLE() {
    if (Error e = need(sizeof(T)))
      return std::move(e);
    T v = llvm::support::endian::read<T, llvm::endianness::little>(
        pickle.data() + pos);
    pos += sizeof(T);
    return v;
  }
  llvm::Expected<StringRef> readBytes(uint64_t n) {
    if (Error e = need(n))
      return std::move(e);
    StringRef out = pickle.substr(pos, n);
    pos += n;
    return out;
  }
  llvm::Expected<StringRef> readLine() {
    size_t nl = pickle.find('\n', pos);
    if (nl == StringRef::npos)
      return fail("truncated pickle (unterminated GLOBAL)");
    StringRef out = pickle.slice(pos, nl);
    pos = nl + 1;
    return out;
  }

  Error push(Value v) {
    if (v->depth > kMaxDepth)
      return fail("objects nested deeper than " + Twine(kMaxDepth) + " levels");
    stack.push_back(std::move(v));
    return Error::success();
  }
  /// Values above the innermost mark.
  size_t floor() const { return marks.empty() ? 0 : marks.back(); }
  llvm::Expected<Value> pop() {
    if (stack.size() <= floor())
      return fail("stack underflow");
    Value v = std::move(stack.back());
    stack.pop_back();
    return v;
  }
  llvm::Expected<std::vector<Value>> popMark() {
    if (marks.empty())
      return fail("no MARK on the stack");
    std::vector<Value> items(stack.begin() + marks.back(), stack.end());
    stack.resize(marks.back());
    marks.pop_back();
    return items;
  }
  static Value make(Object::Kind kind) {
    auto o = std::make_shared<Object>();
    o->kind = kind;
    return o;
  }
  Value makeInt(int64_t i) {
    auto o = std::make_shared<Object>();
    o->kind = Object::Int;
    o->i = i;
    return o;
  }
  Value makeString(Object::Kind kind, StringRef s) {
    auto o = std::make_shared<Object>();
    o->kind = kind;
    o->s = s.str();
    return o;
  }
  Value makeContainer(Object::Kind kind, std::vector<Value> items) {
    auto o = std::make_shared<Object>();
    o->kind = kind;
    for (const Value &v : items)
      o->depth = std::max(o->depth, v->depth + 1);
    o->items = std::move(items);
    return o;
  }
  /// Containers are immutable values here; appending builds a new object
  /// that replaces the old one on the stack. Memoized copies do not see
  /// later additions, which torch.save never relies on (it memoizes a
  /// container before filling it but never reads it back afterwards).
  Error extendTop(std::vector<Value> items, Object::Kind expected) {
    if (stack.size() <= floor())
      return fail("stack underflow");
    const Value &top = stack.back();
    if (top->kind != expected)
      return fail(Twine("cannot add items to a ") + kindName(top->kind));
    if (expected == Object::Dict && items.size() % 2)
      return fail("odd number of items for a dict");
    std::vector<Value> all = top->items;
    all.insert(all.end(), items.begin(), items.end());
    Value updated = makeContainer(expected, std::move(all));
    stack.back() = nullptr;
    stack.pop_back();
    return push(std::move(updated));
  }
  Error memoPut(uint64_t index) {
    if (stack.size() <= floor())
      return fail("memoize with an empty stack");
    memo[index] = stack.back();
    return Error::success();
  }
  Error memoGet(uint64_t index) {
    auto it = memo.find(index);
    if (it == memo.end())
      return fail("memo index " + Twine(index) + " was never stored");
    return push(it->second);
  }
  llvm::Expected<Value> persistentLoad(const Value &pid);
  llvm::Expected<Value> reduce(const Value &callable, const Value &args);

  StringRef pickle;
  std::string where;
  uint64_t pos = 0, opStart = 0;
  std::vector<Value> stack;
  std::vector<size_t> marks;
  std::unordered_map<uint64_t, Value> memo;
};

llvm::Expected<Value> PickleMachine::persistentLoad(const Value &pid) {
  const auto &t = pid->items;
  if (pid->kind != Object::Tuple || t.size() != 5 ||
      t[0]->kind != Object::String || t[0]->s != "storage")
    return fail("persistent id is not ('storage', type, key, location, "
                "numel)");
  if (t[1]->kind != Object::Global || t[2]->kind != Object::String ||
      t[4]->kind != Object::Int || t[4]->i < 0)
    return fail("malformed storage persistent id");
  auto storage = std::make_shared<StorageRef>();
  storage->typeName = t[1]->s;
  storage->key = t[2]->s;
  storage->numel = t[4]->i;
  auto o = std::make_shared<Object>();
  o->kind = Object::Storage;
  o->storage = std::move(storage);
  return o;
}

llvm::Expected<Value> PickleMachine::reduce(const Value &callable,
                                            const Value &args) {
  if (callable->kind != Object::Global)
    return fail(Twine("REDUCE of a ") + kindName(callable->kind));
  if (args->kind != Object::Tuple)
    return fail("REDUCE arguments are not a tuple");
  const std::string &fn = callable->s;
  const auto &a = args->items;
  if (fn == "collections.OrderedDict" || fn == "builtins.dict") {
    if (!a.empty())
      return fail(fn + " with arguments is not supported");
    return make(Object::Dict);
  }
  if (fn == "torch._utils._rebuild_parameter" ||
      fn == "torch._utils._rebuild_parameter_with_state") {
    if (a.empty() || a[0]->kind != Object::Tensor)
      return fail(fn + " of something that is not a tensor");
    return a[0];
  }
  if (fn != "torch._utils._rebuild_tensor_v2" &&
      fn != "torch._utils._rebuild_tensor")
    return fail("unsupported pickle global '" + fn +
                "' (not a state dict of tensors?)");
  // (storage, storage_offset, size, stride, [requires_grad, hooks, meta])
  if (a.size() < 4 || a[0]->kind != Object::Storage ||
      a[1]->kind != Object::Int || a[2]->kind != Object::Tuple ||
      a[3]->kind != Object::Tuple)
    return fail(fn + " arguments are not (storage, offset, size, stride, "
                     "...)");
  auto tensor = std::make_shared<TensorRef>();
  tensor->storage = a[0]->storage;
  tensor->offset = a[1]->i;
  for (auto [tuple, out] : {std::make_pair(a[2].get(), &tensor->sizes),
                            std::make_pair(a[3].get(), &tensor->strides)}) {
    if (tuple->items.size() > kMaxRank)
      return fail("tensor of rank " + Twine(tuple->items.size()) +
                  " (at most " + Twine(kMaxRank) + ")");
    for (const Value &v : tuple->items) {
      if (v->kind != Object::Int)
        return fail("tensor size or stride is not an int");
      out->push_back(v->i);
    }
  }
  auto o = std::make_shared<Object>();
  o->kind = Object::Tensor;
  o->tensor = std::move(tensor);
  return o;
}

llvm::Expected<Value> PickleMachine::run() {
  // Propagates errors of the helpers with one line each.
#define TRY(decl, expr)                                                        \
  auto decl##OrErr = (expr);                                                   \
  if (!decl##OrErr)                                                            \
    return decl##OrErr.takeError();                                            \
  auto decl = std::move(*decl##OrErr)
#define CHECK(expr)                                                            \
  if (Error e = (expr))                                                        \
  return std::move(e)

  while (pos < pickle.size()) {
    opStart = pos;
    uint8_t op = static_cast<uint8_t>(pickle[pos++]);
    switch (op) {
    case 0x80: { // PROTO
      TRY(version, readLE<uint8_t>());
      if (version < 2 || version > 5)
        return fail("pickle protocol " + Twine(unsigned(version)) +
                    " is not supported (torch.save writes protocol 2)");
      break;
    }
    case 0x95: { // FRAME: a length prefix only
      TRY(length, readLE<uint64_t>());
      (void)length;
      break;
    }
    case '.': { // STOP
      if (!marks.empty())
        return fail("STOP with an open MARK");
      if (stack.size() != 1)
        return fail("STOP with " + Twine(stack.size()) +
                    " values on the stack (expected 1)");
      return stack.back();
    }
    case '(': // MARK
      marks.push_back(stack.size());
      break;
    case '0': { // POP
      if (stack.size() > floor()) {
        stack.pop_back();
      } else if (!marks.empty() && marks.back() == stack.size()) {
        marks.pop_back(); // POP of a bare mark
      } else {
        return fail("stack underflow");
      }
      break;
    }
    case '1': { // POP_MARK
      TRY(items, popMark());
      (void)items;
      break;
    }
    case '2': { // DUP
      if (stack.size() <= floor())
        return fail("stack underflow");
      CHECK(push(stack.back()));
      break;
    }
    case 'N':
      CHECK(push(make(Object::None)));
      break;
    case 0x88:   // NEWTRUE
    case 0x89: { // NEWFALSE
      auto o = std::make_shared<Object>();
      o->kind = Object::Bool;
      o->i = op == 0x88;
      CHECK(push(o));
      break;
    }
    case 'K': {
      TRY(v, readLE<uint8_t>());
      CHECK(push(makeInt(v)));
      break;
    }
    case 'M': {
      TRY(v, readLE<uint16_t>());
      CHECK(push(makeInt(v)));
      break;
    }
    case 'J': {
      TRY(v, readLE<int32_t>());
      CHECK(push(makeInt(v)));
      break;
    }
    case 0x8a: { // LONG1: little-endian two's complement of n bytes
      TRY(n, readLE<uint8_t>());
      if (n > 8)
        return fail("integer of " + Twine(unsigned(n)) + " bytes is too large");
      TRY(bytes, readBytes(n));
      uint64_t u = 0;
      for (unsigned k = 0; k < n; ++k)
        u |= static_cast<uint64_t>(static_cast<uint8_t>(bytes[k])) << (8 * k);
      if (n > 0 && n < 8 && (static_cast<uint8_t>(bytes[n - 1]) & 0x80))
        u |= ~uint64_t(0) << (8 * n); // sign-extend
      CHECK(push(makeInt(static_cast<int64_t>(u))));
      break;
    }
    case 'G': { // BINFLOAT: big-endian double
      TRY(bits, readLE<uint64_t>());
      bits = llvm::byteswap(bits);
      auto o = std::make_shared<Object>();
      o->kind = Object::Float;
      std::memcpy(&o->f, &bits, sizeof bits);
      CHECK(push(o));
      break;
    }
    case 'X':   // BINUNICODE
    case 0x8c:  // SHORT_BINUNICODE
    case 0x8d:  // BINUNICODE8
    case 'B':   // BINBYTES
    case 'C':   // SHORT_BINBYTES
    case 'T':   // BINSTRING
    case 'U': { // SHORT_BINSTRING
      uint64_t n;
      if (op == 0x8c || op == 'C' || op == 'U') {
        TRY(v, readLE<uint8_t>());
        n = v;
      } else if (op == 0x8d) {
        TRY(v, readLE<uint64_t>());
        n = v;
      } else {
        TRY(v, readLE<uint32_t>());
        n = v;
      }
      TRY(bytes, readBytes(n));
      bool isBytes = op == 'B' || op == 'C';
      CHECK(push(makeString(isBytes ? Object::Bytes : Object::String, bytes)));
      break;
    }
    case 'c': { // GLOBAL "module\nname\n"
      TRY(module, readLine());
      TRY(name, readLine());
      CHECK(push(makeString(Object::Global, (module + "." + name).str())));
      break;
    }
    case 0x93: { // STACK_GLOBAL
      TRY(name, pop());
      TRY(module, pop());
      if (name->kind != Object::String || module->kind != Object::String)
        return fail("STACK_GLOBAL of non-strings");
      CHECK(push(makeString(Object::Global, module->s + "." + name->s)));
      break;
    }
    case ')':
      CHECK(push(makeContainer(Object::Tuple, {})));
      break;
    case 0x85: // TUPLE1..3
    case 0x86:
    case 0x87: {
      size_t n = op - 0x84;
      if (stack.size() < floor() + n)
        return fail("stack underflow");
      std::vector<Value> items(stack.end() - n, stack.end());
      stack.resize(stack.size() - n);
      CHECK(push(makeContainer(Object::Tuple, std::move(items))));
      break;
    }
    case 't': { // TUPLE
      TRY(items, popMark());
      CHECK(push(makeContainer(Object::Tuple, std::move(items))));
      break;
    }
    case ']':
      CHECK(push(makeContainer(Object::List, {})));
      break;
    case 'l': { // LIST
      TRY(items, popMark());
      CHECK(push(makeContainer(Object::List, std::move(items))));
      break;
    }
    case '}':
      CHECK(push(makeContainer(Object::Dict, {})));
      break;
    case 'd': { // DICT
      TRY(items, popMark());
      if (items.size() % 2)
        return fail("odd number of items for a dict");
      CHECK(push(makeContainer(Object::Dict, std::move(items))));
      break;
    }
    case 'a': { // APPEND
      TRY(v, pop());
      CHECK(extendTop({v}, Object::List));
      break;
    }
    case 'e': { // APPENDS
      TRY(items, popMark());
      CHECK(extendTop(std::move(items), Object::List));
      break;
    }
    case 's': { // SETITEM
      TRY(v, pop());
      TRY(k, pop());
      CHECK(extendTop({k, v}, Object::Dict));
      break;
    }
    case 'u': { // SETITEMS
      TRY(items, popMark());
      CHECK(extendTop(std::move(items), Object::Dict));
      break;
    }
    case 'b': { // BUILD: object state (OrderedDict._metadata) is dropped
      TRY(state, pop());
      (void)state;
      if (stack.size() <= floor())
        return fail("stack underflow");
      break;
    }
    case 'R': { // REDUCE
      TRY(args, pop());
      TRY(callable, pop());
      TRY(result, reduce(callable, args));
      CHECK(push(std::move(result)));
      break;
    }
    case 'Q': { // BINPERSID
      TRY(pid, pop());
      TRY(storage, persistentLoad(pid));
      CHECK(push(std::move(storage)));
      break;
    }
    case 'q': {
      TRY(index, readLE<uint8_t>());
      CHECK(memoPut(index));
      break;
    }
    case 'r': {
      TRY(index, readLE<uint32_t>());
      CHECK(memoPut(index));
      break;
    }
    case 0x94: // MEMOIZE
      CHECK(memoPut(memo.size()));
      break;
    case 'h': {
      TRY(index, readLE<uint8_t>());
      CHECK(memoGet(index));
      break;
    }
    case 'j': {
      TRY(index, readLE<uint32_t>());
      CHECK(memoGet(index));
      break;
    }
    default:
      return fail("unsupported pickle opcode 0x" +
                  llvm::utohexstr(op, /*LowerCase=*/true, /*Width=*/2) +
                  (llvm::isPrint(op) ? " ('" + std::string(1, op) + "')"
                                     : std::string()));
    }
  }
  opStart = pos;
  return fail("truncated pickle (no STOP)");
#undef TRY
#undef CHECK
}

std::optional<DType> storageDType(StringRef typeName) {
  if (typeName == "torch.FloatStorage")
    return DType::F32;
  if (typeName == "torch.HalfStorage")
    return DType::F16;
  if (typeName == "torch.BFloat16Storage")
    return DType::BF16;
  return std::nullopt;
}

} // namespace

Error bitc::readPytorchBin(
    StringRef path, StringRef file, std::vector<TensorInfo> &tensors,
    std::vector<std::unique_ptr<llvm::MemoryBuffer>> &owned) {
  auto fail = [&](const Twine &what) { return makeError(path + ": " + what); };
  if (file.size() >= 2 && static_cast<uint8_t>(file[0]) == 0x80 &&
      !ZipArchive::looksLikeZip(file))
    return fail("legacy (torch < 1.6) serialization is not supported; "
                "re-save it with torch >= 1.6 or as safetensors");
  auto archive = ZipArchive::open(path, file);
  if (!archive)
    return archive.takeError();

  // Exactly one `<top>/data.pkl`; the storages live in `<top>/data/`.
  const ZipEntry *pklEntry = nullptr;
  for (const ZipEntry &entry : (*archive)->entries()) {
    StringRef name(entry.name);
    if (!name.ends_with("/data.pkl") || name.drop_back(9).contains('/'))
      continue;
    if (pklEntry)
      return fail("more than one data.pkl ('" + pklEntry->name + "', '" +
                  entry.name + "')");
    pklEntry = &entry;
  }
  if (!pklEntry)
    return fail("no <archive>/data.pkl entry: not a torch.save file");
  std::string top = StringRef(pklEntry->name).drop_back(8).str();
  if (const ZipEntry *order = (*archive)->find(top + "byteorder")) {
    auto bytes = (*archive)->read(*order);
    if (!bytes)
      return bytes.takeError();
    StringRef text(reinterpret_cast<const char *>(bytes->data()),
                   bytes->size());
    if (text != "little")
      return fail("storages are stored with byte order '" + text +
                  "' (only little-endian files are supported)");
  }
  if (pklEntry->uncompressedSize > kMaxPickleBytes)
    return fail(pklEntry->name + " is " + Twine(pklEntry->uncompressedSize) +
                " bytes (limit " + Twine(kMaxPickleBytes) + ")");
  auto pklBytes = (*archive)->read(*pklEntry);
  if (!pklBytes)
    return pklBytes.takeError();
  StringRef pickle(reinterpret_cast<const char *>(pklBytes->data()),
                   pklBytes->size());
  PickleMachine machine(pickle, (path + ": " + pklEntry->name).str());
  auto result = machine.run();
  if (!result)
    return result.takeError();
  const Object &dict = **result;
  if (dict.kind != Object::Dict)
    return fail(Twine("data.pkl holds a ") + kindName(dict.kind) +
                ", not a state dict (an OrderedDict of tensors)");

  // Tensors in pickle order; each storage is read (and CRC-checked) once.
  std::map<std::string, llvm::ArrayRef<uint8_t>> storages;
  std::map<std::string, std::string> storageTypes;
  llvm::StringSet<> seen;
  for (size_t i = 0; i + 1 < dict.items.size(); i += 2) {
    const Object &key = *dict.items[i], &value = *dict.items[i + 1];
    if (key.kind != Object::String)
      return fail(Twine("state dict key of type ") + kindName(key.kind) +
                  " (expected str)");
    const std::string &name = key.s;
    auto tensorFail = [&](const Twine &what) {
      return makeError(path + ": tensor '" + name + "': " + what);
    };
    if (!seen.insert(name).second)
      return tensorFail("appears twice in the state dict");
    if (value.kind != Object::Tensor)
      return tensorFail(Twine("is a ") + kindName(value.kind) +
                        ", not a tensor");
    const TensorRef &t = *value.tensor;
    const StorageRef &s = *t.storage;
    std::optional<DType> dtype = storageDType(s.typeName);
    if (!dtype)
      return tensorFail("storage type " + s.typeName +
                        " is not supported (float32, float16, bfloat16)");
    auto [typeIt, fresh] = storageTypes.emplace(s.key, s.typeName);
    if (!fresh && typeIt->second != s.typeName)
      return tensorFail("storage '" + s.key + "' is used as " + s.typeName +
                        " and as " + typeIt->second);
    int64_t elementSize = dtypeSize(*dtype);
    auto cached = storages.find(s.key);
    if (cached == storages.end()) {
      const ZipEntry *entry = (*archive)->find(top + "data/" + s.key);
      if (!entry)
        return tensorFail("storage '" + s.key + "' has no entry '" + top +
                          "data/" + s.key + "' in the archive");
      auto bytes = (*archive)->read(*entry);
      if (!bytes)
        return bytes.takeError();
      cached = storages.emplace(s.key, *bytes).first;
    }
    // Checked on every reference, not only the first: each reference states
    // its own element count, and the view bounds below trust it.
    int64_t needed;
    if (__builtin_mul_overflow(s.numel, elementSize, &needed) ||
        static_cast<uint64_t>(needed) != cached->second.size())
      return tensorFail(
          "storage '" + s.key + "' holds " + Twine(cached->second.size()) +
          " bytes but " + s.typeName + " of " + Twine(s.numel) +
          " elements needs " + Twine(s.numel) + " x " + Twine(elementSize));
    if (std::optional<std::string> problem =
            checkViewBounds(t.offset, t.sizes, t.strides, s.numel))
      return tensorFail("size " + shapeString(t.sizes) + ", stride " +
                        shapeString(t.strides) + ", offset " + Twine(t.offset) +
                        ": " + *problem);

    TensorInfo info;
    info.name = name;
    info.dtype = *dtype;
    info.shape = t.sizes;
    info.file = path.str();
    int64_t numel = info.numElements();
    const uint8_t *base = cached->second.data();
    if (isContiguousView(t.sizes, t.strides)) {
      info.bytes = llvm::ArrayRef<uint8_t>(
          numel ? base + t.offset * elementSize : base, numel * elementSize);
    } else {
      std::unique_ptr<llvm::MemoryBuffer> copy =
          gatherStrided(base, elementSize, t.offset, t.sizes, t.strides,
                        path.str() + ":" + name);
      if (!copy)
        return tensorFail("cannot allocate " + Twine(numel * elementSize) +
                          " bytes");
      info.bytes = llvm::ArrayRef<uint8_t>(
          reinterpret_cast<const uint8_t *>(copy->getBufferStart()),
          numel * elementSize);
      owned.push_back(std::move(copy));
    }
    tensors.push_back(std::move(info));
  }
  for (auto &buffer : (*archive)->takeInflated())
    owned.push_back(std::move(buffer));
  return Error::success();
}
