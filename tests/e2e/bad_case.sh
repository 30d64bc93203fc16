# One case of the bad-input corpus (tests/data/bad/cases/NAME, made by tests/data/bad/make_cases.py): the valid
# study of tests/data/bad/common with the case's files laid over it. `precis run` must end as expect.txt says -
# exit 2 with a message naming the file (and line) and sample, or exit 0 with the sample's error in the QC table
# under on_sample_error: skip - within 60 s, without a crash, a sanitizer report or an internal error; an exit 2
# leaves no finished results.
CASE_SRC=$1
E2E_NAME="bad_$(basename "$CASE_SRC")"
source "$(dirname "$0")/lib.sh"
use_case "$PRECIS_TESTS/data/bad/common" "$CASE_SRC"
[[ -f prepare.sh ]] && bash prepare.sh && rm prepare.sh

set +e
timeout 60 "$PRECIS" run study.yaml > out.log 2>&1
rc=$?
set -e
OUT=$(tr -d '\0' < out.log)
[[ $rc != 124 ]] || fail "precis did not finish within 60 s (a hang)"
for bad in "internal error" "AddressSanitizer" "runtime error:" "LeakSanitizer" "Segmentation fault" "terminate called"; do
  [[ "$OUT" != *"$bad"* ]] || fail "'$bad' in the output: $OUT"
done
while IFS= read -r line; do
  [[ -z "$line" ]] && continue
  what=${line%% *}
  arg=${line#* }
  arg=${arg//\{DIR\}/$PWD}
  case "$what" in
    exit) [[ $rc == "$arg" ]] || fail "exit $rc, expected $arg: $OUT" ;;
    has) expect_in "$arg" "$OUT" ;;
    qc)
      read -r mod id status text <<< "$arg"
      row=$(awk -F'\t' -v id="$id" '$1 == id' "results/bad/qc/$mod.tsv")
      [[ -n "$row" ]] || fail "no row for $id in qc/$mod.tsv"
      [[ $(cut -f 2 <<< "$row") == "$status" ]] || fail "qc/$mod.tsv: $id is not '$status': $row"
      [[ $(cut -f 3 <<< "$row") == *"$text"* ]] || fail "qc/$mod.tsv: $id's reason lacks '$text': $row"
      ;;
    *) fail "expect.txt: unknown line '$line'" ;;
  esac
done < "$CASE_SRC/expect.txt"
if [[ $rc == 2 ]]; then
  [[ ! -e results/bad/provenance.json ]] || fail "exit 2 left a finished-looking results folder"
  [[ "$OUT" == *"fix:"* ]] || fail "the message gives no fix: $OUT"
fi
note "ok (exit $rc)"
