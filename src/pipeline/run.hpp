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
    std::string command_line;
};

// Runs the study. Returns 0 on success; throws AgreedError (the same on every rank) when it cannot finish.
int run_study(Comm& comm, const RunOptions& opt);

// Sets the OpenMP thread count for this rank, in one place; returns the count in force.
int configure_threads(int requested, int n_ranks);

}  // namespace precis
