// Shared by the libFuzzer targets: the parsers read files, so each input is written to a file of the process's
// own and the parser is given its path. A precis::Error is the parser refusing bad input, as it should; anything
// else escaping (another exception, a crash, a sanitizer report) is a finding.
#pragma once
#include <sys/stat.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

#include "core/error.hpp"

namespace precis_fuzz {

inline std::string dir() {
    static const std::string d = [] {
        std::string p = "/tmp/precis-fuzz-" + std::to_string(::getpid());
        ::mkdir(p.c_str(), 0700);
        return p;
    }();
    return d;
}

// Writes the input to DIR/name and returns the path.
inline std::string file(const std::string& name, const uint8_t* data, size_t size) {
    const std::string path = dir() + "/" + name;
    FILE* f = std::fopen(path.c_str(), "wb");
    if (!f) __builtin_trap();
    if (size) std::fwrite(data, 1, size, f);
    std::fclose(f);
    return path;
}

// Runs a parser on the input; precis::Error (bad input refused) is the expected way out.
template <class F>
int refuse_or_parse(F&& f) {
    try {
        f();
    } catch (const precis::Error&) {
    }
    return 0;
}

}  // namespace precis_fuzz
