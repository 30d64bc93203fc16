#include "proteome/cohort.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>
#include <limits>
#include <unordered_map>

#include "core/parse.hpp"
#include "core/error.hpp"
#include "core/memory.hpp"
#include "core/table.hpp"

#ifdef _OPENMP
#include <omp.h>
#endif

namespace precis {

namespace {
constexpr double NaN = std::numeric_limits<double>::quiet_NaN();

std::string lower(std::string s) {
    for (char& c : s) c = char(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

// An NPX cell: false if missing, else the number; std::invalid_argument if it is neither.
bool parse_number(const std::string& s, double& v) {
    if (is_missing(s)) return false;
    if (!parse_double(s, v) || !std::isfinite(v)) throw std::invalid_argument(s);
    return true;
}

// Median-centre the observed values and fill the QC.
void finish(ProteomeResult& r, bool median_normalize) {
    std::vector<double> obs;
    for (double v : r.values)
        if (!std::isnan(v)) obs.push_back(v);
    r.qc.n_features = long(r.values.size());
    r.qc.n_detected = long(obs.size());
    r.qc.detected_fraction = r.qc.n_features ? double(r.qc.n_detected) / r.qc.n_features : 0.0;
    r.qc.median = median_of(obs);
    if (median_normalize && !obs.empty())
        for (double& v : r.values)
            if (!std::isnan(v)) v -= r.qc.median;
}
}  // namespace

NpxColumns npx_header(const std::string& header_line, const std::string& path) {
    std::string h = header_line;
    if (h.compare(0, 3, "\xEF\xBB\xBF") == 0) h.erase(0, 3);
    if (!h.empty() && h.back() == '\r') h.pop_back();
    if (h.find_first_not_of(" \t") == std::string::npos)
        throw_malformed(path + ": the file is empty (no header line)",
                        "export NPX in long format (SampleID, OlinkID, UniProt, Assay, Panel, PlateID, NPX, ...)");
    NpxColumns c;
    c.delim = h.find('\t') != std::string::npos ? '\t' : (h.find(';') != std::string::npos ? ';' : ',');
    auto f = split_fields_at(h, c.delim, path, 1);
    auto find = [&](const char* name) {
        for (size_t i = 0; i < f.size(); ++i)
            if (lower(f[i]) == lower(name)) return int(i);
        return -1;
    };
    c.sample = find("SampleID");
    c.olink_id = find("OlinkID");
    c.uniprot = find("UniProt");
    c.assay = find("Assay");
    c.panel = find("Panel");
    c.plate = find("PlateID");
    c.npx = find("NPX");
    c.lod = find("LOD");
    c.qc_warning = find("QC_Warning");
    c.sample_type = find("Sample_Type");
    c.assay_warning = find("Assay_Warning");
    std::string missing;
    if (c.sample < 0) missing += " SampleID";
    if (c.olink_id < 0) missing += " OlinkID";
    if (c.npx < 0) missing += " NPX";
    if (!missing.empty())
        throw_malformed(where(path, 1) + "not an Olink NPX table: no column(s)" + missing,
                        "export NPX in long format (SampleID, OlinkID, UniProt, Assay, Panel, PlateID, NPX, LOD, "
                        "QC_Warning, ...)");
    return c;
}

bool NpxRow::is_control() const {
    std::string t = lower(sample_type);
    if (t == "control" || t == "negative" || t == "negative control" || t == "plate control" ||
        t == "sample control" || t == "calibrator")
        return true;
    std::string s = lower(sample);
    return s.find("control") != std::string::npos;
}

NpxRow npx_row(const std::string& raw, const NpxColumns& c, const std::string& path, long lineno) {
    std::string line = raw;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const std::vector<std::string> f = split_fields_at(line, c.delim, path, lineno);
    int need = std::max({c.sample, c.olink_id, c.npx});
    if (int(f.size()) <= need)
        throw_malformed(where(path, lineno) + "row has " + std::to_string(f.size()) + " fields",
                        "every row needs the header's columns");
    auto get = [&](int i) { return i >= 0 && i < int(f.size()) ? f[i] : std::string(); };
    NpxRow r;
    r.line = lineno;
    r.sample = get(c.sample);
    r.olink_id = get(c.olink_id);
    r.uniprot = get(c.uniprot);
    r.assay = get(c.assay);
    r.panel = get(c.panel);
    r.plate = get(c.plate);
    r.npx = get(c.npx);
    r.lod = get(c.lod);
    r.qc_warning = get(c.qc_warning);
    r.sample_type = get(c.sample_type);
    r.assay_warning = get(c.assay_warning);
    return r;
}

uint32_t StringTable::id(const std::string& s) {
    auto [it, added] = index.emplace(s, uint32_t(names.size()));
    if (added) names.push_back(s);
    return it->second;
}

namespace {
template <class T>
void put(std::string& out, T v) {
    out.append(reinterpret_cast<const char*>(&v), sizeof v);
}
void put_text(std::string& out, const std::string& s) {
    put(out, uint32_t(s.size()));
    out += s;
}
template <class T>
T take(const std::string& in, size_t& at) {
    if (at + sizeof(T) > in.size()) throw Error(ErrorKind::Internal, "bad NPX row message");
    T v;
    std::memcpy(&v, in.data() + at, sizeof v);
    at += sizeof v;
    return v;
}
std::string take_text(const std::string& in, size_t& at) {
    const uint32_t n = take<uint32_t>(in, at);
    if (at + n > in.size()) throw Error(ErrorKind::Internal, "bad NPX row message");
    at += n;
    return in.substr(at - n, n);
}
}  // namespace

void pack_npx_row(std::string& msg, uint32_t sample, const NpxRow& r) {
    double v = NaN, lod = NaN;
    bool bad = false;
    try {
        parse_number(r.npx, v);
    } catch (const std::invalid_argument&) {
        bad = true;
    }
    try {
        parse_number(r.lod, lod);
    } catch (const std::invalid_argument&) {
        lod = NaN;
    }
    put(msg, sample);
    put(msg, int64_t(r.line));
    put(msg, v);
    put(msg, lod);
    put(msg, uint8_t((bad ? 1 : 0) | (olink_warns(r.qc_warning) ? 2 : 0)));
    put_text(msg, r.olink_id);
    put_text(msg, r.plate);
}

void unpack_npx_rows(const std::string& msg, StringTable& assays, StringTable& plates,
                     const std::function<void(uint32_t, const NpxCell&)>& add) {
    size_t at = 0;
    while (at < msg.size()) {
        const uint32_t sample = take<uint32_t>(msg, at);
        NpxCell c;
        c.line = long(take<int64_t>(msg, at));
        c.npx = take<double>(msg, at);
        c.lod = take<double>(msg, at);
        const uint8_t flags = take<uint8_t>(msg, at);
        c.npx_bad = flags & 1;
        c.qc_warn = flags & 2;
        c.assay = assays.id(take_text(msg, at));
        c.plate = plates.id(take_text(msg, at));
        add(sample, c);
    }
}

ProteomeResult npx_sample(const std::string& sample, std::vector<NpxCell>& cells, const StringTable& assays,
                          const StringTable& plates, const NpxSettings& st, const std::string& path, NpxIdLists& lists) {
    std::sort(cells.begin(), cells.end(), [](const NpxCell& a, const NpxCell& b) { return a.line < b.line; });
    ProteomeResult r;
    std::vector<long> first_line(assays.names.size(), 0);  // 0: not seen yet (data lines start at 2)
    long below_lod = 0, warned = 0;
    std::vector<uint32_t> order;
    order.reserve(cells.size());
    r.values.reserve(cells.size());
    const std::string* plate = nullptr;
    for (const NpxCell& c : cells) {
        const std::string& id = assays.names[c.assay];
        if (first_line[c.assay] != 0)
            throw_malformed(where(path, c.line) + "assay " + id + " of sample '" + sample + "' appears again (first on line " +
                                std::to_string(first_line[c.assay]) + ")",
                            "keep one row per sample and assay (OlinkAnalyze's check_npx reports these too)");
        first_line[c.assay] = c.line;
        if (c.npx_bad)
            throw_malformed(where(path, c.line) + "the NPX of sample '" + sample + "', assay " + id + ", is not a number",
                            "write a number, or NA");
        double v = c.npx;
        if (!std::isnan(v) && !std::isnan(c.lod) && v < c.lod) {
            ++below_lod;
            if (st.below_lod_missing) v = NaN;
        }
        if (c.qc_warn) ++warned;
        const std::string& p = plates.names[c.plate];
        if (!plate || plate->empty()) plate = &p;
        if (!p.empty() && p != *plate)
            throw_malformed(where(path, c.line) + "sample '" + sample + "' is on plate " + p + " here but on plate " +
                                *plate + " on line " + std::to_string(cells.front().line),
                            "give a sample measured on several plates (a bridging sample) a distinct id per plate");
        order.push_back(c.assay);
        r.values.push_back(v);
    }
    if (plate) r.plate = *plate;
    FeatureIds& ids = lists[order];
    if (!ids) {
        std::vector<std::string> names;
        names.reserve(order.size());
        for (uint32_t a : order) names.push_back(assays.names[a]);
        ids = std::make_shared<const std::vector<std::string>>(std::move(names));
    }
    r.ids = ids;
    finish(r, st.median_normalize);
    r.qc.below_lod = below_lod;
    r.qc.qc_warning = warned > 0;
    return r;
}

bool olink_id_valid(const std::string& id) {
    return id.size() == 8 && id.compare(0, 3, "OID") == 0 &&
           std::all_of(id.begin() + 3, id.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool olink_warns(const std::string& value) {
    const std::string v = lower(value);
    return v == "warning" || v == "warn";
}

int MaxQuantTable::column(const std::string& name) const {
    auto it = header_index.find(name);
    return it == header_index.end() ? -1 : it->second;
}

namespace {

// The header of an open table: its fields, their index, and the delimiter (tab unless the line has only commas).
char read_maxquant_header(LineReader& in, MaxQuantTable& m) {
    std::string_view line;
    while (in.next(line) && line.empty()) {
    }
    if (line.empty()) throw_malformed(where(m.path) + "the file is empty", "give MaxQuant's proteinGroups.txt");
    const char delim = line.find('\t') == std::string_view::npos && line.find(',') != std::string_view::npos ? ',' : '\t';
    m.header = split_fields_at(std::string(line), delim, m.path, in.line_number());
    for (size_t i = 0; i < m.header.size(); ++i) m.header_index.emplace(m.header[i], int(i));
    if (m.column("Majority protein IDs") < 0 && m.column("Protein IDs") < 0)
        throw_malformed(where(m.path, in.line_number()) + "not a MaxQuant proteinGroups table: no 'Majority protein IDs' "
                                                          "or 'Protein IDs' column",
                        "give MaxQuant's proteinGroups.txt");
    return delim;
}

// An intensity cell: missing (NaN), or a finite number >= 0; false if it is neither.
bool parse_intensity(std::string_view s, double& v) {
    if (is_missing(s)) {
        v = NaN;
        return true;
    }
    return parse_double(s, v) && std::isfinite(v) && v >= 0;
}

}  // namespace

MaxQuantTable maxquant_header(const std::string& path) {
    LineReader in(path);
    MaxQuantTable m;
    m.path = path;
    read_maxquant_header(in, m);
    m.ids = std::make_shared<const std::vector<std::string>>();
    return m;
}

namespace {

// One data line of a MaxQuant table: split and parsed on any thread, then kept (or refused) in file order.
struct MaxQuantLine {
    long lineno = 0;
    std::string text;
    bool dropped = false;  // Reverse, Potential contaminant or Only identified by site
    std::string id, gene;
    std::vector<double> cells;  // by slot
    std::vector<size_t> bad;    // slots whose cell is not a non-negative number
    std::exception_ptr error;   // a ragged row, unterminated quotes, an empty id
};

struct MaxQuantLayout {
    std::string path;
    char delim = '\t';
    size_t width = 0;
    int id = -1, gene = -1;
    std::vector<int> drop, parsed;  // the columns that drop a row; the parsed columns, by slot
};

void parse_line(const MaxQuantLayout& lay, MaxQuantLine& l) {
    std::vector<std::string_view> f;
    std::vector<std::string> quoted;  // a line with quotes goes through split_fields
    f.reserve(lay.width);
    const std::string_view line = l.text;
    if (line.find('"') != std::string_view::npos) {
        quoted = split_fields_at(l.text, lay.delim, lay.path, l.lineno);
        f.assign(quoted.begin(), quoted.end());
    } else {
        for (size_t a = 0;;) {
            const size_t b = line.find(lay.delim, a);
            f.push_back(line.substr(a, b == std::string_view::npos ? std::string_view::npos : b - a));
            if (b == std::string_view::npos) break;
            a = b + 1;
        }
    }
    if (f.size() != lay.width)
        throw_malformed(where(lay.path, l.lineno) + "row has " + std::to_string(f.size()) + " fields, header has " +
                            std::to_string(lay.width),
                        std::string("make every row have one field per header column, separated by ") +
                            (lay.delim == '\t' ? "tabs" : "commas"));
    if (std::any_of(lay.drop.begin(), lay.drop.end(), [&](int c) { return f[size_t(c)] == "+"; })) {
        l.dropped = true;
        return;
    }
    const std::string_view all = f[size_t(lay.id)];
    l.id = std::string(all.substr(0, all.find(';')));
    if (l.id.empty()) throw_malformed(where(lay.path, l.lineno) + "empty protein id", "every protein group needs an id");
    if (lay.gene >= 0) l.gene = std::string(f[size_t(lay.gene)].substr(0, f[size_t(lay.gene)].find(';')));
    l.cells.resize(lay.parsed.size());
    for (size_t k = 0; k < lay.parsed.size(); ++k) {
        double v = NaN;
        if (!parse_intensity(f[size_t(lay.parsed[k])], v)) {
            v = NaN;
            l.bad.push_back(k);
        }
        l.cells[k] = v;
    }
}

}  // namespace

MaxQuantTable read_maxquant(const std::string& path, const std::vector<std::string>& columns) {
    LineReader in(path);
    MaxQuantTable m;
    m.path = path;
    MaxQuantLayout lay;
    lay.path = path;
    lay.delim = read_maxquant_header(in, m);
    lay.width = m.header.size();
    lay.id = m.column("Majority protein IDs") >= 0 ? m.column("Majority protein IDs") : m.column("Protein IDs");
    lay.gene = m.column("Gene names");
    for (const char* c : {"Reverse", "Potential contaminant", "Only identified by site"})
        if (m.column(c) >= 0) lay.drop.push_back(m.column(c));
    m.slot.assign(lay.width, -1);
    for (auto& name : columns) {
        const int c = m.column(name);
        if (c < 0 || m.slot[size_t(c)] >= 0) continue;
        m.slot[size_t(c)] = int(lay.parsed.size());
        lay.parsed.push_back(c);
    }
    m.bad.resize(lay.parsed.size());
    m.columns.resize(lay.parsed.size());

    // Lines are read in batches (a biobank's table has rows of a megabyte): ~16 MB, and two lines a thread at least,
    // parsed over the rank's threads, then kept in file order: the first problem in the file is the one reported, as
    // if read line by line.
    std::vector<std::string> ids;
    std::unordered_map<std::string, long> seen;
    std::vector<MaxQuantLine> batch;
    size_t bytes = 0, lines = 0, line_bytes = 0;
#ifdef _OPENMP
    const size_t min_lines = 2 * size_t(std::max(1, omp_get_max_threads()));
#else
    const size_t min_lines = 2;
#endif
    // The columns are sized from the first batch, by the file's size (grown by doubling, a column would hold up to
    // twice its values; this rank's columns are most of its memory)
    std::error_code size_error;
    const auto file_bytes = std::filesystem::file_size(path, size_error);
    bool sized = false;
    auto size_columns = [&] {
        sized = true;
        if (size_error || lines == 0 || line_bytes == 0 || ids.empty()) return;
        const double kept = double(ids.size()) / double(lines), per_line = double(line_bytes) / double(lines);
        // at most one line per `width` bytes (a line has a delimiter a column): a file of short lines first and long
        // ones after cannot make it reserve more than that
        const double expect = std::min(kept * double(file_bytes) / per_line, double(file_bytes) / double(lay.width));
        const size_t room = size_t(expect * 1.01) + 8;
        if (room > ids.size() && room < (size_t(1) << 40))
            for (auto& c : m.columns) c.reserve(room);
    };
    auto flush = [&] {
#pragma omp parallel for schedule(dynamic, 1)
        for (long b = 0; b < long(batch.size()); ++b) {
            MaxQuantLine& l = batch[size_t(b)];
            try {
                parse_line(lay, l);
            } catch (...) {
                l.error = std::current_exception();
            }
            free_storage(l.text);
        }
        for (MaxQuantLine& l : batch) {
            if (l.error) std::rethrow_exception(l.error);
            if (l.dropped) {
                ++m.dropped;
                continue;
            }
            if (auto [it, fresh] = seen.emplace(l.id, l.lineno); !fresh)
                throw_malformed(where(path, l.lineno) + "protein group '" + l.id + "' appears again (first on line " +
                                    std::to_string(it->second) + ")",
                                "give each protein group once");
            for (size_t k : l.bad)
                if (m.bad[k].line == 0) m.bad[k] = {l.lineno};  // where, not what: values stay out of logs
            FeatureInfo fi;
            fi.uniprot = l.id;
            fi.gene = std::move(l.gene);
            m.info.push_back(std::move(fi));
            ids.push_back(std::move(l.id));
            m.lines.push_back(l.lineno);
        }
        // the batch's kept rows onto the columns, a few columns at a time (each row's cells are read once)
        for (size_t k0 = 0; k0 < lay.parsed.size(); k0 += 8) {
            const size_t k1 = std::min(k0 + 8, lay.parsed.size());
            for (const MaxQuantLine& l : batch)
                if (!l.dropped)
                    for (size_t k = k0; k < k1; ++k) m.columns[k].push_back(l.cells[k]);
        }
        if (!sized) size_columns();
        batch.clear();
        bytes = 0;
    };
    std::string_view line;
    while (in.next(line)) {
        if (line.empty()) continue;
        MaxQuantLine& l = batch.emplace_back();
        l.lineno = in.line_number();
        l.text = std::string(line);
        bytes += line.size();
        lines += 1, line_bytes += line.size() + 1;
        if (batch.size() >= 4096 || (bytes >= (size_t(16) << 20) && batch.size() >= min_lines)) flush();
    }
    flush();
    for (auto& c : m.columns)  // what the estimate left over, when it is more than a little
        if (c.capacity() > c.size() + c.size() / 32 + 8) c.shrink_to_fit();
    m.ids = std::make_shared<const std::vector<std::string>>(std::move(ids));
    return m;
}

ProteomeResult maxquant_sample(MaxQuantTable& t, const std::string& sample, const std::string& measure,
                               const ProteomeSettings& st) {
    const std::string col_name = measure + " " + sample;
    const int col = t.column(col_name);
    if (col < 0)
        throw Error(ErrorKind::InconsistentInput, t.path + ": no column '" + col_name + "' for sample '" + sample + "'",
                    "name the sample as MaxQuant did, or set proteome.measure to the intensities the file has");
    const int k = size_t(col) < t.slot.size() ? t.slot[size_t(col)] : -1;
    if (k < 0) throw Error(ErrorKind::Internal, t.path + ": column '" + col_name + "' was not read");
    if (const auto& b = t.bad[size_t(k)]; b.line)
        throw_malformed(where(t.path, b.line) + "the cell in column '" + col_name +
                            "' is not a non-negative number",
                        "give intensities as numbers (0 for not detected)");
    std::vector<double>& column = t.columns[size_t(k)];
    if (column.size() != t.ids->size())
        throw Error(ErrorKind::Internal, t.path + ": column '" + col_name + "' was taken twice");
    ProteomeResult r;
    r.ids = t.ids;
    r.values = std::move(column);
    column = std::vector<double>();
    for (double& v : r.values) v = std::isnan(v) || v == 0 ? NaN : (st.log2 ? std::log2(v) : v);
    finish(r, st.median_normalize);
    return r;
}

}  // namespace precis
