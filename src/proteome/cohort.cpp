#include "proteome/cohort.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <exception>
#include <fstream>
#include <limits>
#include <unordered_map>

#include "core/parse.hpp"
#include "core/error.hpp"
#include "core/table.hpp"

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

ProteomeResult npx_sample(const std::vector<NpxRow>& rows_in, const NpxSettings& st, const std::string& path) {
    std::vector<const NpxRow*> rows;
    for (auto& r : rows_in) rows.push_back(&r);
    std::sort(rows.begin(), rows.end(), [](const NpxRow* a, const NpxRow* b) { return a->line < b->line; });
    ProteomeResult r;
    std::unordered_map<std::string, long> seen;
    long below_lod = 0, warned = 0;
    std::vector<std::string> ids;
    for (const NpxRow* row : rows) {
        if (auto [it, fresh] = seen.emplace(row->olink_id, row->line); !fresh)
            throw_malformed(where(path, row->line) + "assay " + row->olink_id + " of sample '" + row->sample +
                                "' appears again (first on line " + std::to_string(it->second) + ")",
                            "keep one row per sample and assay (OlinkAnalyze's check_npx reports these too)");
        double v = NaN, lod = NaN;
        try {
            parse_number(row->npx, v);
        } catch (const std::invalid_argument&) {
            throw_malformed(where(path, row->line) + "the NPX of sample '" + row->sample + "', assay " + row->olink_id +
                                ", is not a number",
                            "write a number, or NA");
        }
        try {
            parse_number(row->lod, lod);
        } catch (const std::invalid_argument&) {
            lod = NaN;
        }
        if (!std::isnan(v) && !std::isnan(lod) && v < lod) {
            ++below_lod;
            if (st.below_lod_missing) v = NaN;
        }
        if (olink_warns(row->qc_warning)) ++warned;
        if (r.plate.empty()) r.plate = row->plate;
        if (!row->plate.empty() && row->plate != r.plate)
            throw_malformed(where(path, row->line) + "sample '" + row->sample + "' is on plate " + row->plate +
                                " here but on plate " + r.plate + " on line " + std::to_string(rows.front()->line),
                            "give a sample measured on several plates (a bridging sample) a distinct id per plate");
        ids.push_back(row->olink_id);
        r.values.push_back(v);
    }
    r.ids = std::make_shared<const std::vector<std::string>>(std::move(ids));
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

std::string encode_rows(const std::vector<NpxRow>& rows) {
    std::string s;
    auto clean = [](const std::string& x) {
        std::string o = x;
        for (char& c : o)
            if (c == '\t' || c == '\n') c = ' ';
        return o;
    };
    for (auto& r : rows) {
        s += std::to_string(r.line);
        for (const std::string* f : {&r.sample, &r.olink_id, &r.uniprot, &r.assay, &r.panel, &r.plate, &r.npx, &r.lod,
                                     &r.qc_warning, &r.sample_type, &r.assay_warning})
            s += "\t" + clean(*f);
        s += "\n";
    }
    return s;
}

std::vector<NpxRow> decode_rows(const std::string& s) {
    std::vector<NpxRow> out;
    size_t a = 0;
    while (a < s.size()) {
        size_t b = s.find('\n', a);
        std::string line = s.substr(a, b - a);
        a = b == std::string::npos ? s.size() : b + 1;
        std::vector<std::string> f;
        size_t p = 0;
        while (true) {
            size_t q = line.find('\t', p);
            f.push_back(line.substr(p, q - p));
            if (q == std::string::npos) break;
            p = q + 1;
        }
        if (f.size() != 12) throw Error(ErrorKind::Internal, "bad NPX row message");
        NpxRow r;
        r.line = std::stol(f[0]);
        r.sample = f[1], r.olink_id = f[2], r.uniprot = f[3], r.assay = f[4], r.panel = f[5], r.plate = f[6];
        r.npx = f[7], r.lod = f[8], r.qc_warning = f[9], r.sample_type = f[10], r.assay_warning = f[11];
        out.push_back(std::move(r));
    }
    return out;
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

    // Lines are read in batches (a biobank's table has rows of a megabyte), parsed over the rank's threads, then
    // kept in file order: the first problem in the file is the one reported, as if read line by line.
    std::vector<std::string> ids;
    std::unordered_map<std::string, long> seen;
    std::vector<MaxQuantLine> batch;
    size_t bytes = 0;
    auto flush = [&] {
#pragma omp parallel for schedule(dynamic, 1)
        for (long b = 0; b < long(batch.size()); ++b) {
            MaxQuantLine& l = batch[size_t(b)];
            try {
                parse_line(lay, l);
            } catch (...) {
                l.error = std::current_exception();
            }
            l.text = std::string();
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
        if (batch.size() >= 4096 || bytes >= (size_t(64) << 20)) flush();
    }
    flush();
    for (auto& c : m.columns) c.shrink_to_fit();
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
