//===- ExternalTool.cpp - Running ld/ar with their output captured -------===//

#include "codegen/ExternalTool.h"
#include "codegen/Temporaries.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include <cerrno>
#include <optional>
#include <system_error>

extern char **environ;

namespace bitc {

static llvm::Error makeError(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

llvm::Expected<std::string>
findFirstProgram(llvm::ArrayRef<std::string> candidates, llvm::StringRef what,
                 llvm::StringRef packages) {
  for (const std::string &name : candidates)
    if (auto program = llvm::sys::findProgramByName(name))
      return *program;
  return makeError("codegen: cannot find '" + llvm::join(candidates, "' or '") +
                   "' to " + what + " (install " + packages + ")");
}

std::string summarizeToolFailure(llvm::StringRef tool, llvm::StringRef log,
                                 llvm::StringRef outputPath,
                                 llvm::StringRef what) {
  // Failures to write the output, in the words of strerror (C locale).
  for (int code : {ENOSPC, EDQUOT, EFBIG, EIO, EROFS}) {
    std::string reason =
        std::error_code(code, std::generic_category()).message();
    if (log.contains(reason))
      return (outputPath + ": cannot write: " + reason).str();
  }
  // Else the first line that reports an error (or the first line), without
  // the tool's "/usr/bin/ld: " prefix.
  llvm::SmallVector<llvm::StringRef> lines;
  log.split(lines, '\n', -1, /*KeepEmpty=*/false);
  llvm::StringRef detail;
  for (llvm::StringRef line : lines)
    if (line.contains_insensitive("error") || line.contains("failed")) {
      detail = line;
      break;
    }
  if (detail.empty() && !lines.empty())
    detail = lines.front();
  detail = detail.trim();
  if (auto [head, rest] = detail.split(": ");
      !rest.empty() && (head.ends_with(tool) || head.contains('/')))
    detail = rest;
  std::string message = ("codegen: '" + tool + "' failed to " + what).str();
  if (!detail.empty())
    message += ": " + detail.take_front(240).str();
  return message;
}

llvm::Error runExternalTool(const std::string &program,
                            llvm::ArrayRef<std::string> args,
                            llvm::StringRef logPath, llvm::StringRef outputPath,
                            llvm::StringRef what) {
  std::string tool = llvm::sys::path::filename(program).str();
  std::vector<llvm::StringRef> argv = {program};
  argv.insert(argv.end(), args.begin(), args.end());
  // The C locale, so the summary can recognize strerror's words.
  std::vector<llvm::StringRef> env;
  for (char **var = environ; *var; ++var)
    if (!llvm::StringRef(*var).starts_with("LC_ALL=") &&
        !llvm::StringRef(*var).starts_with("LANGUAGE="))
      env.push_back(*var);
  env.push_back("LC_ALL=C");
  std::optional<llvm::StringRef> redirects[] = {llvm::StringRef(), logPath,
                                                logPath};
  std::string message;
  bool failedToStart = false;
  llvm::sys::ProcessInfo process = llvm::sys::ExecuteNoWait(
      program, argv, env, redirects, 0, &message, &failedToStart);
  if (failedToStart)
    return makeError("codegen: cannot run '" + tool + "': " + message);
  setRunningTool(process.Pid);
  llvm::sys::ProcessInfo result =
      llvm::sys::Wait(process, std::nullopt, &message);
  setRunningTool(0);
  if (result.ReturnCode == 0)
    return llvm::Error::success();
  std::string log;
  if (auto buffer = llvm::MemoryBuffer::getFile(logPath))
    log = (*buffer)->getBuffer().str();
  if (log.empty())
    log = message;
  return makeError(summarizeToolFailure(tool, log, outputPath, what));
}

} // namespace bitc
