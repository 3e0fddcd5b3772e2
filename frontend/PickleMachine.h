//===- PickleMachine.h - The pickle subset torch.save emits -----*- C++ -*-===//
//
// A pickle virtual machine for the subset of opcodes torch.save emits for a
// state dict (the opcode list is in PickleMachine.cpp). Only the globals
// PytorchBinReader needs are recognized; nothing is executed.
//
//===----------------------------------------------------------------------===//

#ifndef BITC_FRONTEND_PICKLEMACHINE_H
#define BITC_FRONTEND_PICKLEMACHINE_H

#include "frontend/JsonUtil.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/ADT/Twine.h"
#include "llvm/Support/Endian.h"
#include "llvm/Support/Error.h"
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace bitc {
namespace pickle {

using llvm::Error;
using llvm::StringRef;
using llvm::Twine;

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

/// "None", "int", "tuple", ...: a kind in diagnostics.
const char *kindName(Object::Kind kind);

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

} // namespace pickle
} // namespace bitc

#endif // BITC_FRONTEND_PICKLEMACHINE_H
