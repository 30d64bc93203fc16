# Gene burden by consequence from files without INFO (a PLINK fileset, a BGEN file, an unannotated VCF):
# genome.features.gene_burden.annotation_table. The simulated cohort as a .bed (plink2), its VCF export annotated
# with VEP-style INFO/CSQ (a script: no VEP here), the table made from that VCF by bcftools +split-vep -d. The burden
# matrix from the .bed + table, the .bgen + table and the unannotated VCF + table equals the one from the annotated
# VCF's own CSQ, on 1 and 3 ranks; it differs from the unfiltered burden. A changed table recomputes the regions; a
# bad table and a .bed with consequences but no table are refused before any work, naming the key, file and line.
source "$(dirname "$0")/lib.sh"
"$PRECIS" simulate --out sim --samples 40 --subtypes 2 --seed 3 --resamples 10 >/dev/null
bcftools merge -0 -Ob -o sim/merged.bcf sim/vcf/*.vcf.gz
plink2 --bcf sim/merged.bcf --max-alleles 2 --make-bed --out sim/cohort >/dev/null 2>&1
plink2 --bfile sim/cohort --export vcf bgz --out sim/plain >/dev/null 2>&1
plink2 --bfile sim/cohort --export bgen-1.2 bits=8 ref-first --out sim/cohort >/dev/null 2>&1
tabix -p vcf sim/plain.vcf.gz
# VEP-style CSQ (alleles as VEP writes them): each record gets a consequence for the genes.bed gene it lies in, some a second one (another gene,
# or none named); which consequence follows the position, so the filter keeps some alleles and drops others
$PY - <<'PY'
import gzip
genes = [l.split()[:4] for l in open("sim/genes.bed")]
terms = ["missense_variant", "synonymous_variant", "stop_gained&splice_region_variant", "intron_variant"]
out = open("sim/annotated.vcf", "w")
for line in gzip.open("sim/plain.vcf.gz", "rt"):
    if line.startswith("##"):
        out.write(line)
        continue
    if line.startswith("#"):
        out.write('##INFO=<ID=CSQ,Number=.,Type=String,Description="Consequence annotations from Ensembl VEP. '
                  'Format: Allele|Consequence|IMPACT|SYMBOL|Gene">\n' + line)
        continue
    f = line.rstrip("\n").split("\t")
    pos, ref, alt = int(f[1]), f[3], f[4]
    if (len(ref) > 1 or len(alt) > 1) and ref[0] == alt[0]:
        alt = alt[1:] or "-"  # VEP's allele: the shared first base dropped
    hit = [g[3] for g in genes if g[0] == f[0].removeprefix("chr") and int(g[1]) < pos <= int(g[2])]
    entries = [f"{alt}|{terms[pos % 4]}|X|{g}|ENSG{g[4:]}" for g in hit]
    if pos % 7 == 0:
        entries.append(f"{alt}|{terms[(pos // 7) % 4]}|X||")  # no gene: counts for every gene it lies in
    if pos % 5 == 0:
        entries.append(f"{alt}|missense_variant|X|OTHER|ENSG0")  # another gene's: counts for none of the BED's
    f[7] = "CSQ=" + ",".join(entries) if entries else "."
    out.write("\t".join(f) + "\n")
PY
bgzip -f sim/annotated.vcf && tabix -p vcf sim/annotated.vcf.gz
{ printf 'chrom\tpos\tref\talt\tgene\tconsequence\n'
  bcftools +split-vep -d -f '%CHROM\t%POS\t%REF\t%ALT\t%SYMBOL\t%Consequence\n' sim/annotated.vcf.gz; } > sim/csq.tsv
[[ $(wc -l < sim/csq.tsv) -gt 10 ]] || fail "split-vep made no table: $(head sim/csq.tsv)"

consequences='--set genome.features.gene_burden.consequences=[missense_variant,stop_gained]'
table="--set genome.features.gene_burden.annotation_table=sim/csq.tsv"
run() {  # run NAME COHORT_FILE [NP] [ARGS...]: precis on the cohort file with the consequence filter
  local name=$1 file=$2 np=${3:-1}
  sed "s|  path_column: vcf|  cohort_file: $file|" sim/study.yaml > "sim/$name.yaml"
  precis_np "$np" run "sim/$name.yaml" --output "$name" $consequences "${@:4}" 2> "$name.log" ||
    { show_log "$name.log"; fail "run $name"; }
}
run csq annotated.vcf.gz
run bed cohort.bed 1 $table
run bed3 cohort.bed 3 $table
run bgen cohort.bgen 1 $table
run plain plain.vcf.gz 1 $table
"$PRECIS" run sim/csq.yaml --output all 2> all.log || { show_log all.log; fail "run without the filter"; }
$PY - <<'PY'
import h5py
import numpy as np
x = {r: h5py.File(f"{r}/cohort.h5mu", "r")["mod/genome/X"][()] for r in ("csq", "bed", "bed3", "bgen", "plain", "all")}
for r in ("bed", "bed3", "bgen", "plain"):
    assert np.array_equal(x[r], x["csq"]), (r, np.abs(x[r] - x["csq"]).max())
assert 0 < x["csq"].sum() < x["all"].sum(), (x["csq"].sum(), x["all"].sum())
print(f"burden by consequence: {x['csq'].sum():.0f} of {x['all'].sum():.0f} allele copies kept, the same from the "
      "annotated VCF's CSQ and from .bed, .bgen and plain VCF with the split-vep table")
PY
$PY -c "
import json
r = [i for i in json.load(open('bed/provenance.json'))['inputs'] if i['role'] == 'burden_annotation_table']
assert len(r) == 1 and len(r[0]['sha256']) == 64, r
" || fail "provenance does not list the annotation table"

# a changed table: the regions are recomputed, and the burden follows the table
awk -F'\t' 'BEGIN {OFS = "\t"} NR > 1 && $6 ~ /missense/ {$6 = "synonymous_variant"} {print}' sim/csq.tsv > sim/csq2.tsv
cp sim/csq2.tsv sim/csq.tsv
"$PRECIS" run sim/bed.yaml --output bed $consequences $table 2> bed_again.log || { show_log bed_again.log; fail "rerun"; }
if grep -q "[1-9][0-9]* of [0-9]* regions taken from the journal" bed_again.log; then
  fail "regions taken from the journal after the table changed: $(grep regions bed_again.log)"
fi
$PY - <<'PY'
import h5py
import numpy as np
a = h5py.File("bed/cohort.h5mu", "r")["mod/genome/X"][()]
b = h5py.File("csq/cohort.h5mu", "r")["mod/genome/X"][()]
assert a.sum() < b.sum(), (a.sum(), b.sum())
PY
note "a changed annotation table recomputes the regions"

# refused before any work
sed 's|  path_column: vcf|  cohort_file: cohort.bed|' sim/study.yaml > sim/bed.yaml
expect_exit 2 "$PRECIS" run sim/bed.yaml --output refused $consequences
expect_in "genome.features.gene_burden.annotation_table" "$OUT"
[[ ! -d refused/.precis/journal ]] || [[ -z $(ls refused/.precis/journal) ]] || fail "work started"
printf 'chrom\tpos\tref\talt\tgene\n1\t5\tA\tG\tG1\n' > sim/nocol.tsv
expect_exit 2 "$PRECIS" validate sim/bed.yaml $consequences --set genome.features.gene_burden.annotation_table=sim/nocol.tsv
expect_in "nocol.tsv line 1: the header has no column 'consequence'" "$OUT"
printf 'chrom\tpos\tref\talt\tgene\tconsequence\n1\t5\tA\tG,T\tG1\tmissense_variant\n' > sim/multi.tsv
expect_exit 2 "$PRECIS" validate sim/bed.yaml $consequences --set genome.features.gene_burden.annotation_table=sim/multi.tsv
expect_in "multi.tsv line 2: alt 'G,T'" "$OUT"
expect_in "bcftools norm -m-" "$OUT"
printf 'chrom\tpos\tref\talt\tgene\tconsequence\n1\tfive\tA\tG\tG1\tmissense_variant\n' > sim/pos.tsv
expect_exit 2 "$PRECIS" validate sim/bed.yaml $consequences --set genome.features.gene_burden.annotation_table=sim/pos.tsv
expect_in "pos.tsv line 2: pos 'five'" "$OUT"
expect_exit 2 "$PRECIS" validate sim/bed.yaml --set genome.features.gene_burden.annotation_table=sim/csq.tsv
expect_in "without 'genome.features.gene_burden.consequences'" "$OUT"
note "ok"
