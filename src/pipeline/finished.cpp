// <output>/.precis/finished: the mark that the folder holds a study's finished results, and what they were made
// from. A run of the same study (the same resolved settings and precis build) whose inputs and outputs are all as
// that run left them has nothing to do: it says so and leaves the folder as it is, in the time it takes to look at
// the files rather than read them. A file counts as unchanged while its stamp (core/files.hpp: size, modification
// and change times, inode) is, taken for the inputs when the finished run started, so that a file changed while it
// ran counts as changed.
#include <algorithm>
#include <filesystem>
#include <sstream>

#include "core/files.hpp"
#include "core/hash.hpp"
#include "core/table.hpp"
#include "core/version.hpp"
#include "genome/bgen.hpp"
#include "genome/plink.hpp"
#include "pipeline/resume.hpp"

namespace fs = std::filesystem;

namespace precis {
namespace {

const char* const kStampHead = "precis finished-run stamp 2";

std::string finished_path(const std::string& output) { return state_dir(output) + "/finished"; }

// every regular file under the output folder, as "out STAMP\tRELATIVE PATH" lines, sorted; not the state folder,
// nor what `precis slurm` keeps there (logs/, NAME.sbatch), which a job writes to after the run has finished
std::string output_lines(const std::string& output) {
    std::vector<std::string> lines;
    std::error_code ec;
    const fs::path root(output);
    for (auto it = fs::recursive_directory_iterator(root, ec); !ec && it != fs::recursive_directory_iterator();
         it.increment(ec)) {
        const fs::path rel = it->path().lexically_relative(root);
        if (rel == ".precis" || rel == "logs") {
            it.disable_recursion_pending();
            continue;
        }
        if (rel.parent_path().empty() && rel.extension() == ".sbatch") continue;
        if (it->is_regular_file(ec)) lines.push_back("out " + file_stamp(it->path().string()) + "\t" + rel.string());
    }
    std::sort(lines.begin(), lines.end());
    std::string s;
    for (auto& l : lines) s += l + "\n";
    return s;
}

}  // namespace

std::string finished_inputs(const StudyConfig& s, const SampleSheet& sheet) {
    // the input files' stamps as a digest of their "STAMP\tPATH" lines, so that rank 0 holds (and the mark keeps)
    // 64 bytes however many samples there are (the lines themselves were ~230 bytes a sample)
    Sha256 digest;
    size_t files = 0;
    auto add = [&](const std::string& path) {
        if (path.empty()) return;
        digest.update(file_stamp(path) + "\t" + path + "\n");
        ++files;
    };
    add(fs::absolute(s.path).lexically_normal().string());
    add(s.sheet);
    if (s.genome.enabled) {
        add(s.genome.genes_bed);
        for (auto& f : s.genome.scores) add(f);
        add(s.genome.annotation_table);
        add(s.genome.ancestry.exclude);
        const std::string& c = s.genome.cohort_file;
        if (is_plink_path(c)) {
            const PlinkPaths p = plink_paths(c);
            add(p.bed), add(p.bim), add(p.fam);
        } else {
            add(c);
        }
        if (is_bgen_path(c)) add(bgen_sample_path(c));
    }
    if (s.proteome.enabled) add(s.proteome.cohort_file);
    for (size_t i = 0; i < sheet.size(); ++i) {
        add(sheet.vcf(i));
        add(sheet.proteome(i));
    }
    return std::string(kStampHead) + "\nkey " + content_key({PRECIS_VERSION, PRECIS_GIT_COMMIT, s.resolved}) +
           "\ninputs " + std::to_string(files) + " " + digest.hex() + "\n";
}

bool finished_and_unchanged(const std::string& output, const std::string& inputs, std::string& when) {
    std::error_code ec;
    if (!fs::is_regular_file(finished_path(output), ec)) return false;
    std::string stamp;
    try {
        stamp = read_file(finished_path(output));
    } catch (const std::exception&) {
        return false;
    }
    // the inputs part, then "end TIME", then the output lines
    if (stamp.compare(0, inputs.size(), inputs) != 0) return false;
    const size_t end_at = inputs.size();
    if (stamp.compare(end_at, 4, "end ") != 0) return false;
    const size_t nl = stamp.find('\n', end_at);
    if (nl == std::string::npos) return false;
    if (stamp.compare(nl + 1, std::string::npos, output_lines(output)) != 0) return false;
    when = stamp.substr(end_at + 4, nl - end_at - 4);
    return true;
}

void write_finished_stamp(const std::string& output, const std::string& inputs, const std::string& when) {
    write_file_atomic(finished_path(output), inputs + "end " + when + "\n" + output_lines(output));
}

void remove_finished_stamp(const std::string& output) {
    std::error_code ec;
    fs::remove(finished_path(output), ec);
}

}  // namespace precis
