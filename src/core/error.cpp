#include "core/error.hpp"

#include "core/signals.hpp"

namespace precis {

const char* kind_name(ErrorKind k) {
    switch (k) {
    case ErrorKind::Config: return "config error";
    case ErrorKind::MalformedInput: return "malformed input";
    case ErrorKind::InconsistentInput: return "inconsistent input";
    case ErrorKind::DegenerateData: return "degenerate data";
    case ErrorKind::IO: return "I/O error";
    case ErrorKind::Internal: return "internal error";
    case ErrorKind::Interrupted: return "interrupted";
    }
    return "error";
}

int exit_code(ErrorKind k) {
    switch (k) {
    case ErrorKind::Config:
    case ErrorKind::MalformedInput:
    case ErrorKind::InconsistentInput: return 2;
    case ErrorKind::Interrupted: return stop_exit_code(stop_signal());
    default: return 1;
    }
}

Error::Error(ErrorKind kind, std::string message, std::string hint)
    : std::runtime_error(std::move(message)), kind_(kind), hint_(std::move(hint)) {}

std::string Error::describe() const {
    std::string s = what();
    if (!hint_.empty()) s += "\n  fix: " + hint_;
    return s;
}

std::string Error::one_line() const { return hint_.empty() ? what() : std::string(what()) + " (fix: " + hint_ + ")"; }

std::string where(const std::string& path, long line, long col) {
    std::string s = path;
    if (line > 0) s += ":" + std::to_string(line);
    if (col > 0) s += ":" + std::to_string(col);
    return s + ": ";
}

void throw_config(const std::string& msg, const std::string& hint) { throw Error(ErrorKind::Config, msg, hint); }
void throw_malformed(const std::string& msg, const std::string& hint) {
    throw Error(ErrorKind::MalformedInput, msg, hint);
}
void throw_io(const std::string& msg, const std::string& hint) { throw Error(ErrorKind::IO, msg, hint); }

}  // namespace precis
