#include "core/table.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "core/error.hpp"
#include "core/files.hpp"

namespace precis {

int Table::column(const std::string& name) const {
    if (index.size() == header.size() && !header.empty()) {  // a wide sheet: 100,000 columns named one by one
        auto it = index.find(name);
        return it == index.end() ? -1 : it->second;
    }
    for (size_t i = 0; i < header.size(); ++i)
        if (header[i] == name) return static_cast<int>(i);
    return -1;
}

int Table::require_column(const std::string& name, const std::string& what_for) const {
    int c = column(name);
    if (c < 0) {
        std::string have;
        for (auto& h : header) have += (have.empty() ? "" : ", ") + h;
        throw Error(ErrorKind::MalformedInput,
                    where(path, 1) + "no column '" + name + "' (" + what_for + "); the header has: " + have,
                    "add the column or name the right one in the study file");
    }
    return c;
}

void split_fields_into(std::string_view line, char delim, std::vector<std::string>& out) {
    size_t k = 0, i = 0;
    const size_t n = line.size();
    for (;;) {  // one field a pass, from i
        if (k == out.size()) out.emplace_back();
        std::string& cur = out[k++];
        cur.clear();
        if (i < n && line[i] == '"') {  // quoted up to the closing quote ("" is a quote); then text as it stands
            bool closed = false;
            for (++i; i < n; ++i) {
                if (line[i] != '"') {
                    cur += line[i];
                } else if (i + 1 < n && line[i + 1] == '"') {
                    cur += '"';
                    ++i;
                } else {
                    closed = true;
                    ++i;
                    break;
                }
            }
            if (!closed) throw std::invalid_argument("unterminated quote");
        }
        const size_t stop = std::min(line.find(delim, i), n);
        cur.append(line.data() + i, stop - i);
        if (stop == n) break;
        i = stop + 1;
    }
    out.resize(k);
}

std::vector<std::string> split_fields(const std::string& line, char delim) {
    std::vector<std::string> out;
    split_fields_into(line, delim, out);
    return out;
}

namespace {

void split_at(std::string_view line, char delim, const std::string& path, long lineno, std::vector<std::string>& out) {
    try {
        split_fields_into(line, delim, out);
    } catch (const std::invalid_argument& e) {
        throw_malformed(where(path, lineno) + e.what(), "close the quoted field, or remove the stray '\"'");
    }
}

}  // namespace

TableReader::TableReader(const std::string& path) : in_(path) {
    head_.path = path;
    std::string_view line;
    while (next_line(line)) {
        if (line.empty()) continue;
        if (line.find('\t') == std::string_view::npos && line.find(',') != std::string_view::npos) delim_ = ',';
        split_at(line, delim_, path, in_.line_number(), head_.header);
        for (size_t c = 0; c < head_.header.size(); ++c)  // a repeated name would leave readers to guess
            if (auto [first, fresh] = head_.index.emplace(head_.header[c], int(c)); !fresh && !head_.header[c].empty())
                throw_malformed(where(path, in_.line_number()) + "column '" + head_.header[c] +
                                    "' appears twice in the header (columns " + std::to_string(first->second + 1) +
                                    " and " + std::to_string(c + 1) + ")",
                                "give every column its own name");
        return;
    }
    throw_malformed(where(path) + "the file is empty", "give it a header row and data rows");
}

bool TableReader::next_line(std::string_view& line) {
    if (!in_.next(line)) return false;
    if (line.find('\r') != std::string_view::npos)  // read as one line, the file would look like a lone header
        throw_malformed(where(head_.path, in_.line_number()) + "a carriage return ends a line without a line feed (old "
                                                               "Mac line endings)",
                        "convert the file to LF line endings, e.g. tr '\\r' '\\n' < old > new");
    return true;
}

bool TableReader::next() {
    std::string_view line;
    do {
        if (!next_line(line)) return false;
    } while (line.empty());
    split_at(line, delim_, head_.path, in_.line_number(), fields_);
    if (fields_.size() != head_.header.size())
        throw_malformed(where(head_.path, in_.line_number()) + "row has " + std::to_string(fields_.size()) +
                            " fields, header has " + std::to_string(head_.header.size()),
                        std::string("make every row have one field per header column, separated by ") +
                            (delim_ == '\t' ? "tabs" : "commas"));
    return true;
}

Table read_table(const std::string& path) {
    TableReader in(path);
    Table t = in.head();
    while (in.next()) t.rows.push_back({in.line(), in.fields()});
    return t;
}

// The buffer starts small (most tables are) and doubles at each refill up to 8 MiB, the block size big files are
// read in.
LineReader::LineReader(const std::string& path) : path_(path), buf_(size_t(64) << 10) {
    f_ = std::fopen(path.c_str(), "rb");
    if (!f_) throw_io("cannot open " + path + ": " + std::strerror(errno), "check the path and its permissions");
}

LineReader::~LineReader() {
    if (f_) std::fclose(f_);
}

bool LineReader::next(std::string_view& line) {
    for (;;) {
        const char* p = static_cast<const char*>(std::memchr(buf_.data() + scanned_, '\n', end_ - scanned_));
        size_t stop = p ? size_t(p - buf_.data()) : end_;
        if (p || (eof_ && beg_ < end_)) {
            line = std::string_view(buf_.data() + beg_, stop - beg_);
            beg_ = scanned_ = p ? stop + 1 : end_;
            if (++line_ == 1 && line.substr(0, 3) == "\xEF\xBB\xBF") line.remove_prefix(3);
            if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
            return true;
        }
        if (eof_) return false;
        // keep the unfinished line, then fill the rest of the buffer (twice as large if the line fills it)
        std::memmove(buf_.data(), buf_.data() + beg_, end_ - beg_);
        end_ -= beg_;
        scanned_ = end_;
        beg_ = 0;
        if (end_ == buf_.size() || buf_.size() < (size_t(8) << 20)) buf_.resize(buf_.size() * 2);
        const size_t got = std::fread(buf_.data() + end_, 1, buf_.size() - end_, f_);
        if (got == 0 && std::ferror(f_)) throw_io("read error on " + path_ + ": " + std::strerror(errno), "check the disk and the file (a read error comes from the file system)");
        if (got == 0) eof_ = true;
        end_ += got;
    }
}

AtomicFile::AtomicFile(std::string path) : path_(std::move(path)) {
    tmp_ = path_ + ".tmp-" + std::to_string(::getpid());
    f_ = open_private(tmp_, "wb");
    if (!f_) throw_io("cannot create " + tmp_ + ": " + std::strerror(errno), "check that the output folder is writable");
}

AtomicFile::~AtomicFile() {
    if (f_) {
        std::fclose(f_);
        std::remove(tmp_.c_str());
    }
}

void AtomicFile::write(const std::string& s) {
    if (std::fwrite(s.data(), 1, s.size(), f_) != s.size())
        throw_io("cannot write " + tmp_ + ": " + std::strerror(errno), "free disk space or choose another output folder");
}

void AtomicFile::commit() {
    bool ok = std::fflush(f_) == 0 && ::fsync(fileno(f_)) == 0;
    int err = errno;
    ok = (std::fclose(f_) == 0) && ok;
    f_ = nullptr;
    if (!ok) {
        std::remove(tmp_.c_str());
        throw_io("cannot write " + path_ + ": " + std::strerror(err), "free disk space or choose another output folder");
    }
    if (std::rename(tmp_.c_str(), path_.c_str()) != 0) {
        err = errno;
        std::remove(tmp_.c_str());
        throw_io("cannot rename " + tmp_ + " to " + path_ + ": " + std::strerror(err),
                 "check that the output folder is writable and has space");
    }
}

std::string join(const std::vector<std::string>& items, const char* sep) {
    std::string s;
    for (size_t i = 0; i < items.size(); ++i) s += (i ? sep : "") + items[i];
    return s;
}

void append_fmt(std::string& out, double x, int digits) {
    if (std::isnan(x)) {
        out += "NA";
        return;
    }
    if (std::isinf(x)) {
        out += x > 0 ? "Inf" : "-Inf";
        return;
    }
    char buf[64];  // to_chars with a precision is specified as printf's %.*g, and is several times faster
    out.append(buf, std::to_chars(buf, buf + sizeof buf, x, std::chars_format::general, digits).ptr);
}
std::string fmt(double x, int digits) {
    std::string out;
    append_fmt(out, x, digits);
    return out;
}
std::string fmt(double x) { return fmt(x, 6); }

void write_file_atomic(const std::string& path, const std::string& content) {
    AtomicFile f(path);
    f.write(content);
    f.commit();
}

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw_io("cannot read " + path + ": " + std::strerror(errno), "check the path and its permissions");
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::string text_problem(std::string_view s, size_t max_bytes) {
    if (s.size() > max_bytes)
        return "is " + std::to_string(s.size()) + " bytes long (at most " + std::to_string(max_bytes) + ")";
    for (size_t i = 0; i < s.size();) {
        const unsigned char c = static_cast<unsigned char>(s[i]);
        if (c < 0x20 || c == 0x7f) return "contains a control character";
        size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
        if (len == 0 || i + len > s.size()) return "is not valid UTF-8";
        uint32_t cp = len == 1 ? c : len == 2 ? (c & 0x1f) : len == 3 ? (c & 0x0f) : (c & 0x07);
        for (size_t k = 1; k < len; ++k) {
            const unsigned char d = static_cast<unsigned char>(s[i + k]);
            if ((d >> 6) != 0x2) return "is not valid UTF-8";
            cp = (cp << 6) | (d & 0x3f);
        }
        // overlong forms, surrogates and code points past U+10FFFF are not UTF-8 either
        if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
            (cp >= 0xd800 && cp <= 0xdfff))
            return "is not valid UTF-8";
        i += len;
    }
    return "";
}

std::vector<std::string> split_fields_at(const std::string& line, char delim, const std::string& path, long lineno) {
    std::vector<std::string> out;
    split_at(line, delim, path, lineno, out);
    return out;
}

}  // namespace precis
