# One case of the invalid-study corpus (tests/data/studies/invalid/NAME): `precis validate` must print exactly
# the expected problems (expected.txt, with {DIR} for the case's folder) and exit 2; `precis run` must refuse the
# same study with exit 2 before any work starts (no output folder appears).
# A case may hold prepare.sh, run in the case's folder first.
# To rewrite expected.txt after a deliberate change of messages: PRECIS_REDO=1 ctest -R 'study:' (then review
# every diff with git before committing).
CASE_SRC=$1
E2E_NAME="study_$(basename "$CASE_SRC")"
source "$(dirname "$0")/lib.sh"
use_case "$PRECIS_TESTS/data/studies/common" "$CASE_SRC"
[[ -f prepare.sh ]] && bash prepare.sh && rm prepare.sh  # what git should not hold (60,000-character values)
args=()
[[ -f args.txt ]] && mapfile -t args < args.txt
expect_exit 2 "$PRECIS" validate study.yaml "${args[@]}"
actual=${OUT//$PWD/\{DIR\}}
if [[ ${PRECIS_REDO:-} == 1 ]]; then
  printf '%s\n' "$actual" > "$CASE_SRC/expected.txt"
  note "rewrote expected.txt"
fi
diff <(printf '%s\n' "$actual") "$CASE_SRC/expected.txt" || fail "validate output differs from expected.txt"
first=$(head -n 1 "$CASE_SRC/expected.txt")
first=${first//\{DIR\}/$PWD}
expect_exit 2 "$PRECIS" run study.yaml "${args[@]}"
expect_in "$first" "$OUT"
[[ ! -d results ]] || fail "precis run created results/ although the study is invalid"
note "ok"
