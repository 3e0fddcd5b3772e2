//===- OutputFile.cpp - Atomic output files -------------------------------===//

#include "driver/OutputFile.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

namespace bitc {

static llvm::Error cannotWrite(llvm::StringRef path, const llvm::Twine &why) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 path + ": cannot write: " + why);
}

llvm::Error checkOutputPath(llvm::StringRef path) {
  if (path == "-")
    return llvm::Error::success();
  if (llvm::sys::fs::is_directory(path))
    return cannotWrite(path, "is a directory");
  llvm::StringRef parent = llvm::sys::path::parent_path(path);
  if (parent.empty() || llvm::sys::fs::is_directory(parent))
    return llvm::Error::success();
  if (llvm::sys::fs::exists(parent))
    return cannotWrite(path, "'" + parent + "' is not a directory");
  return cannotWrite(path, "directory '" + parent + "' does not exist");
}

llvm::Error writeFileAtomically(
    llvm::StringRef path,
    const std::function<llvm::Error(llvm::raw_ostream &)> &write) {
  if (path == "-") {
    if (llvm::Error err = write(llvm::outs()))
      return err;
    llvm::outs().flush();
    return llvm::Error::success();
  }
  // Devices, FIFOs and the like cannot be replaced by a rename (and must not
  // be: think `-o /dev/null` as root); they are written in place.
  llvm::sys::fs::file_status status;
  if (!llvm::sys::fs::status(path, status) && llvm::sys::fs::exists(status) &&
      !llvm::sys::fs::is_regular_file(status)) {
    if (llvm::sys::fs::is_directory(status))
      return cannotWrite(path, "is a directory");
    std::error_code ec;
    llvm::raw_fd_ostream os(path, ec);
    if (ec)
      return cannotWrite(path, ec.message());
    if (llvm::Error err = write(os))
      return err;
    os.flush();
    if (os.has_error()) {
      std::string message = os.error().message();
      os.clear_error();
      return cannotWrite(path, message);
    }
    return llvm::Error::success();
  }
  if (llvm::Error err = checkOutputPath(path))
    return err;
  auto temp = llvm::sys::fs::TempFile::create(path + ".tmp-%%%%%%");
  if (!temp)
    return cannotWrite(path, llvm::toString(temp.takeError()));
  llvm::Error result = llvm::Error::success();
  {
    llvm::raw_fd_ostream os(temp->FD, /*shouldClose=*/false);
    result = write(os);
    os.flush();
    if (!result && os.has_error()) {
      result = cannotWrite(path, os.error().message());
      os.clear_error();
    }
  }
  if (result) {
    llvm::consumeError(temp->discard());
    return result;
  }
  if (llvm::Error err = temp->keep(path))
    return cannotWrite(path, llvm::toString(std::move(err)));
  return llvm::Error::success();
}

} // namespace bitc
