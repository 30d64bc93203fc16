#include "parallel/comm.hpp"
#include "parallel/mpi_comm.hpp"

#include <boost/mpi.hpp>
#include <boost/serialization/string.hpp>
#include <boost/serialization/vector.hpp>
#include <algorithm>
#include <chrono>
#include <climits>
#include <cstring>
#include <iterator>
#include <list>
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
    mpi::communicator exchange;  // a duplicate of world for all_to_all's point-to-point messages: tags of its own
    Impl(int& argc, char**& argv)
        : env(argc, argv, mpi::threading::funneled), exchange(world, mpi::comm_duplicate) {}
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

namespace {
// A container's bytes from rank 0 as they are, its length first: Boost.MPI's broadcast serialises the container
// through a packed archive, copying it twice and at a few tens of MB/s (a 100,000-sample cohort's 1.6 MB of row flags
// took ~50 ms). Slices of at most 1 GiB: MPI counts are int.
template <class C>
void broadcast_bytes(C& v, MPI_Comm comm, int rank) {
    unsigned long long n = v.size();
    MPI_Bcast(&n, 1, MPI_UNSIGNED_LONG_LONG, 0, comm);
    if (rank != 0) v.resize(size_t(n));
    char* bytes = reinterpret_cast<char*>(v.data());
    const size_t total = size_t(n) * sizeof(typename C::value_type), slice = size_t(1) << 30;
    for (size_t at = 0; at < total; at += slice)
        MPI_Bcast(bytes + at, int(std::min(slice, total - at)), MPI_BYTE, 0, comm);
}
}  // namespace

void Comm::broadcast(std::string& s) {
    if (size_ > 1) broadcast_bytes(s, mpi_comm(*this), rank_);
}
void Comm::broadcast(std::vector<int64_t>& v) {
    if (size_ > 1) broadcast_bytes(v, mpi_comm(*this), rank_);
}

void Comm::broadcast(std::vector<double>& v) {
    if (size_ > 1) broadcast_bytes(v, mpi_comm(*this), rank_);
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
    all_to_all(to_each, got);
    return got;
}

void Comm::all_to_all(const std::vector<std::string>& to_each, std::vector<std::string>& got) {
    if (size_ == 1) {
        got = to_each;
        return;
    }
    if (to_each.size() != size_t(size_)) throw Error(ErrorKind::Internal, "all_to_all: one message per rank needed");
    // The sizes first, then every pair's bytes straight from and into the strings (no packed copy), in pieces
    // whose counts fit an int however large the messages (the store's rows moved between ranks reach gigabytes).
    const auto P = size_t(size_);
    MPI_Comm c = impl_->exchange;
    std::vector<unsigned long long> out_sizes(P), in_sizes(P);
    for (size_t r = 0; r < P; ++r) out_sizes[r] = to_each[r].size();
    MPI_Alltoall(out_sizes.data(), 1, MPI_UNSIGNED_LONG_LONG, in_sizes.data(), 1, MPI_UNSIGNED_LONG_LONG, c);
    got.resize(P);
    const size_t piece = size_t(1) << 30;
    std::vector<MPI_Request> requests;
    for (size_t r = 0; r < P; ++r) {
        if (int(r) == rank_) {
            got[r] = to_each[r];
            continue;
        }
        got[r].resize(in_sizes[r]);  // within its capacity where `got` is used again
        for (size_t at = 0, tag = 0; at < in_sizes[r]; at += piece, ++tag) {
            requests.emplace_back();
            MPI_Irecv(got[r].data() + at, int(std::min<size_t>(piece, in_sizes[r] - at)), MPI_CHAR, int(r), int(tag),
                      c, &requests.back());
        }
    }
    for (size_t r = 0; r < P; ++r) {
        if (int(r) == rank_) continue;
        for (size_t at = 0, tag = 0; at < out_sizes[r]; at += piece, ++tag) {
            requests.emplace_back();
            MPI_Isend(to_each[r].data() + at, int(std::min<size_t>(piece, out_sizes[r] - at)), MPI_CHAR, int(r),
                      int(tag), c, &requests.back());
        }
    }
    MPI_Waitall(int(requests.size()), requests.data(), MPI_STATUSES_IGNORE);
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

void Comm::allreduce_max(std::vector<double>& v) {
    if (size_ > 1) allreduce_slices(v, MPI_MAX, mpi_comm(*this));
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

// The task farm's messages are raw bytes (MPI_BYTE): a batch is its items, each a little-endian uint64 length and
// its bytes; a result batch starts with the seconds its worker spent on the batch (a double).
void put_u64(std::string& out, uint64_t v) {
    char b[8];
    for (int i = 0; i < 8; ++i) b[i] = char((v >> (8 * i)) & 0xff);
    out.append(b, 8);
}
uint64_t get_u64(const std::string& in, size_t& at) {
    if (in.size() - at < 8) throw Error(ErrorKind::Internal, "task farm: a batch message is cut short");
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v |= uint64_t(uint8_t(in[at + size_t(i)])) << (8 * i);
    at += 8;
    return v;
}
void put_item(std::string& out, const std::string& item) {
    put_u64(out, item.size());
    out += item;
}
std::string get_item(const std::string& in, size_t& at) {
    const uint64_t n = get_u64(in, at);
    if (in.size() - at < n) throw Error(ErrorKind::Internal, "task farm: a batch message is cut short");
    std::string s = in.substr(at, size_t(n));
    at += size_t(n);
    return s;
}

int message_count(size_t bytes) {
    if (bytes > size_t(INT_MAX))
        throw Error(ErrorKind::Internal, "task farm: a batch of " + std::to_string(bytes) + " bytes is over MPI's 2 GiB",
                    "report this: a single task or result this large should not be sent through the task farm");
    return int(bytes);
}

// Receives the message that a probe found (its size from the status) into a string.
std::string receive(MPI_Comm comm, const MPI_Status& probed) {
    int count = 0;
    MPI_Get_count(&probed, MPI_BYTE, &count);
    std::string msg(size_t(count), '\0');
    MPI_Recv(msg.empty() ? nullptr : &msg[0], count, MPI_BYTE, probed.MPI_SOURCE, probed.MPI_TAG, comm,
             MPI_STATUS_IGNORE);
    return msg;
}

MPI_Comm g_farm_world = MPI_COMM_NULL;  // a worker's world while it runs a task farm's task (for the poller)

// A worker's stop poller: has rank 0 said to stop?
bool interrupt_from_root() {
    if (g_farm_world == MPI_COMM_NULL) return false;
    int flag = 0;
    MPI_Status st;
    MPI_Iprobe(0, TAG_INTERRUPT, g_farm_world, &flag, &st);
    if (!flag) return false;
    receive(g_farm_world, st);
    return true;
}

// Rank 0's wait for the next message when none is there: yield for a while, then sleep for lengthening spells (up
// to 1 ms), so that it notices a signal within a millisecond without holding a core that workers on its node could
// use. A blocking receive could not notice a signal at all. Throughput does not hang on this wait: every worker
// has two batches of at least a few milliseconds' work queued (see the batch size below).
class IdleWait {
public:
    void reset() { idle_ = 0; }
    void wait() {
        if (++idle_ < 64) {
            std::this_thread::yield();
            return;
        }
        const long us = std::min(1000L, 10L << std::min(7L, (idle_ - 64) / 16));
        std::this_thread::sleep_for(std::chrono::microseconds(us));
    }

private:
    long idle_ = 0;
};
}  // namespace

// The task farm. Rank 0 keeps up to kDepth batches in flight per worker, so a worker starts its next batch as soon
// as it sends the results of one; a batch holds as many tasks as take about kBatchSeconds by the running mean of
// the workers' own timings (one task at first), at most kMaxBatch, and no more than the remaining tasks' share for
// twice as many batches as there are workers, so that the last tasks are spread rather than left queued behind
// one worker. Results come back one message per batch.
void Comm::task_farm(size_t n_tasks, const std::function<std::string(size_t)>& make_task,
                     const std::function<std::string(const std::string&)>& work,
                     const std::function<void(std::string&&)>& on_result) {
    if (size_ == 1) {
        for (size_t i = 0; i < n_tasks && !poll_stop(); ++i) on_result(work(make_task(i)));
        return;
    }
    constexpr int kDepth = 2;
    constexpr double kBatchSeconds = 0.005;
    constexpr size_t kMaxBatch = 4096;
    // a communicator of the farm's own: a worker that has finished and gone on to the next farm says hello there,
    // never to a rank 0 still busy with this one
    MPI_Comm w = MPI_COMM_NULL;
    MPI_Comm_dup(mpi_comm(*this), &w);
    struct FreeComm {
        MPI_Comm* c;
        ~FreeComm() { MPI_Comm_free(c); }
    } free_comm{&w};
    if (rank_ == 0) {
        struct Sending {  // an isend and its buffer, which must stay where it is until the send completes (a list's
            MPI_Request request;  // elements never move; a short string's bytes would move with it in a vector)
            std::string bytes;
        };
        struct Worker {
            int batches = 0;             // in flight
            bool stopped = false;        // sent TAG_STOP
            std::list<Sending> sending;  // isends not known to be complete
        };
        std::vector<Worker> workers(static_cast<size_t>(size_));
        size_t next = 0, done_tasks = 0;
        double done_seconds = 0;
        int active = size_ - 1;
        bool stopping = false;
        IdleWait idle;
        const size_t n_workers = size_t(size_ - 1);
        auto batch_size = [&]() -> size_t {
            if (done_tasks == 0) return 1;
            const double per_task = done_seconds / double(done_tasks);
            size_t b = per_task <= 0 ? kMaxBatch : size_t(std::min(double(kMaxBatch), kBatchSeconds / per_task));
            b = std::min(b, (n_tasks - next) / (kDepth * n_workers));
            return std::max<size_t>(b, 1);
        };
        auto reap = [](Worker& wk) {  // forget the sends that have completed
            for (auto it = wk.sending.begin(); it != wk.sending.end();) {
                int flag = 0;
                MPI_Test(&it->request, &flag, MPI_STATUS_IGNORE);
                it = flag ? wk.sending.erase(it) : std::next(it);
            }
        };
        auto send_to = [&](int r, int tag, std::string&& msg) {
            Worker& wk = workers[size_t(r)];
            reap(wk);
            Sending& s = wk.sending.emplace_back(Sending{MPI_REQUEST_NULL, std::move(msg)});
            MPI_Isend(s.bytes.empty() ? nullptr : &s.bytes[0], message_count(s.bytes.size()), MPI_BYTE, r, tag, w,
                      &s.request);
        };
        auto refill = [&](int r) {
            Worker& wk = workers[size_t(r)];
            while (!stopping && !stop_requested() && next < n_tasks && wk.batches < kDepth) {
                std::string batch;
                for (size_t k = batch_size(); k > 0 && next < n_tasks; --k) put_item(batch, make_task(next++));
                send_to(r, TAG_TASK, std::move(batch));
                ++wk.batches;
            }
            if (!wk.stopped && wk.batches == 0 && (stopping || stop_requested() || next >= n_tasks)) {
                send_to(r, TAG_STOP, std::string());
                wk.stopped = true;
                --active;
            }
        };
        while (active > 0) {
            if (!stopping && stop_requested()) {  // no more tasks; busy workers drop theirs
                stopping = true;
                for (int r = 1; r < size_; ++r)
                    if (workers[size_t(r)].batches > 0) send_to(r, TAG_INTERRUPT, std::string());
            }
            int flag = 0;
            MPI_Status st;
            MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, w, &flag, &st);
            if (!flag) {
                idle.wait();
                continue;
            }
            idle.reset();
            const std::string msg = receive(w, st);
            const int r = st.MPI_SOURCE;
            if (st.MPI_TAG == TAG_RESULT || st.MPI_TAG == TAG_STOPPING) {
                Worker& wk = workers[size_t(r)];
                --wk.batches;
                size_t at = 0;
                const uint64_t secs_bits = get_u64(msg, at);
                double secs = 0;
                std::memcpy(&secs, &secs_bits, sizeof secs);
                size_t n_results = 0;
                while (at < msg.size()) {
                    on_result(get_item(msg, at));
                    ++n_results;
                }
                done_tasks += n_results;
                done_seconds += secs;
                if (st.MPI_TAG == TAG_STOPPING && !stop_requested()) request_stop(SIGTERM);  // a worker was signalled
            }
            refill(r);
        }
        for (Worker& wk : workers)
            for (Sending& s : wk.sending) MPI_Wait(&s.request, MPI_STATUS_IGNORE);
    } else {
        MPI_Send(nullptr, 0, MPI_BYTE, 0, TAG_HELLO, w);
        g_farm_world = w;
        set_stop_poller(interrupt_from_root);
        while (true) {
            MPI_Status st;
            MPI_Probe(0, MPI_ANY_TAG, w, &st);
            const std::string batch = receive(w, st);
            if (st.MPI_TAG == TAG_INTERRUPT) {  // rank 0 is stopping; its STOP follows
                request_stop(SIGTERM);
                continue;
            }
            if (st.MPI_TAG == TAG_STOP) break;
            const auto t0 = std::chrono::steady_clock::now();
            std::string results;
            put_u64(results, 0);  // the seconds, filled in below
            for (size_t at = 0; at < batch.size();) {
                const std::string task = get_item(batch, at);
                // once a stop is asked for, the batch's other tasks are dropped (an empty result), to be done on resume
                put_item(results, poll_stop() ? std::string() : work(task));
            }
            const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
            uint64_t bits = 0;
            std::memcpy(&bits, &secs, sizeof bits);
            std::string head;
            put_u64(head, bits);
            results.replace(0, 8, head);
            MPI_Send(&results[0], message_count(results.size()), MPI_BYTE, 0,
                     stop_requested() ? TAG_STOPPING : TAG_RESULT, w);
        }
        set_stop_poller(nullptr);
        g_farm_world = MPI_COMM_NULL;
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
