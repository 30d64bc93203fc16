#include "parallel/comm.hpp"
#include "parallel/mpi_comm.hpp"

#include <boost/mpi.hpp>
#include <boost/serialization/string.hpp>
#include <boost/serialization/vector.hpp>
#include <chrono>
#include <climits>
#include <csignal>
#include <cstdlib>
#include <thread>

#include "core/signals.hpp"

#if defined(__SANITIZE_ADDRESS__)
#define PRECIS_LSAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PRECIS_LSAN 1
#endif
#endif
#ifdef PRECIS_LSAN
#include <sanitizer/lsan_interface.h>
#endif

namespace mpi = boost::mpi;

namespace precis {
namespace {
// Under LeakSanitizer (a PRECIS_SANITIZE build), what MPI allocates while it starts and stops is its own: Open MPI
// keeps such memory until exit by design, partly in plug-ins it unloads, where no suppression can name it.
// For the same reason the leak check runs just before MPI_Finalize (~Comm) rather than at exit: the plug-ins are
// still loaded then, so LSan's suppressions (tests/sanitizers/lsan.supp) can name the library of any memory MPI's
// own threads let go of, even from the one frame that fast unwinding gives. Everything precis allocated has been
// freed or is still reachable by then (the Comm outlives the rest of main).
struct MpiOwnAllocations {
#ifdef PRECIS_LSAN
    MpiOwnAllocations() { __lsan_disable(); }
    ~MpiOwnAllocations() { __lsan_enable(); }
#endif
};
}  // namespace

struct Comm::Impl {
    mpi::environment env;
    mpi::communicator world;
    Impl(int& argc, char**& argv) : env(argc, argv, mpi::threading::funneled) {}
};

namespace {
// Variables that MPI launchers set in every process they start (Open MPI, PMIx, PMI-1/2 as used by srun and MPICH).
bool started_by_mpi_launcher() {
    for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE", "MPI_LOCALNRANKS"})
        if (std::getenv(v)) return true;
    return false;
}
}  // namespace

Comm::Comm(int& argc, char**& argv) {
    if (!started_by_mpi_launcher()) return;
    [[maybe_unused]] MpiOwnAllocations mpi_own;
    impl_ = std::make_unique<Impl>(argc, argv);
    if (impl_->env.thread_level() < mpi::threading::funneled)  // the same on every rank: each says so and stops
        throw Error(ErrorKind::Config,
                    "this MPI library gives precis no thread support (thread level 'single'); precis needs "
                    "'funneled': one thread of a rank calls MPI while OpenMP threads compute",
                    "use an MPI library built with thread support (Open MPI, MPICH and Intel MPI are), or run precis "
                    "as one process without mpirun");
    rank_ = impl_->world.rank();
    size_ = impl_->world.size();
}

Comm::~Comm() {
#ifdef PRECIS_LSAN
    if (impl_) __lsan_do_leak_check();
#endif
    [[maybe_unused]] MpiOwnAllocations mpi_own;
    impl_.reset();
}

struct CommAccess {
    static MPI_Comm raw(const Comm& c) { return c.impl_ ? static_cast<MPI_Comm>(c.impl_->world) : MPI_COMM_NULL; }
};

MPI_Comm mpi_comm(const Comm& comm) { return CommAccess::raw(comm); }

void Comm::barrier() {
    if (impl_) impl_->world.barrier();
}

void Comm::broadcast(std::string& s) {
    if (size_ > 1) mpi::broadcast(impl_->world, s, 0);
}
void Comm::broadcast(std::vector<int64_t>& v) {
    if (size_ > 1) mpi::broadcast(impl_->world, v, 0);
}

void Comm::broadcast(std::vector<double>& v) {
    if (size_ > 1) mpi::broadcast(impl_->world, v, 0);
}

std::vector<std::string> Comm::gather(const std::string& mine) {
    std::vector<std::string> out;
    if (size_ == 1) return {mine};
    mpi::gather(impl_->world, mine, out, 0);
    return out;
}

namespace {
template <class T>
std::vector<T> concatenated(const std::vector<std::vector<T>>& parts) {
    std::vector<T> out;
    for (auto& p : parts) out.insert(out.end(), p.begin(), p.end());
    return out;
}

// every rank's vector, concatenated in rank order: on every rank (root < 0) or on `root` only
template <class T>
std::vector<T> gathered(mpi::communicator& world, const std::vector<T>& mine, int root) {
    std::vector<std::vector<T>> parts;
    if (root < 0)
        mpi::all_gather(world, mine, parts);
    else
        mpi::gather(world, mine, parts, root);
    return concatenated(parts);
}
}  // namespace

std::vector<double> Comm::allgather(const std::vector<double>& mine) {
    return size_ == 1 ? mine : gathered(impl_->world, mine, -1);
}

std::vector<uint8_t> Comm::allgather(const std::vector<uint8_t>& mine) {
    return size_ == 1 ? mine : gathered(impl_->world, mine, -1);
}

std::vector<uint32_t> Comm::gather(const std::vector<uint32_t>& mine) {
    return size_ == 1 ? mine : gathered(impl_->world, mine, 0);
}


namespace {
template <class T>
void reduce_slices(std::vector<T>& v, MPI_Datatype type, int rank, MPI_Comm comm) {
    // MPI counts are int: reduce in slices
    const size_t slice = size_t(1) << 28;
    for (size_t off = 0; off < v.size(); off += slice) {
        int n = static_cast<int>(std::min(slice, v.size() - off));
        if (rank == 0)
            MPI_Reduce(MPI_IN_PLACE, v.data() + off, n, type, MPI_SUM, 0, comm);
        else
            MPI_Reduce(v.data() + off, nullptr, n, type, MPI_SUM, 0, comm);
    }
}
}  // namespace

std::vector<std::string> Comm::all_to_all(const std::vector<std::string>& to_each) {
    if (size_ == 1) return to_each;
    std::vector<std::string> got;
    mpi::all_to_all(impl_->world, to_each, got);
    return got;
}

int64_t Comm::exscan_sum(int64_t v) {
    if (size_ == 1) return 0;
    long long in = v, out = 0;
    MPI_Exscan(&in, &out, 1, MPI_LONG_LONG, MPI_SUM, mpi_comm(*this));
    return rank_ == 0 ? 0 : int64_t(out);
}

void Comm::reduce_sum_to_root(std::vector<uint32_t>& v) {
    if (size_ > 1) reduce_slices(v, MPI_UINT32_T, rank_, mpi_comm(*this));
}

void Comm::reduce_sum_to_root(std::vector<double>& v) {
    if (size_ > 1) reduce_slices(v, MPI_DOUBLE, rank_, mpi_comm(*this));
}

namespace {
void allreduce_slices(std::vector<double>& v, MPI_Op op, MPI_Comm comm) {
    const size_t slice = size_t(1) << 28;  // MPI counts are int
    for (size_t off = 0; off < v.size(); off += slice) {
        int n = static_cast<int>(std::min(slice, v.size() - off));
        MPI_Allreduce(MPI_IN_PLACE, v.data() + off, n, MPI_DOUBLE, op, comm);
    }
}
}  // namespace

void Comm::allreduce_sum(std::vector<double>& v) {
    if (size_ > 1) allreduce_slices(v, MPI_SUM, mpi_comm(*this));
}

void Comm::allreduce_min(std::vector<double>& v) {
    if (size_ > 1) allreduce_slices(v, MPI_MIN, mpi_comm(*this));
}

void Comm::all_or_none(const std::function<void()>& body) {
    // encoded error: kind, message, hint
    int kind = -1;
    std::string msg, hint;
    try {
        body();
    } catch (const AgreedError&) {
        throw;
    } catch (const Error& e) {
        kind = static_cast<int>(e.kind());
        msg = e.what();
        hint = e.hint();
    } catch (const std::exception& e) {
        kind = static_cast<int>(ErrorKind::Internal);
        msg = e.what();
    }
    if (size_ == 1) {
        if (kind >= 0) throw AgreedError(Error(static_cast<ErrorKind>(kind), msg, hint), 0);
        return;
    }
    std::vector<int> kinds;
    mpi::all_gather(impl_->world, kind, kinds);
    int origin = -1;
    for (int r = 0; r < size_; ++r)
        if (kinds[r] >= 0) {
            origin = r;
            break;
        }
    if (origin < 0) return;
    std::pair<std::string, std::string> payload{msg, hint};
    mpi::broadcast(impl_->world, payload.first, origin);
    mpi::broadcast(impl_->world, payload.second, origin);
    throw AgreedError(Error(static_cast<ErrorKind>(kinds[origin]), payload.first, payload.second), origin);
}

namespace {
enum Tag { TAG_HELLO = 1, TAG_RESULT = 2, TAG_TASK = 3, TAG_STOP = 4, TAG_INTERRUPT = 5, TAG_STOPPING = 6 };

mpi::communicator* g_farm_world = nullptr;  // a worker's world while it runs a task farm's task (for the poller)

// A worker's stop poller: has rank 0 said to stop?
bool interrupt_from_root() {
    if (!g_farm_world || !g_farm_world->iprobe(0, TAG_INTERRUPT)) return false;
    std::string none;
    g_farm_world->recv(0, TAG_INTERRUPT, none);
    return true;
}
}  // namespace

void Comm::task_farm(size_t n_tasks, const std::function<std::string(size_t)>& make_task,
                     const std::function<std::string(const std::string&)>& work,
                     const std::function<void(std::string&&)>& on_result) {
    if (size_ == 1) {
        for (size_t i = 0; i < n_tasks && !poll_stop(); ++i) on_result(work(make_task(i)));
        return;
    }
    auto& w = impl_->world;
    if (rank_ == 0) {
        size_t next = 0;
        int active = size_ - 1;
        std::vector<bool> busy(size_t(size_), false);
        bool stopping = false;
        while (active > 0) {
            if (!stopping && stop_requested()) {  // no more tasks; busy workers drop theirs
                stopping = true;
                for (int r = 1; r < size_; ++r)
                    if (busy[size_t(r)]) w.send(r, TAG_INTERRUPT, std::string());  // every message is a string
            }
            // poll, so that a signal is noticed while every worker is busy
            boost::optional<mpi::status> ready = w.iprobe(mpi::any_source, mpi::any_tag);
            if (!ready) {
                std::this_thread::sleep_for(std::chrono::milliseconds(1));
                continue;
            }
            std::string msg;
            mpi::status st = w.recv(ready->source(), ready->tag(), msg);
            busy[size_t(st.source())] = false;
            if (st.tag() == TAG_RESULT || st.tag() == TAG_STOPPING) on_result(std::move(msg));
            if (st.tag() == TAG_STOPPING && !stop_requested()) request_stop(SIGTERM);  // a worker was signalled
            if (!stopping && !stop_requested() && next < n_tasks) {
                w.send(st.source(), TAG_TASK, make_task(next++));
                busy[size_t(st.source())] = true;
            } else {
                w.send(st.source(), TAG_STOP, std::string());
                --active;
            }
        }
    } else {
        w.send(0, TAG_HELLO, std::string());
        g_farm_world = &w;
        set_stop_poller(interrupt_from_root);
        while (true) {
            std::string task;
            mpi::status st = w.recv(0, mpi::any_tag, task);
            if (st.tag() == TAG_INTERRUPT) {  // rank 0 is stopping; its STOP follows
                request_stop(SIGTERM);
                continue;
            }
            if (st.tag() == TAG_STOP) break;
            std::string result = work(task);
            w.send(0, stop_requested() ? TAG_STOPPING : TAG_RESULT, result);
        }
        set_stop_poller(nullptr);
        g_farm_world = nullptr;
    }
}

int Comm::agree_stop() {
    if (size_ == 1) return stop_signal();
    std::vector<int> all;
    mpi::all_gather(impl_->world, stop_received() * 256 + stop_signal(), all);
    // a signal a rank received beats a stop passed on; the first rank's, on every rank: one exit code
    for (int pass : {0, 1})
        for (int s : all) {
            const int sig = pass == 0 ? s / 256 : s % 256;
            if (sig != 0) {
                settle_stop(sig);
                return sig;
            }
        }
    return 0;
}

void Comm::stop_point(const std::string& what_is_kept) {
    const int s = agree_stop();
    if (s == 0) return;
    throw AgreedError(Error(ErrorKind::Interrupted,
                            std::string("stopped by ") + (s == SIGINT ? "SIGINT" : s == SIGUSR1 ? "SIGUSR1" : "SIGTERM") +
                                "; " + what_is_kept,
                            "run the same command again to resume"),
                      0);
}

void Comm::abort(int code) {
    if (!impl_) std::exit(code);
    impl_->env.abort(code);
    std::abort();  // MPI_Abort does not return; this tells the compiler so
}

}  // namespace precis
