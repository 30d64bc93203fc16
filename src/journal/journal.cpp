#include "journal/journal.hpp"

#include <unistd.h>
#include <zlib.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "core/files.hpp"
#include <vector>

#include "core/error.hpp"

namespace precis {

namespace {

constexpr char kMagic[4] = {'P', 'R', 'J', '1'};
constexpr size_t kKey = 32;
constexpr size_t kHeader = 4 + 4 + 4 + 8 + kKey;
constexpr uint64_t kMaxName = 1 << 16;

double now_seconds() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

void put_u32(std::string& s, uint32_t v) {
    for (int i = 0; i < 4; ++i) s.push_back(char((v >> (8 * i)) & 0xff));
}
void put_u64(std::string& s, uint64_t v) {
    for (int i = 0; i < 8; ++i) s.push_back(char((v >> (8 * i)) & 0xff));
}
uint64_t get_le(const unsigned char* p, int bytes) {
    uint64_t v = 0;
    for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | p[i];
    return v;
}

// The parsed header at the reader's position, or false at the end or on damage.
bool read_header(FILE* f, JournalEntry& e, unsigned char* raw) {
    if (std::fread(raw, 1, kHeader, f) != kHeader || std::memcmp(raw, kMagic, 4) != 0) return false;
    e.kind = uint32_t(get_le(raw + 4, 4));
    const uint64_t name_len = get_le(raw + 8, 4);
    e.payload_size = get_le(raw + 12, 8);
    e.key.assign(reinterpret_cast<const char*>(raw + 20), kKey);
    if (name_len > kMaxName) return false;
    e.name.resize(name_len);
    return name_len == 0 || std::fread(e.name.data(), 1, name_len, f) == name_len;
}

}  // namespace

uint32_t crc32_update(uint32_t crc, const void* data, size_t n) {
    const auto* p = static_cast<const Bytef*>(data);
    while (n > 0) {  // zlib takes uInt lengths
        const uInt chunk = uInt(std::min<size_t>(n, 1u << 30));
        crc = uint32_t(::crc32(crc, p, chunk));
        p += chunk;
        n -= chunk;
    }
    return crc;
}

JournalWriter::JournalWriter(std::string path, size_t batch_bytes, double batch_seconds)
    : path_(std::move(path)), batch_bytes_(batch_bytes), batch_seconds_(batch_seconds), last_flush_(now_seconds()) {
    f_ = open_private(path_, "ab");
    if (!f_)
        throw_io("cannot open the journal " + path_ + ": " + std::strerror(errno),
                 "check that the output folder is writable and has space");
}

JournalWriter::~JournalWriter() {
    if (!f_) return;
    try {
        flush();
    } catch (const Error&) {  // the records that did not reach the disk are recomputed on the next run
    }
    std::fclose(f_);
}

void JournalWriter::append(uint32_t kind, const std::string& key, const std::string& name, const std::string& payload) {
    if (key.size() != kKey) throw Error(ErrorKind::Internal, "journal key must be 32 bytes");
    std::string head(kMagic, 4);
    put_u32(head, kind);
    put_u32(head, uint32_t(name.size()));
    put_u64(head, payload.size());
    head += key;
    head += name;
    uint32_t crc = crc32_update(0, head.data(), head.size());
    crc = crc32_update(crc, payload.data(), payload.size());
    std::string tail;
    put_u32(tail, crc);
    if (std::fwrite(head.data(), 1, head.size(), f_) != head.size() ||
        std::fwrite(payload.data(), 1, payload.size(), f_) != payload.size() ||
        std::fwrite(tail.data(), 1, tail.size(), f_) != tail.size())
        throw_io("cannot write the journal " + path_ + ": " + std::strerror(errno),
                 "free space on that file system (finished results so far are kept), then run again");
    pending_ += head.size() + payload.size() + tail.size();
    if (pending_ >= batch_bytes_ || now_seconds() - last_flush_ >= batch_seconds_) flush();
}

void JournalWriter::flush() {
    if (std::fflush(f_) != 0 || ::fdatasync(fileno(f_)) != 0)
        throw_io("cannot write the journal " + path_ + ": " + std::strerror(errno),
                 "free space on that file system (finished results so far are kept), then run again");
    pending_ = 0;
    last_flush_ = now_seconds();
}

namespace {
// The record at `at`, checked through its CRC when `verify`; false if there is none.
bool record_at(FILE* f, uint64_t at, uint64_t size, bool verify, JournalEntry& e, uint64_t& end, std::string& buf) {
    unsigned char raw[kHeader];
    if (std::fseek(f, long(at), SEEK_SET) != 0 || !read_header(f, e, raw)) return false;
    e.offset = at;
    if (e.payload_size > size) return false;  // damage: and the sum below must not wrap around
    end = at + kHeader + e.name.size() + e.payload_size + 4;
    if (end > size) return false;  // torn: the record was not finished
    if (!verify) return true;
    buf.resize(e.payload_size);
    unsigned char crc_raw[4];
    if (std::fread(buf.data(), 1, buf.size(), f) != buf.size() || std::fread(crc_raw, 1, 4, f) != 4) return false;
    uint32_t crc = crc32_update(0, raw, kHeader);
    crc = crc32_update(crc, e.name.data(), e.name.size());
    crc = crc32_update(crc, buf.data(), buf.size());
    return crc == uint32_t(get_le(crc_raw, 4));
}

// The offset of the next intact record after a damaged one (searching for the magic), or `size`.
uint64_t resync(FILE* f, uint64_t from, uint64_t size, std::string& buf) {
    std::vector<char> chunk(1 << 16);
    for (uint64_t at = from; at < size;) {
        if (std::fseek(f, long(at), SEEK_SET) != 0) return size;
        const size_t got = std::fread(chunk.data(), 1, chunk.size(), f);
        if (got < 4) return size;
        for (size_t i = 0; i + 4 <= got; ++i) {
            if (std::memcmp(chunk.data() + i, kMagic, 4) != 0) continue;
            JournalEntry e;
            uint64_t end = 0;
            if (record_at(f, at + i, size, true, e, end, buf)) return at + i;
        }
        at += got - 3;  // a magic may straddle the chunks
    }
    return size;
}
}  // namespace

JournalScan scan_journal(const std::string& path, bool verify) {
    FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) throw_io("cannot open the journal " + path + ": " + std::strerror(errno), "check the output folder's permissions");
    JournalScan s;
    std::fseek(f, 0, SEEK_END);
    const uint64_t size = uint64_t(std::ftell(f));
    std::string buf;
    for (uint64_t at = 0; at < size;) {
        JournalEntry e;
        e.file = path;
        uint64_t end = 0;
        if (record_at(f, at, size, verify, e, end, buf)) {
            s.entries.push_back(std::move(e));
            at = end;
            continue;
        }
        // damaged or torn: the records after it, if any, are found by their magic and checksum
        s.torn = true;
        at = resync(f, at + 1, size, buf);
    }
    std::fclose(f);
    return s;
}

bool read_journal_payload(const JournalEntry& e, std::string& payload) {
    FILE* f = std::fopen(e.file.c_str(), "rb");
    if (!f) return false;
    JournalEntry h;
    unsigned char raw[kHeader], crc_raw[4];
    bool ok = std::fseek(f, 0, SEEK_END) == 0;
    const long size = ok ? std::ftell(f) : -1;
    ok = ok && size >= 0 && e.payload_size <= uint64_t(size) && std::fseek(f, long(e.offset), SEEK_SET) == 0 &&
         read_header(f, h, raw) && h.kind == e.kind && h.key == e.key && h.name == e.name &&
         h.payload_size == e.payload_size;
    if (ok) {
        payload.resize(h.payload_size);
        ok = std::fread(payload.data(), 1, payload.size(), f) == payload.size() && std::fread(crc_raw, 1, 4, f) == 4;
    }
    std::fclose(f);
    if (!ok) return false;
    uint32_t crc = crc32_update(0, raw, kHeader);
    crc = crc32_update(crc, h.name.data(), h.name.size());
    crc = crc32_update(crc, payload.data(), payload.size());
    return crc == uint32_t(get_le(crc_raw, 4));
}

}  // namespace precis
