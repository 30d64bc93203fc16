# Sanitizer settings for the test suite of a build with PRECIS_SANITIZE=ON (sourced by scripts/test.sh).
# Every report is fatal: a test that triggers one fails.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export ASAN_OPTIONS="abort_on_error=0:halt_on_error=1:detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=0:check_initialization_order=1:fast_unwind_on_malloc=0:malloc_context_size=30:exitcode=99"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:exitcode=99"
export LSAN_OPTIONS="suppressions=$here/lsan.supp:print_suppressions=0"
