// One error vocabulary for precis. Every failure that reaches a user is one of these kinds, and each kind maps to a
// documented exit code (see docs/errors.md). Library code throws; only main() turns errors into exit codes.
#pragma once
#include <stdexcept>
#include <string>

namespace precis {

enum class ErrorKind {
    Config,              // the study file or command line is wrong            -> exit 2
    MalformedInput,      // an input file breaks its format                     -> exit 2
    InconsistentInput,   // inputs disagree with each other                     -> exit 2
    DegenerateData,      // nothing left to compute on (e.g. no samples pass)   -> exit 1
    IO,                  // the file system refused (cannot write, disk full)   -> exit 1
    Internal,            // a bug in precis                                     -> exit 1
    Interrupted,         // stopped by a signal                                 -> 130 / 143
};

const char* kind_name(ErrorKind k);
int exit_code(ErrorKind k);

class Error : public std::runtime_error {
public:
    Error(ErrorKind kind, std::string message, std::string hint = {});
    ErrorKind kind() const { return kind_; }
    const std::string& hint() const { return hint_; }
    // "message" plus, when there is one, "\n  fix: hint"
    std::string describe() const;
    // the same on one line: "message (fix: hint)", as in validation lists and per-sample reasons
    std::string one_line() const;

private:
    ErrorKind kind_;
    std::string hint_;
};

// "path:line: " prefix used by every parser so that messages point at the place to fix.
std::string where(const std::string& path, long line = 0, long col = 0);

[[noreturn]] void throw_config(const std::string& msg, const std::string& hint);
[[noreturn]] void throw_malformed(const std::string& msg, const std::string& hint);
[[noreturn]] void throw_io(const std::string& msg, const std::string& hint);

}  // namespace precis
