//===- PickleMachine.cpp - The pickle subset torch.save emits -------------===//
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

#include "frontend/PickleMachine.h"
#include "llvm/ADT/StringExtras.h"
#include <algorithm>

namespace bitc {
namespace pickle {

const char *kindName(Object::Kind kind) {
  static const char *names[] = {"None", "bool",   "int",     "float",
                                "str",  "bytes",  "tuple",   "list",
                                "dict", "global", "storage", "tensor"};
  return names[kind];
}

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

} // namespace pickle
} // namespace bitc
