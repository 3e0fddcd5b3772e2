//===- CalibrationImages.h - The image folder of --calibration --*- C++ -*-===//

#ifndef BITC_FRONTEND_CALIBRATIONIMAGES_H
#define BITC_FRONTEND_CALIBRATIONIMAGES_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include <string>
#include <vector>

namespace bitc {

/// The calibration images of `dir`: its regular files in name order, at most
/// `maxCount` of them (0: all). Names starting with '.' and subfolders are
/// skipped; every other file must be readable and start like a PNG, JPEG or
/// binary PPM/PGM (P6/P5) image, else the whole folder is refused (a stray
/// file there more likely means the wrong folder than one to ignore). The
/// error names the folder or the file: `<path>: --calibration: <what>`.
llvm::Expected<std::vector<std::string>>
listCalibrationImages(llvm::StringRef dir, size_t maxCount);

} // namespace bitc

#endif // BITC_FRONTEND_CALIBRATIONIMAGES_H
