// The one module that talks MPI (through Boost.MPI). Everything else asks it for named operations: hand out tasks,
// broadcast, gather, sum counts. With a single process every operation is a local no-op or a local loop, so a
// one-process run uses exactly the same code paths.
// <mpi.h> stays out of this header: the one place that hands MPI's communicator on (to parallel HDF5) is
// mpi_comm.hpp.
#pragma once
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/error.hpp"

namespace precis {

// An error every rank has agreed on (raised on all ranks together): report once on rank 0, exit normally.
class AgreedError : public Error {
public:
    explicit AgreedError(const Error& e, int origin_rank) : Error(e), origin_(origin_rank) {}
    int origin_rank() const { return origin_; }

private:
    int origin_;
};

// Work shared among the workers: every rank but 0 when there are others, rank 0 when it is alone. A rank's part
// `part` of `parts`; rank 0 beside workers holds none.
struct WorkerPart {
    bool holds = true;
    size_t part = 0, parts = 1;
};
inline WorkerPart worker_part(int rank, int ranks) {
    if (ranks <= 1) return {};
    if (rank == 0) return {false, 0, size_t(ranks - 1)};
    return {true, size_t(rank - 1), size_t(ranks - 1)};
}

class Comm {
public:
    // Initialises MPI (thread level FUNNELED: only the main thread calls MPI or HDF5; OpenMP computes) when the
    // process was started by an MPI launcher (mpirun, mpiexec, srun). A process started on its own runs without
    // MPI at all: one rank, every operation local, raw() is MPI_COMM_NULL. (Open MPI's own start-up of a lone
    // process costs about half a second.)
    Comm(int& argc, char**& argv);
    ~Comm();
    Comm(const Comm&) = delete;
    Comm& operator=(const Comm&) = delete;

    int rank() const { return rank_; }
    int size() const { return size_; }
    bool is_root() const { return rank_ == 0; }
    bool uses_mpi() const { return impl_ != nullptr; }

    void barrier();
    void broadcast(std::string& s);                 // from rank 0
    void broadcast(std::vector<int64_t>& v);        // from rank 0
    void broadcast(std::vector<double>& v);         // from rank 0
    // rank 0 receives every rank's string, in rank order; other ranks get an empty vector
    std::vector<std::string> gather(const std::string& mine);
    // every rank receives the concatenation of every rank's vector, in rank order
    std::vector<double> allgather(const std::vector<double>& mine);
    std::vector<uint8_t> allgather(const std::vector<uint8_t>& mine);
    // rank 0 receives the concatenation of every rank's vector, in rank order; other ranks get an empty vector
    std::vector<uint32_t> gather(const std::vector<uint32_t>& mine);
    // to_each[r] goes to rank r; returns what each rank sent to this one, by rank
    std::vector<std::string> all_to_all(const std::vector<std::string>& to_each);
    // the same into `got`, whose strings keep their memory from one call to the next (no fresh pages each round)
    void all_to_all(const std::vector<std::string>& to_each, std::vector<std::string>& got);
    // sum of `v` over the ranks below this one (0 on rank 0)
    int64_t exscan_sum(int64_t v);
    // element-wise sum onto rank 0 (other ranks' vectors are left unspecified)
    void reduce_sum_to_root(std::vector<uint32_t>& v);
    // the same for doubles; exact (so independent of the order of summation) while the values are integers
    void reduce_sum_to_root(std::vector<double>& v);
    // element-wise sum onto every rank; exact under the same condition (ExactSum parts are such integers)
    void allreduce_sum(std::vector<double>& v);
    // element-wise minimum onto every rank (use +infinity for "no value")
    void allreduce_min(std::vector<double>& v);
    void allreduce_max(std::vector<double>& v);  // element-wise maximum onto every rank

    // Runs `body` on every rank, then agrees: if it threw on any rank, every rank throws AgreedError carrying the
    // lowest such rank's error. `body` must not call collectives after a point where it may throw on one rank only.
    void all_or_none(const std::function<void()>& body);

    // Master/worker: rank 0 hands task i (made by make_task(i)) to whichever worker asks next; the worker runs
    // work(task) and sends the result back; rank 0 passes it to on_result. With one rank, rank 0 does it all.
    // Tasks go out in batches (sized to a few milliseconds of work, two per worker in flight) and results come back
    // one message per batch, in task order within it; across batches, in the order they arrive.
    // Workers never abort over a task: work() must turn a task's failure into a result.
    // Stops early when a stop is requested (core/signals) on rank 0 or on a worker: no more tasks go out, busy
    // workers are told (poll_stop() turns true in their work()), the rest of their batches are dropped (an empty
    // result), and every result that comes back is still passed to on_result. Call stop_point() afterwards.
    void task_farm(size_t n_tasks, const std::function<std::string(size_t)>& make_task,
                   const std::function<std::string(const std::string&)>& work,
                   const std::function<void(std::string&&)>& on_result);

    // The first signal any rank received (in rank order), or 0; every rank then counts as stopped. Collective.
    int agree_stop();
    // Collective: if any rank was asked to stop, every rank throws AgreedError(Interrupted) saying so and what is
    // kept (e.g. "finished samples are in the journal").
    void stop_point(const std::string& what_is_kept);

    [[noreturn]] void abort(int code);

private:
    friend struct CommAccess;
    struct Impl;
    std::unique_ptr<Impl> impl_;
    int rank_ = 0, size_ = 1;
};

}  // namespace precis
