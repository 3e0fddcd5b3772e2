//===- CalibrationImages.cpp - The image folder of --calibration ----------===//

#include "frontend/CalibrationImages.h"
#include "frontend/JsonUtil.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include <algorithm>

namespace bitc {

namespace {

llvm::Error calibrationError(llvm::StringRef path, const llvm::Twine &what) {
  return makeError(path + ": --calibration: " + what);
}

/// Whether `head` (the first bytes of a file) starts a PNG, a JPEG or a
/// binary PPM/PGM, the formats the examples' image reader decodes.
bool looksLikeImage(llvm::StringRef head) {
  return head.starts_with("\x89PNG\r\n\x1a\n") ||
         head.starts_with("\xff\xd8\xff") || head.starts_with("P6") ||
         head.starts_with("P5");
}

llvm::Error checkImageFile(llvm::StringRef path) {
  auto buffer = mapRegularFile(path);
  if (!buffer)
    return calibrationError(path, "cannot read: " +
                                      llvm::toString(buffer.takeError()));
  if (!looksLikeImage((*buffer)->getBuffer()))
    return calibrationError(path, "not a PNG, JPEG or PPM/PGM image");
  return llvm::Error::success();
}

} // namespace

llvm::Expected<std::vector<std::string>>
listCalibrationImages(llvm::StringRef dir, size_t maxCount) {
  llvm::sys::fs::file_status status;
  if (std::error_code ec = llvm::sys::fs::status(dir, status))
    return calibrationError(dir, ec == std::errc::no_such_file_or_directory
                                     ? "no such directory"
                                     : ec.message());
  if (status.type() != llvm::sys::fs::file_type::directory_file)
    return calibrationError(dir, "not a directory");
  std::vector<std::string> files;
  std::error_code ec;
  for (llvm::sys::fs::directory_iterator it(dir, ec), end; !ec && it != end;
       it.increment(ec)) {
    llvm::StringRef name = llvm::sys::path::filename(it->path());
    if (name.starts_with("."))
      continue;
    llvm::sys::fs::file_status entry;
    // A dangling link fails here and is reported as unreadable below.
    if (!llvm::sys::fs::status(it->path(), entry) &&
        entry.type() == llvm::sys::fs::file_type::directory_file)
      continue;
    files.push_back(it->path());
  }
  if (ec)
    return calibrationError(dir, "cannot list: " + ec.message());
  if (files.empty())
    return calibrationError(dir, "no images in the folder");
  std::sort(files.begin(), files.end());
  if (maxCount && files.size() > maxCount)
    files.resize(maxCount);
  for (const std::string &file : files)
    if (llvm::Error err = checkImageFile(file))
      return std::move(err);
  return files;
}

} // namespace bitc
