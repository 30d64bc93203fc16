# The same seed gives byte-identical studies (whatever the thread count); another seed gives another study.
source "$(dirname "$0")/lib.sh"
OMP_NUM_THREADS=1 "$PRECIS" simulate --out a --samples 40 --subtypes 3 --seed 3 >/dev/null
OMP_NUM_THREADS=2 "$PRECIS" simulate --out b --samples 40 --subtypes 3 --seed 3 >/dev/null
"$PRECIS" simulate --out c --samples 40 --subtypes 3 --seed 4 >/dev/null
diff -r a b || fail "same seed, different files"
if diff -rq a c >/dev/null; then fail "different seeds gave the same study"; fi
for f in study.yaml samples.tsv truth.tsv truth_features.tsv genes.bed vcf/S00001.vcf.gz vcf/S00001.vcf.gz.tbi \
         proteome/S00040.tsv; do
  [[ -s a/$f ]] || fail "missing $f"
done
# the VCFs are bgzipped and indexed: bcftools reads a region through the index
n=$(bcftools view -H -r chr1 a/vcf/S00001.vcf.gz | wc -l)
[[ $n -gt 10 ]] || fail "region query gave $n records"
bcftools view -h a/vcf/S00001.vcf.gz | grep -q '^##FORMAT=<ID=GQ' || fail "no GQ in header"
[[ $(wc -l < a/samples.tsv) == 41 ]] || fail "sheet rows"
[[ $(cut -f2 a/truth.tsv | tail -n +2 | sort -u | wc -l) == 3 ]] || fail "truth does not have 3 subtypes"
[[ $(grep -c proteome a/truth_features.tsv) == 30 ]] || fail "planted proteins"
# the written study is valid and runnable
"$PRECIS" validate a/study.yaml >/dev/null || fail "simulated study does not validate"
note "ok"
