// Stopping cleanly on a signal. SIGTERM (the scheduler's or kill's), SIGINT (Ctrl-C) and SIGUSR1 (what Slurm sends
// before a time limit with --signal) only set a flag here; the run checks it at safe points, saves what is finished
// and exits with 128 + the signal's usual number (130 for SIGINT, 143 for SIGTERM and SIGUSR1).
#pragma once

namespace precis {

// Installs the handlers (once per process).
void install_stop_handlers();

// Whether a stop was asked for: by a signal to this process, or by request_stop (e.g. another rank said so).
// Cheap and thread-safe: long loops may call it often.
bool stop_requested();

// Asks this process to stop as if it had received `signal` (a stop already asked for keeps its signal).
void request_stop(int signal);
// The signal every rank agreed on: it decides the exit code everywhere.
void settle_stop(int signal);
// Forgets any stop (tests).
void clear_stop();

// The signal that asked for the stop (0 if none), and the exit code it implies (130 SIGINT, else 143).
// stop_received() is only a signal this process itself received.
int stop_signal();
int stop_received();
int stop_exit_code(int signal);

// A hook that polls for a stop asked for elsewhere (another rank); called by poll_stop() from the main thread at
// most every 50 ms. Null removes it.
void set_stop_poller(bool (*poller)());

// Main thread only: stop_requested(), after giving the poller a chance.
bool poll_stop();

// Fault injection for the resume tests: PRECIS_TEST_KILL="POINT:N:SIGNAL[:RANK]" makes the process raise SIGNAL
// (a number: 9 KILL, 15 TERM, 2 INT, 10 USR1) the Nth time it passes POINT (on rank RANK only, if given; RANK "w":
// on whichever worker, rank above 0, passes it N times first, as the task farm shares work by timing). The points
// are "sample" (a sample finished and journalled), "region" (a region of a cohort VCF finished and journalled),
// "store" (the store's matrices written, before it is renamed into place) and "clustering" (consensus clustering
// under way: distances done, resamples next). Unset: nothing happens.
void test_kill_point(const char* point, int rank);

}  // namespace precis
