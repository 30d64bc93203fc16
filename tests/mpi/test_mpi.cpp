// MPI tier: run by ctest under mpirun -n 1, 2 and 4. Every rank runs every test case; collectives inside them.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <set>

#include <csignal>
#include <limits>

#include "classify/classify.hpp"
#include "core/error.hpp"
#include "core/rng.hpp"
#include "core/signals.hpp"
#include "parallel/comm.hpp"
#include "parallel/mpi_comm.hpp"
#include "store/matrix_writer.hpp"
#include "store/store.hpp"

using namespace precis;
namespace fs = std::filesystem;

static Comm* g_comm = nullptr;

TEST_CASE("task farm: every task runs once, on workers when there are workers") {
    Comm& c = *g_comm;
    std::set<size_t> seen;
    std::set<int> ranks;
    c.task_farm(
        25, [](size_t i) { return std::to_string(i); },
        [&](const std::string& t) { return t + ":" + std::to_string(c.rank()); },
        [&](std::string&& r) {
            size_t colon = r.find(':');
            size_t i = std::stoul(r.substr(0, colon));
            CHECK(seen.insert(i).second);
            ranks.insert(std::stoi(r.substr(colon + 1)));
        });
    if (c.is_root()) {
        CHECK(seen.size() == 25);
        if (c.size() > 1) CHECK(ranks.count(0) == 0);
    }
}

TEST_CASE("task farm: tens of thousands of quick tasks go out in batches and each result comes back once, intact") {
    Comm& c = *g_comm;
    const size_t n = 30000;
    std::vector<int> seen(c.is_root() ? n : 0, 0);
    size_t wrong = 0;
    std::set<int> ranks;
    // sizes from 0 to 70,000 bytes, so that batches mix empty items and items above MPI's eager limits
    auto item = [](size_t i) { return i % 5000 == 7 ? std::string(70000, char('a' + i % 26)) : std::to_string(i); };
    c.task_farm(
        n, [&](size_t i) { return std::to_string(i) + ":" + item(i); },
        [&](const std::string& t) { return t + ":" + std::to_string(c.rank()); },
        [&](std::string&& r) {
            const size_t a = r.find(':'), b = r.rfind(':');
            const size_t i = std::stoul(r.substr(0, a));
            if (i >= n || r.substr(a + 1, b - a - 1) != item(i)) {
                ++wrong;
                return;
            }
            ++seen[i];
            ranks.insert(std::stoi(r.substr(b + 1)));
        });
    if (c.is_root()) {
        CHECK(wrong == 0);
        CHECK(std::count(seen.begin(), seen.end(), 1) == long(n));
        if (c.size() > 1) CHECK(ranks.count(0) == 0);
    }
}

TEST_CASE("task farm: a stop on a worker mid-way ends the farm; every result is whole or dropped, none twice") {
    Comm& c = *g_comm;
    const size_t n = 5000;
    std::vector<int> seen(c.is_root() ? n : 0, 0);
    size_t done = 0, dropped = 0, wrong = 0, ran_here = 0;
    // every worker is signalled at its 300th task, so that one is whatever the timing (3 workers: by the 898th task
    // done); a task takes 50 us, so that batches stay near 100 tasks and most of the 5,000 are never handed out
    c.task_farm(
        n, [](size_t i) { return std::to_string(i); },
        [&](const std::string& t) -> std::string {
            if (poll_stop()) return std::string();  // as the pipeline's work does
            const auto t0 = std::chrono::steady_clock::now();
            while (std::chrono::steady_clock::now() - t0 < std::chrono::microseconds(50)) {
            }
            if ((c.rank() > 0 || c.size() == 1) && ++ran_here == 300) request_stop(SIGTERM);
            return t;
        },
        [&](std::string&& r) {
            if (r.empty()) {
                ++dropped;
                return;
            }
            const size_t i = std::stoul(r);
            if (i >= n || seen[i]++) ++wrong;
            ++done;
        });
    CHECK_THROWS_AS(c.stop_point("kept"), AgreedError);
    if (c.is_root()) {
        CHECK(wrong == 0);
        CHECK(done >= 300);
        CHECK(done + dropped < n);  // it stopped handing out tasks
    }
    clear_stop();
}

TEST_CASE("all_or_none: one rank's error reaches every rank, once") {
    Comm& c = *g_comm;
    int last = c.size() - 1;
    try {
        c.all_or_none([&] {
            if (c.rank() == last) throw Error(ErrorKind::MalformedInput, "bad row in x.tsv", "fix it");
        });
        FAIL("no error");
    } catch (const AgreedError& e) {
        CHECK(e.origin_rank() == last);
        CHECK(std::string(e.what()) == "bad row in x.tsv");
        CHECK(e.hint() == "fix it");
        CHECK(e.kind() == ErrorKind::MalformedInput);
    }
    CHECK_NOTHROW(c.all_or_none([] {}));
}

TEST_CASE("collectives: broadcast, gather, allgather, reduce") {
    Comm& c = *g_comm;
    std::string s = c.is_root() ? "hello" : "";
    c.broadcast(s);
    CHECK(s == "hello");
    auto g = c.gather(std::to_string(c.rank()));
    if (c.is_root()) {
        REQUIRE(g.size() == size_t(c.size()));
        for (int r = 0; r < c.size(); ++r) CHECK(g[r] == std::to_string(r));
    }
    auto all = c.allgather(std::vector<double>(c.rank() + 1, double(c.rank())));
    CHECK(all.size() == size_t(c.size() * (c.size() + 1) / 2));
    std::vector<uint32_t> v(5, 1);
    c.reduce_sum_to_root(v);
    if (c.is_root()) CHECK(v == std::vector<uint32_t>(5, uint32_t(c.size())));
}

TEST_CASE("collectives: allreduce sums and minima, exclusive scan, all-to-all") {
    Comm& c = *g_comm;
    const int P = c.size(), me = c.rank();
    // sums of integers are exact whatever the order; every rank gets them
    std::vector<double> v{double(me), 1.0, double(me) * 1e15};
    c.allreduce_sum(v);
    CHECK(v[0] == double(P * (P - 1) / 2));
    CHECK(v[1] == double(P));
    CHECK(v[2] == double(P * (P - 1) / 2) * 1e15);
    const double inf = std::numeric_limits<double>::infinity();
    std::vector<double> m{double(10 - me), me == P - 1 ? -3.0 : inf, inf};  // +inf: no value
    c.allreduce_min(m);
    CHECK(m[0] == double(10 - (P - 1)));
    CHECK(m[1] == -3.0);
    CHECK(m[2] == inf);
    // the sum over the ranks below this one
    CHECK(c.exscan_sum(me + 1) == int64_t(me * (me + 1) / 2));
    // what rank r sends to rank s arrives at s from r, for every pair (self included)
    std::vector<std::string> out(static_cast<size_t>(P));
    auto message = [](int from, int to) {  // of a length that differs by sender
        return std::to_string(from) + ">" + std::to_string(to) + std::string(size_t(from), 'x');
    };
    for (int s = 0; s < P; ++s) out[size_t(s)] = message(me, s);
    const std::vector<std::string> in = c.all_to_all(out);
    REQUIRE(in.size() == size_t(P));
    for (int r = 0; r < P; ++r) CHECK(in[size_t(r)] == message(r, me));
    // empty messages beside messages of megabytes (their buffers asked for huge pages)
    auto big = [](int from, int to) {
        return (from + to) % 2 ? std::string() : std::string((size_t(5) << 20) + size_t(from), char('a' + from));
    };
    for (int s = 0; s < P; ++s) out[size_t(s)] = big(me, s);
    const std::vector<std::string> in2 = c.all_to_all(out);
    REQUIRE(in2.size() == size_t(P));
    for (int r = 0; r < P; ++r) CHECK(in2[size_t(r)] == big(r, me));
}

TEST_CASE("stop_point: a stop asked for on one rank stops every rank, with the same signal") {
    Comm& c = *g_comm;
    CHECK_NOTHROW(c.stop_point("nothing"));  // no stop: every rank goes on
    if (c.rank() == c.size() - 1) request_stop(SIGUSR1);
    try {
        c.stop_point("the samples are kept");
        FAIL("no stop");
    } catch (const AgreedError& e) {
        CHECK(e.kind() == ErrorKind::Interrupted);
        CHECK(std::string(e.what()) == "stopped by SIGUSR1; the samples are kept");
        CHECK(stop_signal() == SIGUSR1);  // settled on every rank: one exit code everywhere
    }
    clear_stop();
    c.barrier();
    CHECK_NOTHROW(c.stop_point("nothing"));
}

TEST_CASE("store: every rank writes its own (interleaved) rows collectively; any rank reads column blocks") {
    Comm& c = *g_comm;
    std::string dir = "mpi_store_test";
    if (c.is_root()) fs::create_directories(dir);
    c.barrier();
    std::string path = dir + "/t.h5mu";
    const size_t R = 13, C = 7;
    {
        ParallelMatrixWriter w(path, mpi_comm(c), {{"proteome", R, C}, {"genome", R, 3}, {"bycol", R, C}});
        // rank 0 holds no rows when there are workers, as in a real run
        std::vector<size_t> rows;
        for (size_t i = 0; i < R; ++i) {
            int owner = c.size() == 1 ? 0 : 1 + int(i % (c.size() - 1));
            if (owner == c.rank()) rows.push_back(i);
        }
        std::vector<float> data;
        for (size_t i : rows)
            for (size_t j = 0; j < C; ++j) data.push_back(float(i * 100 + j));
        w.write_rows(0, rows, data);
        CHECK(w.last_write_collective());
        // one chunk: collective MPI-IO when it is shared by two workers or more (rank 0 holds no rows)
        CHECK(w.last_write_own_chunks() == (c.size() <= 2 && mpi_comm(c) != MPI_COMM_NULL));
        std::vector<float> g;
        for (size_t i : rows)
            for (size_t j = 0; j < 3; ++j) g.push_back(float(i) + 0.5f);
        w.write_rows(1, rows, g);
        // and column blocks: each rank its own (interleaved) columns of every row
        std::vector<size_t> cols;
        for (size_t j = 0; j < C; ++j)
            if (int(j % c.size()) == c.rank()) cols.push_back(j);
        std::vector<float> byc;
        for (size_t i = 0; i < R; ++i)
            for (size_t j : cols) byc.push_back(float(j * 1000 + i));
        w.write_columns(2, cols, byc);
        CHECK(w.last_write_collective());
        w.close();
    }
    c.barrier();
    {
        MatrixReader r(path);
        CHECK(r.shape("proteome") == std::pair<size_t, size_t>{R, C});
        auto block = r.read_features("proteome", 2, 5);  // feature-major
        REQUIRE(block.size() == R * 3);
        for (size_t i = 0; i < R; ++i)
            for (size_t j = 0; j < 3; ++j) CHECK(block[j * R + i] == double(i * 100 + j + 2));
        CHECK(r.read_features("genome", 0, 3)[1 * R + 4] == 4.5);
        auto all = r.read_features("bycol", 0, C);
        for (size_t i = 0; i < R; ++i)
            for (size_t j = 0; j < C; ++j) CHECK(all[j * R + i] == double(j * 1000 + i));
    }
    c.barrier();
}

TEST_CASE("store: each rank's block of whole chunks (row_block) goes to the file from that rank, in place") {
    Comm& c = *g_comm;
    std::string dir = "mpi_store_blocks";
    if (c.is_root()) fs::create_directories(dir);
    c.barrier();
    const std::string path = dir + "/t.h5mu";
    const size_t R = 2500, C = 5;  // chunks of 1,024 rows: 1,024 + 1,024 + 452
    const MatrixSpec spec{"proteome", R, C};
    for (const int parts : {c.size(), std::max(1, c.size() - 1)}) {  // every rank, or every rank but the last
        {
            ParallelMatrixWriter w(path, mpi_comm(c), {spec});
            const auto [r0, r1] = c.rank() < parts ? row_block(spec, c.rank(), parts) : std::pair<size_t, size_t>{0, 0};
            std::vector<size_t> rows;
            std::vector<float> data;
            for (size_t i = r0; i < r1; ++i) {
                rows.push_back(i);
                for (size_t j = 0; j < C; ++j) data.push_back(float(i * 10 + j + size_t(parts)));
            }
            w.write_rows(0, rows, data);
            CHECK(w.last_write_collective());
            CHECK(w.last_write_own_chunks() == (mpi_comm(c) != MPI_COMM_NULL));
            w.close();
        }
        c.barrier();
        MatrixReader r(path);
        const auto all = r.read_features("proteome", 0, C);
        REQUIRE(all.size() == R * C);
        size_t wrong = 0;
        for (size_t i = 0; i < R; ++i)
            for (size_t j = 0; j < C; ++j) wrong += all[j * R + i] != double(i * 10 + j + size_t(parts));
        CHECK(wrong == 0);
        c.barrier();
    }
}

TEST_CASE("store: thousands of row runs of uneven lengths per rank, merged into one selection, land in place") {
    Comm& c = *g_comm;
    std::string dir = "mpi_store_runs";
    if (c.is_root()) fs::create_directories(dir);
    c.barrier();
    const std::string path = dir + "/t.h5mu";
    const size_t R = 5000, C = 5;
    std::vector<int> owner(R);
    uint32_t x = 12345;
    for (size_t i = 0; i < R;) {  // runs of 1-7 rows, each to a rank drawn at random
        x = x * 1103515245u + 12345u;
        const size_t len = 1 + (x >> 16) % 7;
        const int who = int((x >> 8) % uint32_t(c.size()));
        for (size_t k = 0; k < len && i < R; ++k) owner[i++] = who;
    }
    {
        ParallelMatrixWriter w(path, mpi_comm(c), {{"proteome", R, C}, {"bycol", C, R}});
        std::vector<size_t> mine;
        for (size_t i = 0; i < R; ++i)
            if (owner[i] == c.rank()) mine.push_back(i);
        std::vector<float> rows, cols;
        for (size_t i : mine)
            for (size_t j = 0; j < C; ++j) rows.push_back(float(i * 10 + j));
        for (size_t j = 0; j < C; ++j)
            for (size_t i : mine) cols.push_back(float(j * 100000 + i));
        w.write_rows(0, mine, rows);
        w.write_columns(1, mine, cols);
        // the blocks the ranks best write: in rank order, whole chunks of 1,024 rows, every row once
        size_t next = 0;
        for (int k = 0; k < c.size(); ++k) {
            const auto [b0, b1] = row_block({"proteome", R, C}, k, c.size());
            CHECK(b0 == next);
            CHECK(b1 >= b0);
            CHECK((b1 == R || b1 % 1024 == 0));
            next = b1;
        }
        CHECK(next == R);
        w.close();
    }
    c.barrier();
    MatrixReader r(path);
    const auto a = r.read_features("proteome", 0, C), b = r.read_features("bycol", 0, R);  // feature-major
    size_t wrong = 0;
    for (size_t i = 0; i < R; ++i)
        for (size_t j = 0; j < C; ++j)
            wrong += a[j * R + i] != double(i * 10 + j) || b[i * C + j] != double(j * 100000 + i);
    CHECK(wrong == 0);
    c.barrier();
}

TEST_CASE("subtype model: trained on rows shared over the ranks, the same fit and cross-validation as on one") {
    // 5,000 samples in 3 noisy classes (5 blocks of rows), each rank a contiguous share of whole blocks: every split
    // must give the fit of one process on all the rows, to the bit
    Comm& c = *g_comm;
    const size_t n = 5000, p = 12;
    const int k = 3, folds = 7;
    Rng rng(2027);
    Matrix X(n, p);
    std::vector<int> labels(n);
    for (size_t i = 0; i < n; ++i) {
        labels[i] = 1 + int(rng.below(3));
        for (size_t j = 0; j < p; ++j) X(i, j) = rng.normal(j % 3 == size_t(labels[i] - 1) ? 1.5 : 0.0, 1.0 + 0.1 * j);
    }
    X(17, 4) = 3e6;  // a wide range of magnitudes in one feature
    const std::vector<int> fold_of = stratified_folds(labels, folds, 5);
    const NscTraining one = nsc_train(X, 0, labels, k, fold_of, folds, 30, ShareReduce::local());
    const size_t blocks = (n + kShareBlock - 1) / kShareBlock, P = size_t(c.size()), me = size_t(c.rank());
    // uneven: rank r gets blocks in proportion to r + 1 (rank 0 the fewest, possibly none)
    std::vector<size_t> edge{0};
    for (size_t r = 0; r < P; ++r) edge.push_back(blocks * (r + 1) * (r + 2) / (P * (P + 1)));
    const size_t r0 = std::min(n, edge[me] * kShareBlock), r1 = std::min(n, edge[me + 1] * kShareBlock);
    Matrix mine(r1 - r0, p);
    std::copy(X.data.begin() + long(r0 * p), X.data.begin() + long(r1 * p), mine.data.begin());
    const ShareReduce reduce{[&](std::vector<double>& v) { c.allreduce_sum(v); },
                             [&](std::vector<double>& v) { c.allreduce_max(v); }};
    const NscTraining shared = nsc_train(mine, r0, labels, k, fold_of, folds, 30, reduce);
    CHECK(shared.fit.centroid == one.fit.centroid);
    CHECK(shared.fit.overall == one.fit.overall);
    CHECK(shared.fit.sd == one.fit.sd);
    CHECK(shared.fit.prior == one.fit.prior);
    CHECK(shared.thresholds == one.thresholds);
    CHECK(shared.cv_error == one.cv_error);
    CHECK(shared.cv_log_loss == one.cv_log_loss);
    // and the same as the plain two-pass arithmetic, to rounding
    const NscFit plain = nsc_fit(X, labels, k);
    for (size_t j = 0; j < p; ++j) CHECK(shared.fit.sd[j] == Approx(plain.sd[j]).epsilon(1e-12));
    CHECK(*std::min_element(shared.cv_error.begin(), shared.cv_error.end()) < 0.35);
    // a share that does not start at a block's first row is refused (every rank alike)
    Matrix odd(3, p);
    CHECK_THROWS_AS(nsc_train(odd, 7, labels, k, fold_of, folds, 30, ShareReduce::local()), Error);
}

int main(int argc, char** argv) {
    Comm comm(argc, argv);
    g_comm = &comm;
    // each rank reports; mpirun fails if any rank fails
    int result = Catch::Session().run(argc, argv);
    std::vector<double> failed{result ? 1.0 : 0.0};
    comm.allreduce_sum(failed);
    return failed[0] > 0 ? 1 : 0;
}
