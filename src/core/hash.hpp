// SHA-256 of files and strings, for provenance (OpenSSL's libcrypto does the hashing).
#pragma once
#include <cstddef>
#include <memory>
#include <string>

struct evp_md_ctx_st;

namespace precis {
// SHA-256 of bytes given in pieces.
class Sha256 {
public:
    Sha256();
    void update(const void* p, size_t n);
    void update(const std::string& s) { update(s.data(), s.size()); }
    std::string hex();  // lowercase hex; once, at the end

private:
    struct CtxFree {
        void operator()(evp_md_ctx_st* c) const;
    };
    std::unique_ptr<evp_md_ctx_st, CtxFree> ctx_;
};

std::string sha256_file(const std::string& path);  // lowercase hex; throws IO error if unreadable
std::string sha256_string(const std::string& data);
}  // namespace precis
