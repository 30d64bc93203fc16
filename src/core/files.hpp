// Files and folders for results and run state, created private: files 0640 and folders 0750, less whatever the
// process's umask takes away (a umask of 077 gives 0600 and 0700). National projects' genotypes and abundances must
// not become readable by every user of a shared cluster. All output files and folders are created through here.
#pragma once
#include <cstdio>
#include <string>

namespace precis {

constexpr unsigned kPrivateFileMode = 0640;
constexpr unsigned kPrivateDirMode = 0750;

// fopen for writing ("wb": create or truncate; "ab": create or append) with mode 0640 & ~umask for a new file.
// Returns nullptr with errno set, as fopen does.
FILE* open_private(const std::string& path, const char* mode);
// Creates `path` and any missing parents with mode 0750 & ~umask. Throws a Config error naming the folder.
void make_private_dirs(const std::string& path);
// Creates (or truncates) an empty file with mode 0640 & ~umask, for a library (HDF5) to open afterwards. Returns
// false with errno set if it cannot (the library's own open then reports why, on every rank alike).
bool create_private_file(const std::string& path);

// A file's identity as far as stat(2) tells it without reading it: "SIZE:MTIME:CTIME:INODE" (times to the
// nanosecond), or "-" if there is no such file. Equal stamps mean an unchanged file, the test make and rsync rely
// on; the change time cannot be set back by hand (touch sets the modification time only), so an edit that restores
// a file's size and modification time still shows.
std::string file_stamp(const std::string& path);

}  // namespace precis
