# A full disk, for real: the output folder on a small tmpfs (the test runs as root, as CI does). At 1 and 2 ranks,
# with no room for the store's matrices (refused before HDF5 starts) and with room for them but not for the rest
# (HDF5 fails while writing): exit 1 with the I/O error on every rank, no crash (HDF5 used to crash in its clean-up
# at exit or in MPI_Finalize, and 2 ranks could hang in a collective close), nothing that looks finished; then, with
# the file system grown, the same command resumes from the journal and gives the results of a run that had room.
source "$(dirname "$0")/lib.sh"
[[ $(id -u) == 0 ]] || fail "mounting a tmpfs needs root (CI runs as root)"
"$PRECIS" simulate --out sim --samples 120 --proteins 120 --resamples 20 > /dev/null
precis_np 1 run sim/study.yaml --output ref > /dev/null 2>&1 || fail "the reference run failed"
bytes() { du -s --block-size=1 "$@" | awk '{s += $1} END {print s}'; }
journal=$(bytes ref/.precis/journal ref/qc ref/study.resolved.yaml)
store=$(bytes ref/cohort.h5mu)
stages=$(bytes ref/.precis/stages)
mnt="$WORK/mnt"
mkdir -p "$mnt"
cleanup() { umount "$mnt" 2>/dev/null || true; }
trap cleanup EXIT
for np in 1 2; do
  # KiB: room for the journal and a little; then for everything but the second half of the store
  for size in $(( (journal + 64 * 1024) / 1024 )) $(( (journal + stages + store / 2) / 1024 )); do
    cleanup
    mount -t tmpfs -o size=${size}k,mode=0755 tmpfs "$mnt"
    set +e
    if [[ $np == 1 ]]; then launch=(); else launch=("$MPIEXEC" -n "$np" --bind-to none); fi
    OUT=$(timeout 120 "${launch[@]}" "$PRECIS" run sim/study.yaml --output "$mnt/res" 2>&1)
    rc=$?
    set -e
    note "np=$np tmpfs ${size} KiB: exit $rc"
    [[ $rc != 124 ]] || fail "np=$np, ${size} KiB: no end within 120 s (a hang): $OUT"
    [[ $rc == 1 ]] || fail "np=$np, ${size} KiB: exit $rc, expected 1: $OUT"
    for bad in "Segmentation fault" "signal" "internal error" "AddressSanitizer" "terminate called"; do
      [[ "$OUT" != *"$bad"* ]] || fail "np=$np, ${size} KiB: '$bad': $OUT"
    done
    [[ "$OUT" == *"I/O error"* ]] || fail "np=$np, ${size} KiB: no I/O error named: $OUT"
    [[ ! -e "$mnt/res/provenance.json" && ! -e "$mnt/res/cohort.h5mu" ]] || fail "a finished-looking result on a full disk"
    # room again: the same command resumes and gives the reference's results
    mount -o remount,size=256m "$mnt"
    expect_exit 0 precis_np "$np" run sim/study.yaml --output "$mnt/res"
    expect_in "120 of 120 samples taken from the journal" "$OUT"
    cmp ref/subtypes.tsv "$mnt/res/subtypes.tsv" || fail "np=$np: the resumed run's subtypes differ"
    cmp ref/biomarkers.tsv "$mnt/res/biomarkers.tsv" || fail "np=$np: the resumed run's biomarkers differ"
  done
done
note "ok"
