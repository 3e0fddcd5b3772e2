//===- OutputPair.cpp - An object and its header moved into place together ===//

#include "codegen/OutputPair.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/Twine.h"

namespace bitc {

static llvm::Error cannotWrite(llvm::StringRef path, llvm::Error cause) {
  return llvm::createStringError(
      llvm::inconvertibleErrorCode(),
      path + ": cannot write: " + llvm::toString(std::move(cause)));
}

llvm::Error installObjectAndHeader(llvm::sys::fs::TempFile &object,
                                   llvm::StringRef objectPath,
                                   llvm::sys::fs::TempFile &header,
                                   llvm::StringRef headerPath) {
  // A second name for the previous object, so the rename below can be undone
  // without copying what may be gigabytes.
  llvm::SmallString<256> previous;
  if (llvm::sys::fs::is_regular_file(objectPath)) {
    llvm::sys::fs::createUniquePath(objectPath + ".old-%%%%%%", previous,
                                    /*MakeAbsolute=*/false);
    if (llvm::sys::fs::create_hard_link(objectPath, previous))
      previous.clear();
  }
  auto dropPrevious = [&] {
    if (!previous.empty())
      llvm::sys::fs::remove(previous);
  };
  // A failed keep() has removed its temporary already.
  if (llvm::Error err = object.keep(objectPath)) {
    llvm::consumeError(header.discard());
    dropPrevious();
    return cannotWrite(objectPath, std::move(err));
  }
  if (llvm::Error err = header.keep(headerPath)) {
    if (previous.empty() || llvm::sys::fs::rename(previous, objectPath))
      llvm::sys::fs::remove(objectPath);
    dropPrevious();
    return cannotWrite(headerPath, std::move(err));
  }
  dropPrevious();
  return llvm::Error::success();
}

} // namespace bitc
