#include "config/sheet.hpp"

#include <unordered_map>

#include "core/error.hpp"
#include "core/table.hpp"

namespace precis {

SampleSheet load_sheet(const StudyConfig& study) {
    Table t;
    try {
        t = read_table(study.sheet);
    } catch (const Error& e) {
        throw Error(ErrorKind::Config, e.what(), e.hint().empty() ? "check 'samples.sheet' in " + study.path : e.hint());
    }
    std::vector<std::string> problems;
    auto need = [&](const std::string& col, const std::string& key) {
        int i = t.column(col);
        if (i < 0) {
            std::string have;
            for (auto& h : t.header) have += (have.empty() ? "" : ", ") + h;
            problems.push_back(where(t.path, 1) + "no column '" + col + "' (named by '" + key + "' in " + study.path +
                               "); the header has: " + have);
        }
        return i;
    };
    int id_col = need(study.id_column, "samples.id_column");
    int vcf_col = study.genome.enabled ? need(study.genome.path_column, "genome.path_column") : -1;
    int prot_col = study.proteome.enabled ? need(study.proteome.path_column, "proteome.path_column") : -1;
    std::vector<int> ph_cols;
    for (auto& p : study.phenotypes) ph_cols.push_back(need(p, "samples.phenotypes"));

    SampleSheet sheet;
    sheet.path = t.path;
    if (problems.empty()) {
        std::unordered_map<std::string, long> seen;
        for (auto& r : t.rows) {
            SampleEntry e;
            e.index = sheet.samples.size();
            e.line = r.line;
            e.id = r.fields[id_col];
            if (e.id.empty()) {
                problems.push_back(where(t.path, r.line) + "empty sample id (fix: give every row an id)");
                continue;
            }
            auto [it, fresh] = seen.emplace(e.id, r.line);
            if (!fresh)
                problems.push_back(where(t.path, r.line) + "duplicate sample id '" + e.id + "', first on line " +
                                   std::to_string(it->second) + " (fix: make sample ids unique)");
            if (vcf_col >= 0) {
                if (r.fields[vcf_col].empty())
                    problems.push_back(where(t.path, r.line) + "sample '" + e.id + "' has no " +
                                       study.genome.path_column + " path (fix: give its VCF)");
                e.vcf = resolve_path(study.dir, r.fields[vcf_col]);
            }
            if (prot_col >= 0) {
                if (r.fields[prot_col].empty())
                    problems.push_back(where(t.path, r.line) + "sample '" + e.id + "' has no " +
                                       study.proteome.path_column + " path (fix: give its proteome table)");
                e.proteome = resolve_path(study.dir, r.fields[prot_col]);
            }
            for (int c : ph_cols) e.phenotypes.push_back(r.fields[c]);
            sheet.samples.push_back(std::move(e));
        }
        if (t.rows.empty()) problems.push_back(where(t.path) + "the sample sheet has no samples");
    }
    if (!problems.empty()) {
        std::string msg;
        for (auto& p : problems) msg += (msg.empty() ? "" : "\n") + p;
        throw Error(ErrorKind::Config, msg);
    }
    return sheet;
}

}  // namespace precis
