#include "pipeline/resume.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <regex>

#include "core/error.hpp"
#include "core/hash.hpp"
#include "core/version.hpp"

namespace fs = std::filesystem;

namespace precis {

namespace {

// The journal's 32-byte key of a hex digest.
std::string raw_key(const std::string& hex) {
    if (hex.size() != 64) throw Error(ErrorKind::Internal, "content keys are 64 hex digits");
    std::string raw(32, '\0');
    for (size_t i = 0; i < 32; ++i) raw[i] = char(std::stoi(hex.substr(2 * i, 2), nullptr, 16));
    return raw;
}

std::string journal_dir(const std::string& output) { return state_dir(output) + "/journal"; }
std::string stage_path(const std::string& output, const std::string& stage) {
    return state_dir(output) + "/stages/" + stage + ".rec";
}

}  // namespace

std::string state_dir(const std::string& output) { return (fs::path(output) / ".precis").string(); }

FolderLock::FolderLock(const std::string& path) {
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0640);
    if (fd_ < 0) throw_io("cannot open " + path + ": " + std::strerror(errno));
    if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
        ::close(fd_);
        fd_ = -1;
        throw_config("another precis run is using the output folder " + fs::path(path).parent_path().parent_path().string(),
                     "wait for it to finish, or give this run another --output");
    }
}

FolderLock& FolderLock::operator=(FolderLock&& o) noexcept {
    if (this != &o) {
        if (fd_ >= 0) ::close(fd_);
        fd_ = o.fd_;
        o.fd_ = -1;
    }
    return *this;
}

FolderLock::~FolderLock() {
    if (fd_ >= 0) ::close(fd_);
}

JournalIndex open_journal(const std::string& output, bool fresh) {
    std::error_code ec;
    fs::create_directories(state_dir(output), ec);
    if (ec) throw_io("cannot create " + state_dir(output) + ": " + ec.message(), "check that the output folder is writable");
    JournalIndex idx;
    idx.lock = FolderLock(state_dir(output) + "/lock");
    if (fresh) {
        fs::remove_all(journal_dir(output), ec);
        fs::remove_all(state_dir(output) + "/stages", ec);
    }
    for (const std::string& d : {journal_dir(output), state_dir(output) + "/stages"}) {
        fs::create_directories(d, ec);
        if (ec) throw_io("cannot create " + d + ": " + ec.message(), "check that the output folder is writable");
    }
    // files in attempt order, then rank order: a later record of a sample replaces an earlier one
    static const std::regex name(R"(samples-a(\d+)-r(\d+)\.jnl)");
    std::vector<std::tuple<int, int, std::string>> files;
    for (auto& e : fs::directory_iterator(journal_dir(output))) {
        std::smatch m;
        const std::string f = e.path().filename().string();
        if (std::regex_match(f, m, name)) files.emplace_back(std::stoi(m[1]), std::stoi(m[2]), e.path().string());
    }
    std::sort(files.begin(), files.end());
    for (auto& [attempt, rank, path] : files) {
        JournalScan s = scan_journal(path);
        idx.files += 1;
        idx.torn += s.torn;
        idx.attempt = std::max(idx.attempt, attempt + 1);
        for (auto& e : s.entries)
            if (e.kind == kSampleRecord) {
                ++idx.records;
                idx.latest[e.name] = std::move(e);
            }
    }
    return idx;
}

std::string content_key(const std::vector<std::string>& parts) {
    std::string all;
    for (auto& p : parts) all += p + '\x1f';
    return sha256_string(all);
}

std::string sample_settings(const StudyConfig& s) {
    return resolved_settings(s.resolved, {"samples.id_column", "genome", "proteome.format", "proteome.id_column",
                                          "proteome.value_column", "proteome.transform", "proteome.normalize",
                                          "proteome.qc"});
}

std::string sample_key(const std::string& settings, const SampleTask& t, const std::string& vcf_sha,
                       const std::string& proteome_sha) {
    return content_key({"precis sample record 1", PRECIS_VERSION, settings, std::to_string(t.index),
                        std::to_string(t.line), t.id, t.vcf, vcf_sha, t.proteome, proteome_sha});
}

SampleJournal::SampleJournal(const std::string& output, int attempt, int rank)
    : path_(journal_dir(output) + "/samples-a" + std::to_string(attempt) + "-r" + std::to_string(rank) + ".jnl") {}

void SampleJournal::append(const std::string& key, const std::string& sample_id, const SampleRecord& r) {
    if (!w_) w_ = std::make_unique<JournalWriter>(path_);
    w_->append(kSampleRecord, raw_key(key), sample_id, encode(r));
}

void SampleJournal::flush() {
    if (w_) w_->flush();
}

bool SampleJournal::load(const SampleTask& t, const std::string& key, SampleRecord& r) {
    if (t.journal_file.empty() || t.journal_key != raw_key(key)) return false;
    JournalEntry e;
    e.file = t.journal_file;
    e.offset = t.journal_offset;
    e.kind = kSampleRecord;
    e.key = t.journal_key;
    e.name = t.id;
    e.payload_size = t.journal_size;
    std::string payload;
    if (!read_journal_payload(e, payload)) return false;
    try {
        decode(payload, r);
    } catch (const std::exception&) {  // checksummed but not a record of this version: recompute
        return false;
    }
    return r.outcome.index == t.index;
}

bool load_stage(const std::string& output, const std::string& stage, const std::string& key, std::string& payload) {
    const std::string path = stage_path(output, stage);
    std::error_code ec;
    if (!fs::is_regular_file(path, ec)) return false;
    const JournalScan s = scan_journal(path);
    return s.entries.size() == 1 && s.entries[0].kind == kStageRecord && s.entries[0].key == raw_key(key) &&
           s.entries[0].name == stage && read_journal_payload(s.entries[0], payload);
}

void save_stage(const std::string& output, const std::string& stage, const std::string& key,
                const std::string& payload) {
    const std::string path = stage_path(output, stage), tmp = path + ".partial";
    std::error_code ec;
    fs::remove(tmp, ec);
    {
        JournalWriter w(tmp);
        w.append(kStageRecord, raw_key(key), stage, payload);
        w.flush();
    }
    fs::rename(tmp, path, ec);
    if (ec) throw_io("cannot rename " + tmp + " to " + path + ": " + ec.message());
}

}  // namespace precis
