// SHA-256 of files and strings, for provenance (OpenSSL's libcrypto does the hashing).
#pragma once
#include <string>

namespace precis {
std::string sha256_file(const std::string& path);  // lowercase hex; throws IO error if unreadable
std::string sha256_string(const std::string& data);
}  // namespace precis
