// Task dispatch benchmark (bench/farm_dispatch.sh runs it): how many tasks a second rank 0 hands out and takes back
// through Comm::task_farm when the tasks themselves cost nothing, against the floor of moving the same bytes with
// no dispatch at all: one MPI_Scatterv of every task and one MPI_Gatherv of every result, a static split made in
// advance.
//   mpirun -n RANKS precis_bench_farm TASKS [TASK_BYTES]      prints "farm TASKS/s" and "scatter TASKS/s" on rank 0
// Each task is TASK_BYTES bytes (default 48, about a per-sample task's encoding) and so is its result; the work
// echoes the task. Rank 0 checks that every result came back once and intact.
#include <mpi.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "parallel/comm.hpp"

namespace {
std::string task_text(size_t i, size_t bytes) {
    std::string s = std::to_string(i);
    s.resize(std::max(bytes, s.size() + 1), '.');
    return s;
}
double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}
}  // namespace

int main(int argc, char** argv) {
    precis::Comm comm(argc, argv);
    if (argc < 2) {
        if (comm.is_root()) std::fprintf(stderr, "usage: precis_bench_farm TASKS [TASK_BYTES]\n");
        return 2;
    }
    const size_t n = std::strtoull(argv[1], nullptr, 10);
    const size_t bytes = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 48;

    // the task farm
    std::vector<char> seen(comm.is_root() ? n : 0, 0);
    size_t bad = 0;
    comm.barrier();
    auto t0 = std::chrono::steady_clock::now();
    comm.task_farm(
        n, [&](size_t i) { return task_text(i, bytes); }, [](const std::string& t) { return t; },
        [&](std::string&& r) {
            const size_t i = std::strtoull(r.c_str(), nullptr, 10);
            if (i >= n || seen[i] || r != task_text(i, bytes)) ++bad;
            else seen[i] = 1;
        });
    const double farm_s = seconds_since(t0);
    size_t missing = 0;
    for (char c : seen) missing += c == 0;

    // the floor: the same bytes scattered and gathered once, split evenly over the workers in advance
    const int size = comm.size(), rank = comm.rank();
    const int workers = size > 1 ? size - 1 : 1;
    std::vector<int> counts(size_t(size), 0), displs(size_t(size), 0);
    for (int r = 0; r < size; ++r) {
        const int w = size > 1 ? r - 1 : 0;
        if (size > 1 && r == 0) continue;
        const size_t lo = n * size_t(w) / size_t(workers), hi = n * size_t(w + 1) / size_t(workers);
        counts[size_t(r)] = int((hi - lo) * bytes);
    }
    for (int r = 1; r < size; ++r) displs[size_t(r)] = displs[size_t(r - 1)] + counts[size_t(r - 1)];
    comm.barrier();
    t0 = std::chrono::steady_clock::now();
    double scatter_s = 0;
    if (size > 1) {
        std::string all;
        if (rank == 0) {
            all.reserve(n * bytes);
            for (size_t i = 0; i < n; ++i) all += task_text(i, bytes);
        }
        std::vector<char> mine(static_cast<size_t>(counts[static_cast<size_t>(rank)]));
        MPI_Comm raw = MPI_COMM_WORLD;
        MPI_Scatterv(all.data(), counts.data(), displs.data(), MPI_BYTE, mine.data(), counts[size_t(rank)], MPI_BYTE,
                     0, raw);
        std::vector<char> back(mine);  // the work: echo
        MPI_Gatherv(back.data(), counts[size_t(rank)], MPI_BYTE, all.data(), counts.data(), displs.data(), MPI_BYTE,
                    0, raw);
        if (rank == 0)
            for (size_t i = 0; i < n; i += 997)
                if (all.compare(i * bytes, bytes, task_text(i, bytes)) != 0) ++bad;
        scatter_s = seconds_since(t0);
    }
    if (comm.is_root()) {
        std::printf("farm %.0f\n", double(n) / farm_s);
        if (size > 1) std::printf("scatter %.0f\n", double(n) / scatter_s);
        if (bad || missing) {
            std::fprintf(stderr, "precis_bench_farm: %zu results wrong, %zu missing\n", bad, missing);
            return 1;
        }
    }
    return 0;
}
