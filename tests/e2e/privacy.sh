# Data that stays private (on the five-sample study of tests/data/bad/common):
# - results, the journal and every folder are created without world access, honouring the umask (022: files 0640,
#   folders 0750; 077: 0600 and 0700), on 1 process and on 2 ranks (the store through MPI-IO);
# - sample ids with ../ and / stay labels: nothing is written outside the output folder;
# - no abundance or genotype value reaches the log, even in the messages about the cells that are wrong;
# - sheet paths with shell syntax are file names, never run.
source "$(dirname "$0")/lib.sh"
cp -r --preserve=timestamps "$PRECIS_TESTS/data/bad/common" base

modes() {  # modes DIR: "MODE PATH" for everything under DIR
  find "$1" -mindepth 1 -printf '%m %y %P\n' | sort -k3
}
for np in 1 2; do
  for mask in 022 077; do
    rm -rf "m$mask-$np" && cp -r --preserve=timestamps base "m$mask-$np"
    (cd "m$mask-$np" && umask "$mask" && precis_np $np run study.yaml > run.log 2>&1) || { cat "m$mask-$np/run.log"; fail "run with umask $mask"; }
    want_f=640 want_d=750
    [[ $mask == 077 ]] && want_f=600 want_d=700
    n=0
    while read -r mode type path; do
      n=$((n + 1))
      if [[ $type == d ]]; then [[ $mode == "$want_d" ]] || fail "umask $mask, $np rank(s): folder $path is $mode, not $want_d"
      else [[ $mode == "$want_f" ]] || fail "umask $mask, $np rank(s): $path is $mode, not $want_f"; fi
    done < <(modes "m$mask-$np/results")
    (( n >= 12 )) || fail "only $n entries under results/"
    modes "m$mask-$np/results" | grep -q ' f bad/.precis/journal/journal-a1-r' || fail "no journal to check"
    modes "m$mask-$np/results" | grep -q ' f bad/cohort.h5mu$' || fail "no store to check"
  done
done
note "permissions: 0640/0750 under umask 022, 0600/0700 under 077, on 1 and 2 ranks"

# ids that look like paths stay labels
cp -r --preserve=timestamps base ids
(cd ids && sed -i 's#^S2\t#../../escape\t#; s#^S3\t#a/b\t#; s#^S4\t#..\t#' samples.tsv)
before=$(cd ids && find . -path ./results -prune -o -print | sort)
(cd ids && "$PRECIS" run study.yaml > ../ids.log 2>&1) || { cat ids.log; fail "run with ../ ids"; }
after=$(cd ids && find . -path ./results -prune -o -print | sort)
[[ "$before" == "$after" ]] || fail "files appeared outside the output folder: $(diff <(echo "$before") <(echo "$after"))"
[[ ! -e escape && ! -e ../escape && ! -e ids/a ]] || fail "an id became a path"
for id in "../../escape" "a/b" ".."; do
  awk -F'\t' -v id="$id" '$1 == id' ids/results/bad/qc/genome.tsv | grep -q pass || fail "id '$id' is not in qc/genome.tsv as it was"
done
$PY - ids/results/bad/cohort.h5mu <<'PY' || fail "ids in the store"
import sys, h5py
ids = [x.decode() for x in h5py.File(sys.argv[1], "r")["obs/_index"][()]]
assert ids == ["S1", "../../escape", "a/b", "..", "S5"], ids
PY

# no value in the log: a negative abundance, a bad NPX-like cell and a broken genotype, each next to a planted value
cp -r --preserve=timestamps base vals
(cd vals && printf 'protein_id\tabundance\nP01\t731.0427\nP02\t-9137.25\nP03\t18.5e\n' > proteome/S2.tsv \
  && sed -i 's/on_sample_error: fail/on_sample_error: skip/' study.yaml \
  && zcat vcf/S3.vcf.gz | sed '0,/\tGT:DP\t.*$/s//\tGT:DP\t0|x:86421357/' | bgzip > v.gz && mv v.gz vcf/S3.vcf.gz)
(cd vals && "$PRECIS" run study.yaml > run.log 2>&1) || { cat vals/run.log; fail "run with planted values"; }
grep -q "proteome/S2.tsv:3: a negative abundance (protein 'P02') cannot be log2-transformed" vals/results/bad/qc/proteome.tsv \
  || fail "the negative abundance is not reported with its line"
grep -q "GT of sample S3 is not a genotype" vals/results/bad/qc/genome.tsv || fail "the broken genotype is not reported"
for v in 731.0427 9137.25 18.5e "0|x" 86421357; do
  grep -rqF -- "$v" vals/run.log vals/results/bad/qc vals/results/bad/report.html && fail "value '$v' was written to a log or report"
done
note "no planted value in the log, the QC tables or the report"

# sheet paths are file names, never shell
cp -r --preserve=timestamps base sh
(cd sh && sed -i 's#vcf/S2.vcf.gz#vcf/$(touch PWNED).vcf.gz#; s#proteome/S3.tsv#proteome/`touch PWNED2`.tsv#' samples.tsv)
expect_exit 2 bash -c "cd sh && '$PRECIS' run study.yaml"
expect_in 'vcf/$(touch PWNED).vcf.gz' "$OUT"
[[ ! -e sh/PWNED && ! -e sh/PWNED2 && ! -e PWNED ]] || fail "a sheet path was run as shell"
note "ok"
