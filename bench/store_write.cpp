// Benchmark program for bench/store_write.sh: writes ROWS x COLS float32 into mod/proteome/X of an .h5mu file the
// way precis run does (ParallelMatrixWriter: every rank its own block of whole chunks of rows, one collective write), then makes it
// durable (fsync), and prints the seconds and MB/s on rank 0. With `plain`, one process writes the same bytes to
// FILE with write(2) in 8 MB pieces and fsyncs: the disk's sequential limit.
// Usage: mpirun -n P precis_bench_store ROWS COLS FILE      precis_bench_store ROWS COLS FILE plain
#include <fcntl.h>
#include <mpi.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <algorithm>
#include <cstdlib>
#include <string>
#include <vector>

#include "store/matrix_writer.hpp"

int main(int argc, char** argv) {
    MPI_Init(&argc, &argv);
    int rank = 0, size = 1;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    if (argc != 4 && argc != 5) {
        if (rank == 0) std::fprintf(stderr, "usage: precis_bench_store ROWS COLS FILE [plain]\n");
        MPI_Finalize();
        return 2;
    }
    const size_t rows = std::strtoull(argv[1], nullptr, 10), cols = std::strtoull(argv[2], nullptr, 10);
    const std::string path = argv[3];
    const bool plain = argc == 5 && std::string(argv[4]) == "plain";
    if (plain) size = 1;
    // this rank's block of whole chunks (precis::row_block, as precis run hands the rows to its
    // writers), filled before the clock starts
    const auto [r0, r1] = precis::row_block({"proteome", rows, cols}, rank, size);
    std::vector<size_t> mine;
    std::vector<float> data;
    data.reserve((r1 - r0) * cols);
    for (size_t r = r0; r < r1; ++r) {
        mine.push_back(r);
        for (size_t c = 0; c < cols; ++c) data.push_back(float((r * 31 + c * 17) % 1000) * 0.01f);
    }
    MPI_Barrier(MPI_COMM_WORLD);
    const auto t0 = std::chrono::steady_clock::now();
    bool collective = false;
    if (plain) {
        if (rank == 0) {
            int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
            const char* p = reinterpret_cast<const char*>(data.data());
            size_t left = data.size() * sizeof(float);
            while (fd >= 0 && left > 0) {
                ssize_t n = ::write(fd, p, std::min<size_t>(left, size_t(8) << 20));
                if (n <= 0) break;
                p += n, left -= size_t(n);
            }
            if (fd >= 0) ::fsync(fd), ::close(fd);
        }
    } else {
        precis::ParallelMatrixWriter w(path, MPI_COMM_WORLD, {{"proteome", rows, cols}});
        w.write_rows(0, mine, data);
        collective = w.last_write_collective();
        w.close();
    }
    if (rank == 0 && !plain) {  // durable, as the plain write is
        int fd = ::open(path.c_str(), O_RDONLY);
        if (fd >= 0) ::fsync(fd), ::close(fd);
    }
    MPI_Barrier(MPI_COMM_WORLD);
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (rank == 0) {
        const double mb = double(rows) * double(cols) * 4.0 / 1e6;
        std::printf("%.3f %.1f %s\n", secs, mb / secs, plain ? "plain" : collective ? "collective" : "independent");
    }
    MPI_Finalize();
    return 0;
}
