// `precis run`: the whole workflow on one process or many ranks.
#pragma once
#include <string>
#include <vector>

namespace precis {

class Comm;

struct RunOptions {
    std::string study_path;
    std::string output_override;  // --output
    std::vector<std::string> overrides;  // --set key=value
    int threads = 0;              // --threads; 0 = OMP_NUM_THREADS, else 1 per rank under MPI, else all cores
    bool fresh = false;           // --fresh
    // a folder with this study's finished results, made from the same inputs and left as they were, is left alone
    // (precis run; classify always classifies)
    bool reuse_finished = true;
    std::string command_line;
    // a folder that must not be the output, as it holds something the command needs (classify: the model's own run,
    // whose results it would clear), and what it holds (for the error)
    std::string keep_folder, keep_folder_holds;
};

// Runs the study. Returns 0 on success; throws AgreedError (the same on every rank) when it cannot finish.
int run_study(Comm& comm, const RunOptions& opt);

// Each rank's peak resident memory (MiB, one decimal) and CPU time (user + system seconds, all threads) so far.
// Collective; the vectors are filled on rank 0 only.
struct RankUsage {
    std::vector<double> peak_mib, cpu_seconds;
    std::vector<std::string> host;  // each rank's host name (gethostname)
};
RankUsage rank_usage(Comm& comm);

// Collective: rank 0 prints the line a run ends with - version, command, exit code, real time (since
// `real_seconds` was measured), CPU time over all ranks, peak resident memory of rank 0 and the most of any rank.
void print_run_summary(Comm& comm, const std::string& command_line, double real_seconds, int exit_code);


}  // namespace precis
