#include "config/sheet.hpp"

#include <algorithm>
#include <filesystem>
#include <unordered_map>

#include "core/error.hpp"
#include "core/table.hpp"

namespace precis {

void TextColumn::push_back(std::string_view s) {
    if (text.size() + s.size() > UINT32_MAX)
        throw Error(ErrorKind::Config, "the sample sheet has more than 4 GiB of text in one column",
                    "split the study into smaller ones");
    text.append(s);
    end.push_back(uint32_t(text.size()));
}

void TextColumn::shrink_to_fit() {
    text.shrink_to_fit();
    end.shrink_to_fit();
}

void PathColumn::push_back(const std::string& path) {
    const bool p = !prefix.empty() && path.compare(0, prefix.size(), prefix) == 0;
    prefixed.push_back(p);
    tail.push_back(std::string_view(path).substr(p ? prefix.size() : 0));
}

void PathColumn::shrink_to_fit() {
    tail.shrink_to_fit();
    prefixed.shrink_to_fit();
}

void SheetRows::set(uint64_t index, size_t row) {
    if (row >= kAbsent) throw Error(ErrorKind::Internal, "more than 4 billion rows");
    if (index >= row_.size()) row_.resize(index + 1, kAbsent);
    rows_ += row_[index] == kAbsent;
    row_[index] = uint32_t(row);
}

size_t SheetRows::at(uint64_t index) const {
    const size_t r = row(index);
    if (r == none) throw Error(ErrorKind::Internal, "sheet sample " + std::to_string(index) + " has no row here");
    return r;
}

std::string SampleSheet::sample_at(size_t i) const { return where(path, line(i)) + "sample '" + id(i) + "'"; }

SampleEntry SampleSheet::entry(size_t i) const {
    SampleEntry e;
    e.index = i;
    e.line = line(i);
    e.id = id(i);
    e.vcf = vcf(i);
    e.proteome = proteome(i);
    for (const TextColumn& c : phenotypes) e.phenotypes.emplace_back(c[i]);
    return e;
}

void SampleSheet::add(const SampleEntry& e) {
    if (empty() && phenotypes.empty()) phenotypes.resize(e.phenotypes.size());
    if (e.phenotypes.size() != phenotypes.size())
        throw Error(ErrorKind::Internal, "a sheet row with " + std::to_string(e.phenotypes.size()) +
                                             " phenotypes, where the sheet has " + std::to_string(phenotypes.size()));
    lines.push_back(uint32_t(e.line));
    ids.push_back(e.id);
    vcfs.push_back(e.vcf);
    proteomes.push_back(e.proteome);
    for (size_t c = 0; c < phenotypes.size(); ++c) phenotypes[c].push_back(e.phenotypes[c]);
}

void SampleSheet::set_phenotype(size_t column, const std::vector<std::string>& values) {
    if (values.size() != size()) throw Error(ErrorKind::Internal, "a phenotype column of the wrong length");
    TextColumn c;
    for (const std::string& v : values) c.push_back(v);
    c.shrink_to_fit();
    phenotypes.at(column) = std::move(c);
}

int SampleSheet::column_of(const std::string& phenotype, const StudyConfig& s) const {
    auto it = std::find(s.phenotypes.begin(), s.phenotypes.end(), phenotype);
    return it == s.phenotypes.end() ? -1 : int(it - s.phenotypes.begin());
}

namespace {

// The sheet's rows into `sheet`, each problem with a row or a column into `problems`. Throws what TableReader
// throws for an unreadable table.
void read_rows(const StudyConfig& study, SampleSheet& sheet, std::vector<std::string>& problems) {
    TableReader t(study.sheet);
    auto need = [&](const std::string& col, const std::string& key) {
        int i = t.head().column(col);
        if (i < 0) {
            std::string have;
            for (auto& h : t.head().header) have += (have.empty() ? "" : ", ") + h;
            problems.push_back(where(t.head().path, 1) + "no column '" + col + "', named by '" + key + "' at " +
                               study.origin_of(key) + " (fix: the header has: " + have + ")");
        }
        return i;
    };
    int id_col = need(study.id_column, "samples.id_column");
    int vcf_col = study.genome.enabled && !study.genome.path_column.empty()
                      ? need(study.genome.path_column, "genome.path_column")
                      : -1;
    int prot_col = study.proteome.enabled && !study.proteome.path_column.empty()
                       ? need(study.proteome.path_column, "proteome.path_column")
                       : -1;
    std::vector<int> ph_cols;
    for (auto& p : study.phenotypes) {
        if (study.genome.is_pc_column(p)) {  // made by genome.ancestry (pipeline/structure.cpp), not read
            ph_cols.push_back(-1);
            continue;
        }
        std::string key = "samples.phenotypes";
        if (p == study.ranking.groups) key = "ranking.groups";
        if (p == study.genome.sex_column) key = "genome.qc.sex_column";
        if (p == study.genome.ancestry.color_by) key = "genome.ancestry.color_by";
        if (std::find(study.ranking.covariates.begin(), study.ranking.covariates.end(), p) !=
            study.ranking.covariates.end())
            key = "ranking.covariates";
        const AdjustConfig& adj = study.clustering.adjust;
        if (p == adj.batch) key = "clustering.adjust.batch";
        for (const auto* list : {&adj.covariates, &adj.preserve})
            if (std::find(list->begin(), list->end(), p) != list->end())
                key = list == &adj.covariates ? "clustering.adjust.covariates" : "clustering.adjust.preserve";
        for (const Endpoint& ep : study.outcomes) {  // outcomes.<name>.<key>
            const std::string at = "outcomes." + ep.name + ".";
            for (const auto& [col, k] : {std::pair{&ep.time, "time"}, std::pair{&ep.start, "start"},
                                          std::pair{&ep.end, "end"}, std::pair{&ep.event, "event"}})
                if (p == *col) key = at + k;
            for (const auto& [list, k] : {std::pair{&ep.covariates, "covariates"}, std::pair{&ep.strata, "strata"}})
                if (std::find(list->begin(), list->end(), p) != list->end()) key = at + k;
        }
        ph_cols.push_back(need(p, key));
    }

    // paths in the sheet resolve against the sheet's own folder, so a sheet can move with its files
    std::string sheet_dir = std::filesystem::path(study.sheet).parent_path().string();
    if (sheet_dir.empty()) sheet_dir = ".";
    const std::string folder = resolve_path(sheet_dir, "x");  // the folder relative paths resolve into, and '/'
    sheet.vcfs.prefix = sheet.proteomes.prefix = folder.substr(0, folder.size() - 1);
    std::unordered_map<std::string, long> seen;
    size_t rows = 0;
    while (t.next()) {
        ++rows;
        if (id_col < 0) continue;  // without ids nothing else can be checked; other missing columns are reported
        const std::vector<std::string>& fields = t.fields();
        const long line = t.line();
        SampleEntry e;
        e.index = sheet.size();
        e.line = line;
        e.id = fields[id_col];
        if (e.id.empty()) {
            problems.push_back(where(t.head().path, line) + "empty sample id (fix: give every row an id in column '" +
                               study.id_column + "')");
            continue;
        }
        if (const std::string bad = text_problem(e.id, 256); !bad.empty()) {  // ids go into every output
            problems.push_back(where(t.head().path, line) + "the sample id in column '" + study.id_column + "' " + bad +
                               " (fix: use printable UTF-8 ids of at most 256 bytes)");
            continue;
        }
        if (auto [it, fresh] = seen.emplace(e.id, line); !fresh)
            problems.push_back(where(t.head().path, line) + "duplicate sample id '" + e.id + "', first on line " +
                               std::to_string(it->second) + " (fix: make sample ids unique)");
        // an empty cell: the sample has no data of that modality (allowed, as long as it has some)
        if (vcf_col >= 0 && !fields[vcf_col].empty()) e.vcf = resolve_path(sheet_dir, fields[vcf_col]);
        if (prot_col >= 0 && !fields[prot_col].empty()) e.proteome = resolve_path(sheet_dir, fields[prot_col]);
        const bool genome_elsewhere = study.genome.enabled && vcf_col < 0;  // a cohort file holds it
        const bool proteome_elsewhere = study.proteome.enabled && prot_col < 0;
        if ((vcf_col >= 0 || prot_col >= 0) && !genome_elsewhere && !proteome_elsewhere && e.vcf.empty() &&
            e.proteome.empty()) {
            std::string cols;
            if (vcf_col >= 0) cols += "'" + study.genome.path_column + "'";
            if (prot_col >= 0) cols += std::string(cols.empty() ? "" : " and ") + "'" + study.proteome.path_column + "'";
            problems.push_back(where(t.head().path, line) + "sample '" + e.id + "' has no data: column" +
                               (vcf_col >= 0 && prot_col >= 0 ? "s " : " ") + cols + " empty (fix: give at least one "
                               "of its files, or remove the row)");
        }
        for (int c : ph_cols) {
            e.phenotypes.push_back(c >= 0 ? fields[c] : std::string());
            if (const std::string bad = text_problem(e.phenotypes.back(), 4096); c >= 0 && !bad.empty())
                problems.push_back(where(t.head().path, line) + "sample '" + e.id + "': the value in column '" +
                                   t.head().header[size_t(c)] + "' " + bad + " (fix: use printable UTF-8 text)");
        }
        sheet.add(e);
    }
    sheet.ids.shrink_to_fit();
    sheet.vcfs.shrink_to_fit();
    sheet.proteomes.shrink_to_fit();
    for (TextColumn& c : sheet.phenotypes) c.shrink_to_fit();
    sheet.lines.shrink_to_fit();
    if (rows == 0 && id_col >= 0)
        problems.push_back(where(t.head().path, 2) + "the sample sheet has no samples (fix: add one row per sample)");
}

}  // namespace

SampleSheet load_sheet(const StudyConfig& study, std::vector<std::string>& problems) {
    SampleSheet sheet;
    sheet.path = study.sheet;
    std::error_code ec;
    if (!std::filesystem::is_regular_file(study.sheet, ec)) {
        problems.push_back(study.origin_of("samples.sheet") + ": the sample sheet " + study.sheet +
                           (std::filesystem::exists(study.sheet, ec) ? " is not a file" : " does not exist") +
                           " (fix: correct 'samples.sheet'; relative paths start from the study file's folder)");
        return sheet;
    }
    // read row by row (500,000 rows as a Table of strings would be ~200 MB); the problems found are kept until the
    // whole table is read, as an unreadable table (a ragged row, say) is the one problem reported
    std::vector<std::string> found;
    try {
        read_rows(study, sheet, found);
    } catch (const Error& e) {
        std::string msg = e.kind() == ErrorKind::IO ? study.origin_of("samples.sheet") + ": " + e.what() : e.what();
        problems.push_back(msg + " (fix: " + (e.hint().empty() ? "check 'samples.sheet'" : e.hint()) + ")");
        SampleSheet none;
        none.path = study.sheet;
        return none;
    }
    problems.insert(problems.end(), found.begin(), found.end());
    return sheet;
}

SampleSheet load_sheet(const StudyConfig& study) {
    std::vector<std::string> problems;
    SampleSheet s = load_sheet(study, problems);
    if (!problems.empty()) {
        std::string msg;
        for (auto& p : problems) msg += (msg.empty() ? "" : "\n") + p;
        throw Error(ErrorKind::Config, msg);
    }
    return s;
}

}  // namespace precis
