# Differential test: precis's genome QC against bcftools stats -s - (PSC) on the same bgzipped, indexed VCFs.
# bcftools counts differently (CONTRACT.md): its nRefHom/nHets/nNonRefHom cover SNP sites only and indel genotypes
# go to nIndels, haploid calls to nHapRef/nHapAlt. Where the definitions coincide:
#   n_not_called = nMissing
#   n_hom_ref    = nRefHom + nHapRef                    (the simulator's reference calls are all at SNP sites)
#   n_non_ref    = nNonRefHom + nHets + nHapAlt + nIndels
source "$(dirname "$0")/lib.sh"
"$PRECIS" simulate --out sim --samples 24 --subtypes 2 --seed 9 --resamples 10 >/dev/null
"$PRECIS" run sim/study.yaml --output res 2>/dev/null
bcftools --version | head -1
for v in sim/vcf/*.vcf.gz; do bcftools stats -s - "$v" | grep '^PSC'; done > psc.tsv
$PY - <<'PY'
import pandas as pd
cols = ["PSC", "id", "sample", "nRefHom", "nNonRefHom", "nHets", "nTransitions", "nTransversions", "nIndels",
        "depth", "nSingletons", "nHapRef", "nHapAlt", "nMissing"]
b = pd.read_csv("psc.tsv", sep="\t", names=cols, dtype={"sample": str}).set_index("sample")
q = pd.read_csv("res/qc/genome.tsv", sep="\t", dtype={"sample_id": str}).set_index("sample_id").loc[b.index]
assert len(b) == 24
assert (q.n_not_called == b.nMissing).all(), "n_not_called"
assert (q.n_hom_ref == b.nRefHom + b.nHapRef).all(), "n_hom_ref"
assert (q.n_non_ref == b.nNonRefHom + b.nHets + b.nHapAlt + b.nIndels).all(), "n_non_ref"
print("genome QC agrees with bcftools stats on", len(b), "samples")
PY
note "ok"
