# Sanitizer settings for the test suite of a build with PRECIS_SANITIZE=ON (sourced by scripts/test.sh).
# Every report is fatal: a test that triggers one fails (exit 99). LeakSanitizer checks each MPI rank just before
# MPI_Finalize (parallel/comm.cpp), while Open MPI's plug-ins are loaded, so fast unwinding names enough of a
# stack for lsan.supp; a plain process is checked at exit. "sanitizers: planted errors are caught" checks all this.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export ASAN_OPTIONS="abort_on_error=0:halt_on_error=1:detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=0:check_initialization_order=1:exitcode=99"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:exitcode=99"
export LSAN_OPTIONS="suppressions=$here/lsan.supp:print_suppressions=0"
