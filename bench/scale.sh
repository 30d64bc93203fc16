#!/usr/bin/env bash
# How each stage of a run grows with the cohort. For each size N: a per-sample study (`precis simulate`: a VCF.gz and
# a proteome table per sample, 300 proteins, 60 genes, 3 subtypes) and a cohort-file study (scripts/make_cohort.py:
# one MaxQuant proteinGroups.txt of N samples x 300 proteins; mode cohort_npx: one Olink NPX export of N samples x
# 300 assays, long format, ~80 bytes a row), each run fresh on RANKS ranks x 1 thread, then run
# again unchanged. Prints per stage its seconds at each N and the least-squares exponent b of seconds ~ N^b (1 is
# linear; the goal is b <= 1.1 for every stage), each rank's peak memory (rank 0's also at exit), the journal,
# provenance.json and store sizes, and the unchanged rerun's time. The inputs are read once before each run (warm page cache; the time that
# took is printed). Peer: a plain sequential write(2) of the store's bytes (precis_bench_store
# plain, N x 360 float32), against which the store stage's time is a ratio (goal: within 2x at 100,000).
# Each size is run fresh REPEAT times (default 2), each run after its own read of the inputs, and the store's peer
# after each: the figures are each stage's best time (the fastest run of that stage) and the highest peak memory of
# the runs. On a shared 2-core VM one run's stage times vary by up to 2x (another process, the page cache, memory
# compaction), which a single run would put into the exponents.
# Usage: bench/scale.sh [SIZES="10000 100000 200000"] [RANKS=3] [DIR=bench-scale] [MODES="per_sample cohort_file"]
#        [REPEAT=2]   (MODES may also name cohort_npx)
set -euo pipefail
cd "$(dirname "$0")/.."
SIZES=${1:-10000 100000 200000} RANKS=${2:-3} DIR=${3:-bench-scale} MODES=${4:-per_sample cohort_file} REPEAT=${5:-2}
ROOT=$PWD PY=/usr/bin/python3
PRECIS=${PRECIS:-$PWD/build/src/precis} STORE_BENCH=${STORE_BENCH:-$PWD/build/precis_bench_store}  # (copies, to build meanwhile)
source scripts/mpi-env.sh
export OMP_NUM_THREADS=1
mkdir -p "$DIR" && cd "$DIR"
: > results.tsv
for mode in $MODES; do
  for n in $SIZES; do
    in="in_${mode}_$n" out="out_${mode}_$n"
    if [[ ! -f $in/study.yaml ]]; then
      if [[ $mode == per_sample ]]; then
        "$PRECIS" simulate --out "$in" --samples "$n" --subtypes 3 --seed 1 >/dev/null
      elif [[ $mode == cohort_npx ]]; then
        $PY "$ROOT/scripts/make_cohort.py" "$in" "$n" 300 3 1 npx
        cat > "$in/study.yaml" <<Y
study: {name: scale_$n, seed: 1}
samples: {sheet: samples.tsv}
proteome: {cohort_file: npx.csv, format: olink_npx}
Y
      else
        $PY "$ROOT/scripts/make_cohort.py" "$in" "$n" 300 3 1
        cat > "$in/study.yaml" <<Y
study: {name: scale_$n, seed: 1}
samples: {sheet: samples.tsv}
proteome: {cohort_file: proteinGroups.txt, format: maxquant, normalize: median}
Y
      fi
    fi
    sync
    for ((rep = 1; rep <= REPEAT; ++rep)); do
      # the inputs read once beforehand, so that the run finds them in the page cache: the stages' growth is then
      # precis's own. Cold, this VM's disk reads a small file in about 1 ms (200,000 samples' 600,000 files: ~190 s),
      # which a run's samples stage would otherwise measure, by how much of the input the cache happened to hold.
      r0=$(date +%s.%N)
      find "$in" -type f -print0 | xargs -0 cat > /dev/null
      r1=$(date +%s.%N)
      # and what earlier runs wrote (~600 MB a run at 100,000: the journal, the store) flushed to disk first: left
      # dirty, the kernel writes it back during this run, and the store stage measured that (the same build at
      # 100,000: 0.59-0.63 s synced, 0.91-1.17 s not)
      sync
      t0=$(date +%s.%N)
      mpirun -n "$RANKS" --bind-to none "$PRECIS" run "$in/study.yaml" --fresh --output "$out" 2> "$out.log" ||
        { tail -5 "$out.log"; exit 1; }
      t1=$(date +%s.%N)
      mpirun -n "$RANKS" --bind-to none "$PRECIS" run "$in/study.yaml" --output "$out" 2> "$out.again.log"
      t2=$(date +%s.%N)
      sync  # the peer, too, after the runs' outputs are on disk
      plain=$("$STORE_BENCH" "$n" 360 "plain_$n.bin" plain | awk '{ print $1 }')
      rm -f "plain_$n.bin"
      $PY - "$mode" "$n" "$out" "$t0" "$t1" "$t2" "$plain" "$r0" "$r1" "$rep" >> results.tsv <<'PY'
import json, os, sys
mode, n, out, t0, t1, t2, plain, r0, r1, rep = sys.argv[1:]
p = json.load(open(f"{out}/provenance.json"))
# provenance.json's peaks are taken before rank 0 writes the outputs; the summary line at exit has rank 0's peak
# over the whole run (and the most of any rank)
import re
m = re.search(r"peak RSS ([0-9.]+) MiB on rank 0, ([0-9.]+) MiB the most", open(f"{out}.log").read())
exit_rank0 = float(m.group(1)) if m else float("nan")
du = lambda d: sum(os.path.getsize(os.path.join(r, f)) for r, _, fs in os.walk(d) for f in fs)
row = {"mode": mode, "n": int(n), "repeat": int(rep), "wall": float(t1) - float(t0), "rerun": float(t2) - float(t1),
       "stages": p["stage_seconds"], "peak_mib": p["peak_memory_mib_per_rank"], "rank0_exit_mib": exit_rank0,
       "journal_mb": du(f"{out}/.precis/journal") / 1e6, "provenance_mb": os.path.getsize(f"{out}/provenance.json") / 1e6,
       "store_mb": os.path.getsize(f"{out}/cohort.h5mu") / 1e6, "plain_write_s": float(plain),
       "inputs_read_s": float(r1) - float(r0)}
print(json.dumps(row))
PY
    done
    echo "$mode $n: $(tail -1 results.tsv)" >&2
  done
done
$PY - <<'PY'
import json
import numpy as np
runs = [json.loads(l) for l in open("results.tsv")]
# one row per (mode, N): each stage's best time over the repeats, the highest peak memory
rows = []
for key in dict.fromkeys((r["mode"], r["n"]) for r in runs):
    rs = [r for r in runs if (r["mode"], r["n"]) == key]
    best = dict(rs[0])
    best["stages"] = {s: min(r["stages"][s] for r in rs if s in r["stages"]) for s in rs[0]["stages"]}
    best["peak_mib"] = [max(r["peak_mib"][i] for r in rs) for i in range(len(rs[0]["peak_mib"]))]
    best["rank0_exit_mib"] = max(r.get("rank0_exit_mib", float("nan")) for r in rs)
    for k in ("wall", "rerun", "plain_write_s", "inputs_read_s"):
        best[k] = min(r[k] for r in rs)
    best["repeats"] = len(rs)
    rows.append(best)
for mode in dict.fromkeys(r["mode"] for r in rows):
    rs = sorted((r for r in rows if r["mode"] == mode), key=lambda r: r["n"])
    ns = [r["n"] for r in rs]
    print(f"\n{mode}: N = " + ", ".join(f"{n:,}" for n in ns) +
          f"; best of {min(r['repeats'] for r in rs)} runs a size (seconds: each stage's fastest; memory: the highest)")
    stages = list(dict.fromkeys(s for r in rs for s in r["stages"]))
    print(f"{'stage':<12}" + "".join(f"{n:>12,}" for n in ns) + f"{'exponent':>10}")
    def line(name, vals):
        b = np.polyfit(np.log(ns), np.log(np.maximum(vals, 1e-3)), 1)[0] if len(ns) > 1 else float("nan")
        print(f"{name:<12}" + "".join(f"{v:>12.2f}" for v in vals) + f"{b:>10.2f}")
    for s in stages:
        line(s, [r["stages"].get(s, 0.0) for r in rs])
    line("whole run", [r["wall"] for r in rs])
    line("rerun", [r["rerun"] for r in rs])
    print(f"{'rank 0 MiB':<12}" + "".join(f"{r['peak_mib'][0]:>12.0f}" for r in rs) + "   (provenance.json)")
    print(f"{'  at exit':<12}" + "".join(f"{r['rank0_exit_mib']:>12.0f}" for r in rs) +
          "   (the summary line: the outputs and report included)")
    print(f"{'worker MiB':<12}" + "".join(f"{max(r['peak_mib'][1:] or [0]):>12.0f}" for r in rs))
    for k, lab in (("journal_mb", "journal MB"), ("provenance_mb", "prov. MB"), ("store_mb", "store MB")):
        print(f"{lab:<12}" + "".join(f"{r[k]:>12.1f}" for r in rs))
    print(f"{'plain write':<12}" + "".join(f"{r['plain_write_s']:>12.2f}" for r in rs) + "   (peer: the store's bytes, one write)")
    print(f"{'store/plain':<12}" + "".join(f"{r['stages']['store'] / max(r['plain_write_s'], 1e-3):>12.2f}" for r in rs))
    print(f"{'inputs read':<12}" + "".join(f"{r.get('inputs_read_s', float('nan')):>12.2f}" for r in rs) +
          "   (s, reading every input file once before the run: cold or warm, as the cache was)")
PY
