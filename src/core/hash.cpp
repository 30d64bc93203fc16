#include "core/hash.hpp"

#include <openssl/evp.h>

#include <cstdio>
#include <memory>
#include <vector>

#include "core/error.hpp"

namespace precis {
namespace {
struct FileClose {
    void operator()(FILE* f) const { std::fclose(f); }
};

}  // namespace

void Sha256::CtxFree::operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }

Sha256::Sha256() : ctx_(EVP_MD_CTX_new()) {
    if (!ctx_ || EVP_DigestInit_ex(ctx_.get(), EVP_sha256(), nullptr) != 1)
        throw Error(ErrorKind::Internal, "cannot initialise SHA-256");
}

void Sha256::update(const void* p, size_t n) {
    if (EVP_DigestUpdate(ctx_.get(), p, n) != 1) throw Error(ErrorKind::Internal, "SHA-256 update failed");
}

std::string Sha256::hex() {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned len = 0;
    EVP_DigestFinal_ex(ctx_.get(), md, &len);
    static const char* digits = "0123456789abcdef";
    std::string s;
    for (unsigned i = 0; i < len; ++i) {
        s += digits[md[i] >> 4];
        s += digits[md[i] & 15];
    }
    return s;
}

std::string sha256_file(const std::string& path) {
    std::unique_ptr<FILE, FileClose> f(std::fopen(path.c_str(), "rb"));
    if (!f) throw_io("cannot read " + path + " to checksum it", "check that the file exists and is readable");
    Sha256 h;
    std::vector<char> buf(1 << 16);
    size_t n;
    while ((n = std::fread(buf.data(), 1, buf.size(), f.get())) > 0) h.update(buf.data(), n);
    if (std::ferror(f.get())) throw_io("read error while checksumming " + path, "check the disk and the file (a read error comes from the file system)");
    return h.hex();
}

std::string sha256_string(const std::string& data) {
    Sha256 h;
    h.update(data.data(), data.size());
    return h.hex();
}
}  // namespace precis
