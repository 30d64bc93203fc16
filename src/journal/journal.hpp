// The journal: append-only files of checksummed records, so that a killed run loses nothing it had finished.
// A record is a payload under a key (a content hash of everything the payload was computed from) and a name (what
// it is about, e.g. a sample id). Writers buffer records and flush them in batches (fflush + fdatasync); a kill
// loses at most the unflushed batch. Readers take every complete record whose checksum holds and stop at a torn or
// corrupt tail, which is then simply recomputed. No MPI here: each rank writes its own file.
//
// On disk, each record is
//   "PRJ1" | u32 kind | u32 name length | u64 payload length | 32-byte key | name | payload | u32 CRC-32
// with the CRC over everything before it (little-endian integers).
#pragma once
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

namespace precis {

// Where one record lies; enough to read it back (and check it) later.
struct JournalEntry {
    std::string file;
    uint64_t offset = 0;  // of the record's header
    uint32_t kind = 0;
    std::string key;      // 32 bytes (a raw SHA-256)
    std::string name;
    uint64_t payload_size = 0;
};

class JournalWriter {
public:
    // Creates (or appends to) `path`. Throws IO naming the file.
    explicit JournalWriter(std::string path, size_t batch_bytes = size_t(4) << 20, double batch_seconds = 2.0);
    ~JournalWriter();  // flushes what it can; never throws
    JournalWriter(const JournalWriter&) = delete;
    JournalWriter& operator=(const JournalWriter&) = delete;
    // Adds a record; flushes when the batch is full or old enough. Throws IO (e.g. disk full) naming the file.
    void append(uint32_t kind, const std::string& key, const std::string& name, const std::string& payload);
    // Writes the batch to disk (fdatasync). Throws IO naming the file.
    void flush();
    const std::string& path() const { return path_; }

private:
    std::string path_;
    FILE* f_ = nullptr;
    size_t batch_bytes_, pending_ = 0;
    double batch_seconds_;
    double last_flush_;
};

struct JournalScan {
    std::vector<JournalEntry> entries;  // in file order
    bool torn = false;                  // some bytes were not a record: a torn tail, or damage
};

// Reads the record headers of a journal file (skipping over payloads; `verify` also checks every checksum, reading
// everything). Never throws for damage: past a bad header the scan looks for the next record whose magic and
// checksum hold; a torn tail is left out. Throws IO if the file cannot be opened.
JournalScan scan_journal(const std::string& path, bool verify = false);

// Reads one record's payload and checks it against its checksum and the entry. Returns false if the record is
// damaged or missing (the caller recomputes it).
bool read_journal_payload(const JournalEntry& e, std::string& payload);

// CRC-32 (as zlib's) of a byte string, continuing from `crc`.
uint32_t crc32_update(uint32_t crc, const void* data, size_t n);

}  // namespace precis
