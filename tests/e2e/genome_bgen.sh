# genome.cohort_file as BGEN 1.2 (fixtures: tests/fixtures/bgen/make_bgen_fixture.sh; plink2 wrote them from a VCF
# with dosages, chrX males haploid): sample QC equals plink2 --missing and --het on the same file (hard calls by
# --hard-call-threshold 0.1; het_f's frequencies from the dosages, as plink2's), polygenic scores from the dosages
# equal plink2 --score on the same file (mean imputation and none), the same on 1 and 3 ranks and from zlib/8-bit
# and zstd/16-bit files; hard_call_threshold changes the calls as plink2's does; what a BGEN file cannot give is
# refused naming the key; a truncated file is refused with its place. precis simulate --genotype-format bgen writes
# a file plink2 reads as precis does.
source "$(dirname "$0")/lib.sh"
FIX=$PRECIS_TESTS/fixtures/bgen
cp "$FIX"/zlib8.bgen "$FIX"/zlib8.sample "$FIX"/zstd16.bgen "$FIX"/zstd16.sample .
{ echo sample_id; tail -n +3 zlib8.sample | awk '{print $2}'; } > sheet.tsv
# a PGS Catalog scoring file over 40 chromosome-1 variants (effect allele REF or ALT; a weight of each sign), and
# the same as plink2 --score reads it (variant id, effect allele, weight)
grep -v '^#' "$FIX"/zlib8.export.vcf | awk '$1 == "1"' > picked.tsv
$PY - <<'PY'
import random
rng = random.Random(4)
# (no strand-ambiguous A/T or C/G SNPs: precis leaves those out, as a PGS Catalog file gives no strand)
pal = {frozenset("AT"), frozenset("CG")}
rows = [r for r in (l.split("\t")[:5] for l in open("picked.tsv")) if frozenset(r[3] + r[4]) not in pal][:40]
with open("PGS_BGEN.txt", "w") as f, open("plink2_score.tsv", "w") as g:
    f.write("#pgs_id=PGS_BGEN\n#genome_build=GRCh38\n")
    f.write("chr_name\tchr_position\teffect_allele\tother_allele\teffect_weight\n")
    for chrom, pos, vid, ref, alt in rows:
        eff, oth = (alt, ref) if rng.random() < 0.6 else (ref, alt)
        w = round(rng.uniform(-0.5, 0.5), 4)
        f.write(f"{chrom}\t{pos}\t{eff}\t{oth}\t{w}\n")
        g.write(f"{vid}\t{eff}\t{w}\n")
PY
write_study() {  # NAME FILE EXTRA
  cat > "$1.yaml" <<Y
study: {name: $1, seed: 1}
samples: {sheet: sheet.tsv}
genome:
  cohort_file: $2
  features:
    scores: [PGS_BGEN.txt]
    $3
clustering: {enabled: false}
ranking: {enabled: false}
Y
}
write_study mean zlib8.bgen "score_missing: mean"
write_study zero zlib8.bgen "score_missing: zero"
write_study zstd zstd16.bgen "score_missing: mean"
"$PRECIS" run mean.yaml --output mean1 2> mean1.log || { cat mean1.log; fail "run on the .bgen"; }
precis_np 3 run mean.yaml --output mean3 2>/dev/null
"$PRECIS" run zero.yaml --output zero1 2>/dev/null
"$PRECIS" run zstd.yaml --output zstd1 2>/dev/null
for f in qc/genome.tsv scores.tsv; do cmp "mean1/$f" "mean3/$f" || fail "$f differs between 1 and 3 ranks"; done
B="--bgen zlib8.bgen ref-first --sample zlib8.sample"
plink2 $B --missing --het --bad-freqs --out peer >/dev/null 2>&1
plink2 $B --score plink2_score.tsv 1 2 3 cols=+scoresums --bad-freqs --out mean >/dev/null 2>&1
plink2 $B --score plink2_score.tsv 1 2 3 no-mean-imputation cols=+scoresums --bad-freqs --out zero >/dev/null 2>&1
plink2 --bgen zlib8.bgen ref-first --sample zlib8.sample --hard-call-threshold 0.3 --missing --out peer03 >/dev/null 2>&1
"$PRECIS" run mean.yaml --set genome.qc.hard_call_threshold=0.3 --output t03 2>/dev/null
$PY - <<'PY'
import numpy as np
import pandas as pd
def read(path):
    t = pd.read_csv(path, sep=r"\s+")
    return t.set_index("#IID" if "#IID" in t.columns else "IID")
q = pd.read_csv("mean1/qc/genome.tsv", sep="\t").set_index("sample_id")
m, h = read("peer.smiss"), read("peer.het")
assert (q.n_not_called == m.loc[q.index].MISSING_CT).all() and (q.n_called + q.n_not_called == m.OBS_CT.iloc[0]).all()
assert np.abs(q.het_f - h.loc[q.index].F).max() < 2e-6, np.abs(q.het_f - h.loc[q.index].F).max()
t = pd.read_csv("t03/qc/genome.tsv", sep="\t").set_index("sample_id")
m3 = read("peer03.smiss")
assert (t.n_not_called == m3.loc[t.index].MISSING_CT).all() and t.n_not_called.sum() < q.n_not_called.sum()
print(f"BGEN QC: missing calls = plink2 --missing (thresholds 0.1 and 0.3), het_f = plink2 --het F")
z = pd.read_csv("zstd1/qc/genome.tsv", sep="\t").set_index("sample_id")
assert (z.n_not_called == q.n_not_called).all(), "zstd/16-bit calls differ from zlib/8-bit"
for mode in ["mean", "zero"]:
    s = pd.read_csv(f"{mode}1/scores.tsv", sep="\t").set_index("sample_id")
    p = read(f"{mode}.sscore")
    s = s.loc[p.index]
    assert (s.n_matched == 40).all(), s.n_matched.iloc[0]
    # plink2 holds a dosage to 1/16384 (half a step: 1/32768 per variant, times its weight); it prints 6 digits
    w = pd.read_csv("plink2_score.tsv", sep="\t", header=None)[2].abs().sum()
    tol = w / 32768 + 5e-6 * p.SCORE1_SUM.abs() + 1e-6
    d = (s.score_sum - p.SCORE1_SUM).abs()
    assert (d <= tol).all(), (mode, d.max())
    if mode == "mean":
        assert (s.n_imputed > 0).any()
print("BGEN scores from dosages = plink2 --score (mean imputation and none)")
import json
roles = {i["role"]: i for i in json.load(open("mean1/provenance.json"))["inputs"]}
assert roles["genome_cohort_sample"]["path"].endswith("zlib8.sample") and len(roles["genome_cohort_sample"]["sha256"]) == 64
PY
# precis simulate --genotype-format bgen: a file plink2 reads as precis does (haploid chrX calls of males included)
"$PRECIS" simulate --out simb --samples 40 --subtypes 2 --seed 3 --resamples 10 --genotype-format bgen >/dev/null
[[ -f simb/cohort.bgen && -f simb/cohort.sample && ! -d simb/vcf ]] || fail "simulate: no .bgen"
grep -q "cohort_file: cohort.bgen" simb/study.yaml || fail "simulate: the study does not name cohort.bgen"
precis_np 2 run simb/study.yaml --output simb_run 2>/dev/null
plink2 --bgen simb/cohort.bgen ref-first --sample simb/cohort.sample --missing --out simb_plink >/dev/null 2>&1
$PY - <<'PY'
import pandas as pd
from sklearn.metrics import adjusted_rand_score
q = pd.read_csv("simb_run/qc/genome.tsv", sep="\t").set_index("sample_id")
m = pd.read_csv("simb_plink.smiss", sep=r"\s+")
m = m.set_index("#IID" if "#IID" in m.columns else "IID")
assert (q.n_not_called == m.loc[q.index].MISSING_CT).all() and q.n_not_called.sum() > 0
s = pd.read_csv("simb_run/subtypes.tsv", sep="\t").set_index("sample_id")
t = pd.read_csv("simb/truth.tsv", sep="\t").set_index("sample_id")
ari = adjusted_rand_score(t.loc[s.index].subtype, s.subtype)
assert ari > 0.9, ari
print(f"simulate --genotype-format bgen: missing calls = plink2 --missing; subtypes ARI {ari:.2f}")
PY
# a run killed after some of the file's blocks resumes from their journal records, with the results of a run that
# was not stopped
set +e; PRECIS_TEST_KILL=region:2:9 "$PRECIS" run simb/study.yaml --output simb_killed > killed.log 2>&1; got=$?; set -e
[[ $got == 137 ]] || { cat killed.log; fail "killed run: exit $got"; }
[[ ! -e simb_killed/provenance.json ]] || fail "provenance.json after the kill"
"$PRECIS" run simb/study.yaml --output simb_killed > resumed.log 2>&1 || { cat resumed.log; fail "resume"; }
r=$(grep -o '[0-9]* of [0-9]* regions taken from the journal' resumed.log | cut -d' ' -f1)
(( r > 0 )) || { cat resumed.log; fail "no block from the journal"; }
$PY "$PRECIS_TESTS/e2e/same_results.py" simb_run simb_killed >/dev/null || fail "results differ after resuming"
note "killed after 2 blocks and resumed with $r from the journal: results identical"
# a block that cannot be read (its compressed bytes overwritten, in the middle of the file): exit 2 naming the place
# and the fix; under study.on_sample_error: skip its region is left out, said so, listed in provenance.json, its
# genes' burden NaN and every other gene's as in the intact run
$PY - <<'PY'
import struct
b = bytearray(open("simb/cohort.bgen", "rb").read())
offset, = struct.unpack_from("<I", b, 0)
n_variants, = struct.unpack_from("<I", b, 8)
at, blocks = offset + 4, []
for _ in range(n_variants):
    for _field in range(3):  # id, rsid, chromosome
        n, = struct.unpack_from("<H", b, at); at += 2 + n
    at += 4
    k, = struct.unpack_from("<H", b, at); at += 2
    for _a in range(k):
        n, = struct.unpack_from("<I", b, at); at += 4 + n
    c, = struct.unpack_from("<I", b, at)
    blocks.append((at + 4, c))
    at += 4 + c
assert at == len(b), (at, len(b))
header_length, = struct.unpack_from("<I", b, 4)
assert struct.unpack_from("<I", b, header_length)[0] & 3 == 1, "not zlib-compressed"  # the header's last 4 bytes
start, c = blocks[len(blocks) // 2]
data = start + 4  # past D, the decompressed size: the zlib stream, of c - 4 bytes
b[data + 2:start + c] = b"\xff" * (start + c - data - 2)
open("bad.bgen", "wb").write(b)
PY
cp simb/cohort.sample bad.sample
expect_exit 2 "$PRECIS" run simb/study.yaml --set genome.cohort_file=bad.bgen --output bad_fail
expect_in "bad.bgen: 1 region(s) could not be read" "$OUT"
expect_in "study.on_sample_error: skip" "$OUT"
[[ ! -e bad_fail/provenance.json ]] || fail "a finished-looking result after a block error"
precis_np 2 run simb/study.yaml --set genome.cohort_file=bad.bgen --set study.on_sample_error=skip --output bad_skip \
  2> bad_skip.log || { show_log bad_skip.log; fail "on_sample_error: skip with a bad block"; }
expect_in "left out (study.on_sample_error: skip)" "$(cat bad_skip.log)"
$PY - <<'PY'
import json
import h5py
import numpy as np
skipped = json.load(open("bad_skip/provenance.json"))["skipped_regions"]
assert len(skipped) == 1 and "does not decompress" in skipped[0], skipped
a, b = (h5py.File(f"{r}/cohort.h5mu", "r")["mod/genome"] for r in ("simb_run", "bad_skip"))
assert list(a["var/_index"][()]) == list(b["var/_index"][()])
xa, xb = a["X"][()], b["X"][()]
lost = np.isnan(xb).all(axis=0)
assert 0 < lost.sum() < xb.shape[1], lost.sum()
assert not np.isnan(xb[:, ~lost]).any() and np.array_equal(xa[:, ~lost], xb[:, ~lost])
print(f"a bad block: its region ({skipped[0].split(': ')[0]}) left out under skip, {lost.sum()} of "
      f"{xb.shape[1]} genes NaN, the rest as intact")
PY
# what a BGEN file cannot give: refused before any work
expect_exit 2 "$PRECIS" validate mean.yaml --set genome.qc.min_gq=20
expect_in "'genome.qc.min_gq' needs each genotype's GQ, which the BGEN file" "$OUT"
# a truncated file
head -c 5000 zlib8.bgen > short.bgen && cp zlib8.sample short.sample
expect_exit 2 "$PRECIS" run mean.yaml --set genome.cohort_file=short.bgen --output short
expect_in "short.bgen: " "$OUT"
expect_in "the file is truncated" "$OUT"
note "ok"
