#pragma once
// Failures are exceptions: every one derives from errkb::Error and carries the
// process exit code `main` returns after printing `errkb: error: <what>`.
#include <stdexcept>
#include <string>

namespace errkb {

enum class ExitCode : int { ok = 0, findings = 1, usage = 2 };

class Error : public std::runtime_error {
public:
  explicit Error(const std::string& message, ExitCode code = ExitCode::findings)
    : std::runtime_error(message), m_code(code) {}
  ExitCode exit_code() const noexcept { return m_code; }

private:
  ExitCode m_code;
};

// Bad command line: unknown option, malformed query passed with --raw, ...
class UsageError : public Error {
public:
  explicit UsageError(const std::string& message) : Error(message, ExitCode::usage) {}
};

// Bad input data: unreadable file, malformed record, over a limit.
class InputError : public Error {
public:
  using Error::Error;
};

// The database cannot be opened, is locked, corrupt or of an unknown version.
class StoreError : public Error {
public:
  using Error::Error;
};

} // namespace errkb
