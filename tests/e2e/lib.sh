# Shared helpers for the end-to-end tests. Each test runs in its own fresh folder under the ctest build tree.
set -euo pipefail
: "${PRECIS:?PRECIS must point at the precis binary}"
: "${MPIEXEC:=mpirun}"
PY=/usr/bin/python3   # Debian's python, which has h5py, anndata, numpy, scipy, sklearn
TEST_NAME=${E2E_NAME:-$(basename "$0" .sh)}
WORK="$PWD/e2e_$TEST_NAME"
rm -rf "$WORK" && mkdir -p "$WORK" && cd "$WORK"

fail() { echo "FAIL [$TEST_NAME]: $*" >&2; exit 1; }
note() { echo "[$TEST_NAME] $*"; }
# show_log FILE: a run's log without its progress lines, so that what went wrong is near the top of what CI keeps
show_log() { grep -Ev '^precis: [a-z ]+ [0-9]+/[0-9]+ done \(' "$1" || true; }

# precis_np NP ARGS...: precis on NP ranks (NP=1 runs it as a plain process, without mpirun)
precis_np() {
  local np=$1; shift
  if [[ $np == 1 ]]; then "$PRECIS" "$@"; else "$MPIEXEC" -n "$np" --bind-to none "$PRECIS" "$@"; fi
}

# expect_exit CODE CMD...: run CMD, capture stdout+stderr in $OUT, and check its exit code
expect_exit() {
  local want=$1; shift
  set +e
  OUT=$("$@" 2>&1)
  local got=$?
  set -e
  [[ $got == "$want" ]] || fail "expected exit $want, got $got from: $* -- output: $OUT"
}

expect_in() {  # expect_in TEXT HAYSTACK
  [[ "$2" == *"$1"* ]] || fail "expected to find '$1' in: $2"
}

# use_case COMMON CASE: one case of a corpus, its files laid over the corpus's common ones in the test's folder
# (its expectations, expect.txt or expected.txt, are read from CASE, not copied)
use_case() {
  cp -r --preserve=timestamps "$1/." .
  cp -r --preserve=timestamps "$2/." .
  rm -f expect.txt expected.txt
}
