#include "core/threads.hpp"

#include <omp.h>

#include <cstdlib>

namespace precis {

ThreadPolicy configure_threads(int requested, int n_ranks) {
    int n = requested;
    if (n <= 0) {
        const char* env = std::getenv("OMP_NUM_THREADS");
        if (env && std::atoi(env) > 0)
            n = std::atoi(env);
        else
            n = n_ranks > 1 ? 1 : omp_get_num_procs();
    }
    omp_set_num_threads(n);
    return ThreadPolicy{n};
}

}  // namespace precis
