#include "core/signals.hpp"

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <initializer_list>

#include <sys/prctl.h>
#include <unistd.h>

namespace precis {

namespace {
std::atomic<int> g_received{0};   // a signal this process received
std::atomic<int> g_requested{0};  // a stop asked for by the program (another rank's signal, a failing journal)
bool (*g_poller)() = nullptr;
std::chrono::steady_clock::time_point g_last_poll;

extern "C" void on_stop_signal(int sig) {
    int none = 0;
    g_received.compare_exchange_strong(none, sig);  // the first signal decides the exit code
}
}  // namespace

void install_stop_handlers() {
    struct sigaction sa {};
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;  // system calls (file reads, MPI's polling) carry on; the run checks the flag
    for (int s : {SIGTERM, SIGINT, SIGUSR1}) sigaction(s, &sa, nullptr);
    // A rank started by a launcher (mpirun, srun) stops as on SIGTERM when the launcher dies: Open MPI starts ranks
    // in process groups of their own, so a `kill -9` of mpirun reached none of them, and they ran on holding the
    // output folder's lock. A process started on its own keeps running when its shell goes (nohup).
    const bool launched = std::getenv("OMPI_COMM_WORLD_SIZE") || std::getenv("PMIX_RANK") || std::getenv("PMI_RANK");
    if (launched) {
        const pid_t parent = getppid();
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        // it died before the line above. (A parent of pid 1 is no sign: in a container the launcher is pid 1, and a
        // rank whose launcher had already gone cannot get through MPI's start-up anyway.)
        if (getppid() != parent) on_stop_signal(SIGTERM);
    }
}

bool stop_requested() {
    return g_received.load(std::memory_order_relaxed) != 0 || g_requested.load(std::memory_order_relaxed) != 0;
}

void request_stop(int signal) {
    int none = 0;
    g_requested.compare_exchange_strong(none, signal);
}

void settle_stop(int signal) { g_received.store(signal); }

void clear_stop() {
    g_received.store(0);
    g_requested.store(0);
}

int stop_signal() { return g_received.load() ? g_received.load() : g_requested.load(); }

int stop_received() { return g_received.load(); }

int stop_exit_code(int signal) { return signal == SIGINT ? 130 : 143; }  // 0 (no signal): as SIGTERM

void set_stop_poller(bool (*poller)()) { g_poller = poller; }

bool poll_stop() {
    if (stop_requested()) return true;
    if (!g_poller) return false;
    const auto now = std::chrono::steady_clock::now();
    if (now - g_last_poll < std::chrono::milliseconds(50)) return false;
    g_last_poll = now;
    if (g_poller()) request_stop(SIGTERM);
    return stop_requested();
}

void test_kill_point(const char* point, int rank) {
    static const char* spec = std::getenv("PRECIS_TEST_KILL");
    if (!spec) return;
    static std::atomic<long> passed{0};
    char name[32] = {0}, where[16] = {0};
    long n = 0;
    int sig = 0;
    if (std::sscanf(spec, "%31[a-z]:%ld:%d:%15[0-9w]", name, &n, &sig, where) < 3 || std::strcmp(name, point) != 0)
        return;
    if (where[0] == 'w' ? rank == 0 : where[0] && std::atoi(where) != rank) return;
    if (passed.fetch_add(1) + 1 == n) std::raise(sig);
}

}  // namespace precis
