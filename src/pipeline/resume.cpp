#include "pipeline/resume.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <utility>

#include "core/error.hpp"
#include "core/files.hpp"
#include "core/hash.hpp"
#include "core/signals.hpp"
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

// "journal-a<attempt>-r<rank>.jnl", the numbers plain decimal digits (at most 9, an int)
bool journal_file_name(const std::string& f, int& attempt, int& rank) {
    const std::string head = "journal-a", tail = ".jnl";
    if (f.size() <= head.size() + tail.size() || f.compare(0, head.size(), head) != 0 ||
        f.compare(f.size() - tail.size(), tail.size(), tail) != 0)
        return false;
    const std::string mid = f.substr(head.size(), f.size() - head.size() - tail.size());  // "<attempt>-r<rank>"
    const size_t r = mid.find("-r");
    auto number = [](const std::string& t, int& v) {
        if (t.empty() || t.size() > 9 || t.find_first_not_of("0123456789") != std::string::npos) return false;
        v = std::stoi(t);
        return true;
    };
    return r != std::string::npos && number(mid.substr(0, r), attempt) && number(mid.substr(r + 2), rank);
}

}  // namespace

std::string state_dir(const std::string& output) { return (fs::path(output) / ".precis").string(); }

FolderLock::FolderLock(const std::string& path) {
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0640);
    if (fd_ < 0) throw_io("cannot open " + path + ": " + std::strerror(errno), "check that the output folder is writable and has space");
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

JournalIndex open_journal(const std::string& output, bool fresh, FolderLock lock) {
    std::error_code ec;
    JournalIndex idx;
    idx.lock = std::move(lock);
    if (fresh) {
        fs::remove_all(journal_dir(output), ec);
        fs::remove_all(state_dir(output) + "/stages", ec);
    }
    for (const std::string& d : {journal_dir(output), state_dir(output) + "/stages"}) make_private_dirs(d);
    // files in attempt order, then rank order: a later record of a sample replaces an earlier one
    std::vector<std::tuple<int, int, std::string>> files;
    for (auto& e : fs::directory_iterator(journal_dir(output))) {
        int attempt = 0, rank = 0;
        if (journal_file_name(e.path().filename().string(), attempt, rank))
            files.emplace_back(attempt, rank, e.path().string());
    }
    std::sort(files.begin(), files.end());
    for (auto& [attempt, rank, path] : files) {
        JournalScan s = scan_journal(path);
        idx.files += 1;
        idx.torn += s.torn;
        idx.attempt = std::max(idx.attempt, attempt + 1);
        for (auto& e : s.entries) {
            if (e.kind == kSampleRecord || e.kind == kRegionRecord) ++idx.records;
            if (e.kind == kSampleRecord) idx.latest[e.name] = std::move(e);
            if (e.kind == kRegionRecord) idx.regions[e.name] = std::move(e);
            if (e.kind == kIdListRecord) idx.id_lists[e.name] = std::move(e);
        }
    }
    return idx;
}

std::string content_key(const std::vector<std::string>& parts) {
    ContentKey k;
    for (auto& p : parts) k.part(p);
    return k.hex();
}

std::string sample_settings(const StudyConfig& s) {
    return resolved_settings(s.resolved, {"samples.id_column", "genome", "proteome.format", "proteome.id_column",
                                          "proteome.value_column", "proteome.transform", "proteome.normalize",
                                          "proteome.qc"});
}

std::string sample_key(const std::string& settings, const SampleTask& t, const std::string& vcf_sha,
                       const std::string& proteome_sha) {
    return content_key({"precis sample record 2", PRECIS_VERSION, settings, std::to_string(t.index),
                        std::to_string(t.line), t.id, t.vcf, vcf_sha, t.proteome, proteome_sha});
}

RankJournal::RankJournal(const std::string& output, int attempt, int rank)
    : path_(journal_dir(output) + "/journal-a" + std::to_string(attempt) + "-r" + std::to_string(rank) + ".jnl") {}

void RankJournal::append(uint32_t kind, const std::string& key, const std::string& name, const std::string& payload) {
    if (!error_.empty()) return;
    try {
        if (!w_) w_ = std::make_unique<JournalWriter>(path_);
        w_->append(kind, raw_key(key), name, payload);
    } catch (const Error& e) {
        error_ = e.what();
        request_stop(SIGTERM);  // going on would lose the work: no more tasks
    }
}

void RankJournal::finish() {
    try {
        if (w_ && error_.empty()) w_->flush();
    } catch (const Error& e) {
        error_ = e.what();
    }
    if (!error_.empty())
        throw_io(error_, "free space there (the work finished so far is kept), then run the same command again to resume");
}

bool RankJournal::has_key(const JournalRef& ref, const std::string& key) {
    return !ref.file.empty() && ref.key == raw_key(key);
}

bool RankJournal::load(const JournalRef& ref, uint32_t kind, const std::string& name, const std::string& key,
                       std::string& payload) {
    return has_key(ref, key) && load_any(ref, kind, name, payload);
}

bool RankJournal::load_any(const JournalRef& ref, uint32_t kind, const std::string& name, std::string& payload) {
    if (ref.file.empty()) return false;
    JournalEntry e;
    e.file = ref.file;
    e.offset = ref.offset;
    e.kind = kind;
    e.key = ref.key;
    e.name = name;
    e.payload_size = ref.size;
    return read_journal_payload(e, payload);
}

std::string cohort_vcf_key(const StudyConfig& s, const std::string& inputs_sha, const std::vector<int>& columns) {
    const std::string& f = s.genome.cohort_file;
    std::error_code ec;
    const auto size = fs::file_size(f, ec);
    const auto mtime = fs::last_write_time(f, ec).time_since_epoch().count();
    std::string index_sha;
    for (const char* ext : {".csi", ".tbi"})
        if (fs::is_regular_file(f + ext, ec)) index_sha += ext + sha256_file(f + ext);
    std::string cols;
    for (int c : columns) cols += std::to_string(c) + ",";
    return content_key({"precis cohort vcf 1", PRECIS_VERSION, resolved_settings(s.resolved, {"genome"}), inputs_sha, f,
                        std::to_string(size), std::to_string(mtime), index_sha, cols});
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
    if (ec) throw_io("cannot rename " + tmp + " to " + path + ": " + ec.message(), "check that the output folder is writable and has space");
}

}  // namespace precis
