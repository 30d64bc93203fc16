#include "core/files.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "core/error.hpp"

namespace fs = std::filesystem;

namespace precis {

FILE* open_private(const std::string& path, const char* mode) {
    const bool append = mode[0] == 'a';
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | (append ? O_APPEND : O_TRUNC),
                          kPrivateFileMode);  // the kernel applies the umask
    if (fd < 0) return nullptr;
    FILE* f = ::fdopen(fd, mode);
    if (!f) {
        const int err = errno;
        ::close(fd);
        errno = err;
    }
    return f;
}

void make_private_dirs(const std::string& path) {
    fs::path p;
    for (const auto& part : fs::path(path).lexically_normal()) {
        p /= part;
        if (part.empty() || part == "/" || fs::is_directory(p)) continue;
        if (::mkdir(p.c_str(), kPrivateDirMode) != 0 && !(errno == EEXIST && fs::is_directory(p)))
            throw Error(ErrorKind::Config, "cannot create the folder " + p.string() + ": " + std::strerror(errno),
                        "choose an output folder you can write (study.output or --output)");
    }
}

std::string file_stamp(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return "-";
    char buf[128];
    std::snprintf(buf, sizeof buf, "%lld:%lld.%09ld:%lld.%09ld:%llu", static_cast<long long>(st.st_size),
                  static_cast<long long>(st.st_mtim.tv_sec), long(st.st_mtim.tv_nsec),
                  static_cast<long long>(st.st_ctim.tv_sec), long(st.st_ctim.tv_nsec),
                  static_cast<unsigned long long>(st.st_ino));
    return buf;
}

bool create_private_file(const std::string& path) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, kPrivateFileMode);
    if (fd < 0) return false;
    ::close(fd);
    return true;
}

}  // namespace precis
