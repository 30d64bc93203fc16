# The command line: --version, --help, and exit code 2 for a wrong command line, a missing study or an output
# folder that cannot be written (before any work starts).
source "$(dirname "$0")/lib.sh"
expect_exit 0 "$PRECIS" --version
expect_in "precis 0." "$OUT"
expect_exit 0 "$PRECIS" run --help
expect_in "--threads" "$OUT"
expect_exit 2 "$PRECIS"
expect_exit 2 "$PRECIS" run
expect_exit 2 "$PRECIS" frobnicate
expect_exit 2 "$PRECIS" run no_such_study.yaml
expect_in "no_such_study.yaml" "$OUT"
"$PRECIS" simulate --out sim --samples 12 --subtypes 2 --seed 2 --resamples 5 >/dev/null
touch blocker
expect_exit 2 "$PRECIS" run sim/study.yaml --output blocker/results
expect_in "--output blocker/results: cannot write the output folder" "$OUT"
expect_in "blocker is not a folder" "$OUT"
expect_exit 2 "$PRECIS" simulate --out x --samples 2
note "ok"
