// The thread policy of a precis process, in one place: how many OpenMP threads a rank computes with, and how many
// htslib decompression threads a rank that reads per-sample VCFs runs. `precis run` and `precis simulate` both set
// theirs here (MPI's thread level, FUNNELED, is checked where MPI starts: parallel/comm.cpp). BLAS is never called
// inside OpenMP regions, so no other library's threads need setting.
#pragma once

namespace precis {

struct ThreadPolicy {
    int threads = 1;  // OpenMP threads of this rank (set by configure_threads)
    // htslib's decompression pool for per-sample VCFs: as many threads as the rank has, up to 4 (more do not outrun
    // the one thread that decodes); 0 for a rank with one thread
    int hts_pool() const { return threads > 1 ? (threads < 4 ? threads : 4) : 0; }
};

// `requested` (--threads) if > 0, else OMP_NUM_THREADS if set, else one per rank under MPI (n_ranks > 1), else
// every core. Sets OpenMP's thread count for the process.
ThreadPolicy configure_threads(int requested, int n_ranks);

}  // namespace precis
