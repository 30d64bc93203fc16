// The sanitizer build's self-test: each mode commits one error of the kind the suite relies on the sanitizers to
// catch, inside a process that runs as an MPI rank the way precis does (a Comm for its lifetime). The test
// (canary.sh) expects every mode to be reported and to fail the process; "clean" must pass. Were the sanitizer
// flags, the options in env.sh or the leak check before MPI_Finalize (parallel/comm.cpp) lost, a mode would pass
// and so would fail the test.
#include <cstdio>
#include <string>
#include <vector>

#include "parallel/comm.hpp"

namespace {
volatile int sink;  // keeps the optimiser from removing what each mode does

int run(const std::string& mode, int rank) {
    if (mode == "clean") {
        std::vector<int> v(10, rank);
        sink = v[9];
        return 0;
    }
    if (mode == "leak") {  // memory nothing points at any more
        int* p = new int[100];
        p[0] = rank;
        sink = p[0];
        p = nullptr;
        return 0;
    }
    if (mode == "heap-overflow") {  // one past the end of an allocation
        std::vector<int> v(10, rank);
        int* d = v.data();
        sink = d[10 + (sink & 0)];
        return 0;
    }
    if (mode == "use-after-free") {
        int* p = new int(rank);
        delete p;
        sink = *p;
        return 0;
    }
    if (mode == "signed-overflow") {  // UBSan
        volatile int big = 2147483647;
        sink = big + 1 + rank;
        return 0;
    }
    if (mode == "shift") {  // UBSan: shifting a negative value
        volatile int neg = -1 - rank;
        sink = neg << 3;
        return 0;
    }
    std::fprintf(stderr, "canary: unknown mode %s\n", mode.c_str());
    return 2;
}
}  // namespace

int main(int argc, char** argv) {
    precis::Comm comm(argc, argv);
    if (argc != 2) {
        std::fprintf(stderr, "usage: precis_sanitizer_canary clean|leak|heap-overflow|use-after-free|"
                             "signed-overflow|shift\n");
        return 2;
    }
    const int rc = run(argv[1], comm.rank());
    comm.barrier();
    return rc;
}
