//===- OutputFile.cpp - Atomic output files -------------------------------===//

#include "tools/bitc/OutputFile.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

namespace bitc {

llvm::Error writeFileAtomically(
    llvm::StringRef path,
    const std::function<llvm::Error(llvm::raw_ostream &)> &write) {
  if (path == "-") {
    if (llvm::Error err = write(llvm::outs()))
      return err;
    llvm::outs().flush();
    return llvm::Error::success();
  }
  llvm::StringRef parent = llvm::sys::path::parent_path(path);
  if (!parent.empty() && !llvm::sys::fs::is_directory(parent))
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   path + ": cannot write: directory '" +
                                       parent + "' does not exist");
  auto temp = llvm::sys::fs::TempFile::create(path + ".tmp-%%%%%%");
  if (!temp)
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        path + ": cannot write: " + llvm::toString(temp.takeError()));
  llvm::Error result = llvm::Error::success();
  {
    llvm::raw_fd_ostream os(temp->FD, /*shouldClose=*/false);
    result = write(os);
    os.flush();
    if (!result && os.has_error()) {
      result = llvm::createStringError(
          llvm::inconvertibleErrorCode(),
          path + ": cannot write: " + os.error().message());
      os.clear_error();
    }
  }
  if (result) {
    llvm::consumeError(temp->discard());
    return result;
  }
  if (llvm::Error err = temp->keep(path))
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        path + ": cannot write: " + llvm::toString(std::move(err)));
  return llvm::Error::success();
}

} // namespace bitc
