# report.html, MultiQC files, progress lines and the run summary, as people would look at them:
# - the report of a simulated study renders in headless Chromium without console messages, and its screenshot is not
#   blank; every inline SVG is well-formed XML; nothing is fetched (no scripts, no external references);
# - `precis report DIR` rebuilds the same page from the results alone; a folder without finished results exits 2;
# - a study without clustering and ranking, and one clustered on landmarks, still give a report;
# - qc/*_mqc.tsv follow MultiQC's custom-content header grammar, and MultiQC itself finds all four sections;
# - stderr holds plain progress lines (no carriage return when not a terminal) and the summary line, also after a
#   stop by SIGTERM.
source "$(dirname "$0")/lib.sh"
command -v chromium >/dev/null || fail "chromium is not installed (scripts/setup.sh --test installs it)"
command -v multiqc >/dev/null || fail "multiqc is not installed (scripts/setup.sh --test installs it)"

"$PRECIS" simulate --out sim --samples 200 --subtypes 3 --seed 5 >/dev/null
precis_np 2 run sim/study.yaml --output res 2> run.log || { cat run.log; fail "run failed"; }
[[ -s res/report.html ]] || fail "no report.html"

# progress and summary lines
grep -q $'\r' run.log && fail "carriage returns in a log that is not a terminal"
grep -Eq '^precis: samples 200/200 done \(100%\), [0-9.]+/s, ETA 0s, 0 failed$' run.log || fail "no final progress line"
grep -Eq "^precis: summary: precis [0-9.]+, command '.*precis run sim/study.yaml --output res', exit 0, real [0-9.]+ s, CPU [0-9.]+ s over 2 rank\(s\), peak RSS [0-9.]+ MiB on rank 0, [0-9.]+ MiB the most on any rank$" run.log \
  || { cat run.log; fail "no summary line"; }

# on a terminal the progress line is rewritten in place, and ended with a newline
script -qec "$PRECIS run sim/study.yaml --output tty" /dev/null > tty.log 2>&1 || { cat tty.log; fail "run on a terminal"; }
grep -q $'\rprecis: samples 200/200 done (100%)' tty.log || { cat -A tty.log | head; fail "no rewritten progress line on a terminal"; }
grep -Eq $'^precis: summary: ' <(tr -d '\r' < tty.log) || fail "no summary line on a terminal"

# a run stopped by a signal ends with the summary line too (every rank saw the stop), and leaves no report
set +e
PRECIS_TEST_KILL=sample:50:15 precis_np 2 run sim/study.yaml --output stopped 2> stopped.log
rc=$?
set -e
[[ $rc == 143 ]] || { cat stopped.log; fail "a SIGTERM'd run exited $rc, not 143"; }
grep -Eq "^precis: summary: .*, exit 143, real [0-9.]+ s, CPU [0-9.]+ s over 2 rank\(s\)" stopped.log \
  || { cat stopped.log; fail "no summary line after a stop"; }
[[ ! -e stopped/report.html && ! -e stopped/provenance.json ]] || fail "a stopped run left a report or provenance"

# the page: sections, well-formed SVG, nothing fetched
$PY - res/report.html <<'PY' || fail "report.html content"
import re, sys, xml.dom.minidom
html = open(sys.argv[1], encoding="utf-8").read()
for sec in ("overview", "run", "qc", "clustering", "embedding", "phenotypes", "ranking"):
    assert f'<section id="{sec}">' in html, f"section {sec} missing"
svgs = re.findall(r"<svg\b.*?</svg>", html, re.S)
assert len(svgs) >= 15, len(svgs)
for s in svgs:
    xml.dom.minidom.parseString(s)  # raises on anything malformed
for title in ("Consensus CDF", "Relative change in CDF area", "PAC", "Mean silhouette", "k = 3 (chosen)",
              "Item consensus at k = 3", "PCA of the clustering features", "Volcano: 1_vs_rest, proteome",
              "genome: call_rate", "proteome: detected_fraction"):
    assert f'aria-label="{title}' in html, f"figure {title!r} missing"
assert "<script" not in html.lower() and "<link" not in html.lower() and "url(" not in html
refs = re.findall(r'\b(?:src|href)="([^"]*)"', html)
assert all(r.startswith("#") for r in refs), [r for r in refs if not r.startswith("#")]
# the heatmap of 200 samples is reduced to 150 x 150 blocks and says so
assert "200 samples in 150 blocks" in html
# subtypes against phenotypes: a test per phenotype column of the sheet (age, sex, phenotype)
assert html.count('class="test"') == 3, html.count('class="test"')
assert html.count("<!-- run:begin -->") == 1 and html.count("<!-- run:end -->") == 1
print("report.html:", len(svgs), "SVGs, well-formed; no external references")
PY

# Chromium: renders without console messages, and the page is not blank. The check is shown to catch a console
# message first, on a page made to log one.
render() {  # render HTML PNG -> stderr of Chromium in render.err
  timeout 120 chromium --headless=new --no-sandbox --disable-gpu --hide-scrollbars --enable-logging=stderr --v=0 \
    --window-size=1280,4000 --screenshot="$2" "file://$PWD/$1" 2> render.err >/dev/null || true
}
printf '<!DOCTYPE html><html><body><script>console.error("planted")</script><p>x</p></body></html>' > bad.html
render bad.html bad.png
grep -q 'CONSOLE' render.err || fail "the console check does not see a planted console.error"
render res/report.html shot.png
if grep -q 'CONSOLE' render.err; then grep CONSOLE render.err; fail "console messages while rendering report.html"; fi
$PY - shot.png <<'PY' || fail "screenshot"
import sys
from PIL import Image
im = Image.open(sys.argv[1]).convert("RGB")
w, h = im.size
px = list(im.getdata())
non_white = sum(1 for p in px if p != (255, 255, 255)) / len(px)
colours = len(set(px))
assert w == 1280 and h == 4000, im.size
assert non_white > 0.05 and colours > 50, (non_white, colours)
print(f"screenshot {w}x{h}: {non_white:.1%} not white, {colours} colours")
PY

# precis report rebuilds the same page from the files alone
cp res/report.html run-report.html
rm res/report.html
"$PRECIS" report res > rep.log 2>&1 || { cat rep.log; fail "precis report failed"; }
cmp res/report.html run-report.html || fail "precis report wrote a different page than the run"
# the report's memory does not grow with its QC tables: they are read twice, a row at a time, and not held (held,
# 200,000 samples' tables took ~130 MiB). The same folder with 300,000 rows in each QC table: the page counts them
# all, and its peak memory is within 30 MiB of the 200-sample folder's (the line reader's buffer grows to 8 MB; the
# tables held would be ~250 MiB, their numbers alone ~35 MiB).
cp -r --preserve=timestamps res bigqc
$PY - bigqc/qc <<'PY'
import sys
for mod in ("genome", "proteome"):
    p = f"{sys.argv[1]}/{mod}.tsv"
    lines = open(p).read().splitlines()
    with open(p, "w") as f:
        f.write(lines[0] + "\n")
        for i in range(300000):
            r = lines[1 + i % (len(lines) - 1)].split("\t")
            r[0] = f"X{i:07d}"
            f.write("\t".join(r) + "\n")
PY
$PY - "$PRECIS" <<'PY' || fail "report of 300,000 QC rows"
import csv, os, re, subprocess, sys
# under AddressSanitizer (scripts/test.sh) freed memory waits in a quarantine of up to 256 MB before it is reused,
# which would count every row's freed fields: measured without it (the rest of the suite keeps it)
env = dict(os.environ)
if "ASAN_OPTIONS" in env:
    env["ASAN_OPTIONS"] += ":quarantine_size_mb=0:thread_local_quarantine_size_kb=0"
def peak_mib(folder):  # the peak resident memory of `precis report folder`
    p = subprocess.Popen([sys.argv[1], "report", folder], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    _, status, usage = os.wait4(p.pid, 0)
    assert status == 0, p.stderr.read()
    return usage.ru_maxrss / 1024
small, big = peak_mib("res"), peak_mib("bigqc")
print(f"precis report: peak {small:.1f} MiB with 200 QC rows, {big:.1f} MiB with 300,000")
assert big - small < 30, (small, big)
html = open("bigqc/report.html", encoding="utf-8").read()
rows = list(csv.DictReader(open("bigqc/qc/genome.tsv"), delimiter="\t"))
read = sum(r["status"] in ("pass", "fail") for r in rows)
fig = re.search(r'aria-label="genome: call_rate.*?</svg>', html, re.S).group(0)
bars = sum(int(n) for n in re.findall(r": (\d+) samples</title>", fig))
assert len(rows) == 300000 and bars == read, (len(rows), bars, read)
print(f"the call_rate histogram counts all {read} samples read")
PY
mkdir -p unfinished && cp res/subtypes.tsv unfinished/
expect_exit 2 "$PRECIS" report unfinished
expect_in "unfinished holds no finished results" "$OUT"
[[ ! -e unfinished/report.html ]] || fail "a report was written for unfinished results"

# no clustering, no ranking; and clustering on landmarks
precis_np 1 run sim/study.yaml --output plain --set clustering.enabled=false --set ranking.enabled=false \
  2> plain.log || { cat plain.log; fail "run without clustering failed"; }
grep -q "Clustering was not run." plain/report.html || fail "report without clustering"
grep -q "Ranking was not run." plain/report.html || fail "report without ranking"
precis_np 2 run sim/study.yaml --output lm --set clustering.landmarks=80 2> lm.log || { cat lm.log; fail "landmarks run"; }
grep -q "Consensus ran on 80 landmark samples" lm/report.html || fail "report of a landmark clustering"
grep -q 'aria-label="Item consensus at k = ' lm/report.html || fail "item consensus of landmarks"

# MultiQC: the header grammar, then MultiQC itself
$PY - res/qc <<'PY' || fail "MultiQC header grammar"
import glob, sys, yaml
files = sorted(glob.glob(sys.argv[1] + "/*_mqc.tsv"))
assert [f.rsplit("/", 1)[1] for f in files] == ["genome_calls_mqc.tsv", "genome_mqc.tsv", "proteome_detection_mqc.tsv",
                                               "proteome_mqc.tsv"], files
for f in files:
    lines = open(f).read().splitlines()
    head = [l[2:] for l in lines if l.startswith("# ")]
    body = [l for l in lines if not l.startswith("#")]
    conf = yaml.safe_load("\n".join(head))  # MultiQC strips '# ' and reads the rest as YAML
    for key in ("id", "section_name", "description", "plot_type", "pconfig"):
        assert key in conf, (f, key)
    assert conf["plot_type"] in ("table", "bargraph"), conf["plot_type"]
    assert "id" in conf["pconfig"], f
    cols = body[0].split("\t")
    assert cols[0] == "Sample" and len(body) == 201, (f, cols[:2], len(body))
    assert all(len(r.split("\t")) == len(cols) for r in body), f
    if conf["plot_type"] == "table":
        for c in conf.get("headers", {}):
            assert c in cols, (f, c)
print("MultiQC headers parse:", len(files), "files")
PY
(mkdir -p mqc && cd mqc && timeout 300 multiqc -q ../res/qc -o . > multiqc.log 2>&1) || { cat mqc/multiqc.log; fail "multiqc failed"; }
$PY - <<'PY' || fail "MultiQC did not read the custom content"
import csv, json
d = json.load(open("mqc/multiqc_data/multiqc_data.json"))
found = set(d["report_saved_raw_data"])
want = {f"multiqc_precis_{s}_plot" for s in ("genome_qc", "genome_calls", "proteome_qc", "proteome_detection")}
assert want <= found, (want - found)
got = d["report_saved_raw_data"]["multiqc_precis_genome_qc_plot"]
ref = {r["sample_id"]: r for r in csv.DictReader(open("res/qc/genome.tsv"), delimiter="\t")}
assert len(got) == 200
for s, row in got.items():
    assert abs(float(row["call_rate"]) - float(ref[s]["call_rate"])) < 1e-9, s
print("MultiQC found", len(want), "sections; call_rate of 200 samples as in qc/genome.tsv")
PY
# precis report on a provenance.json whose field has the wrong type: exit 2 naming the file, not a crash
cp -r --preserve=timestamps res wrongtype
$PY - <<'PY'
import json
p = "wrongtype/provenance.json"
j = json.load(open(p))
j["study"]["path"] = 5
json.dump(j, open(p, "w"))
PY
set +e
"$PRECIS" report wrongtype 2> wrongtype.log
rc=$?
set -e
[[ $rc == 2 ]] || { cat wrongtype.log; fail "report on a wrong-typed provenance field exited $rc, not 2"; }
grep -q "wrongtype/provenance.json: a field has a value of the wrong type" wrongtype.log || { cat wrongtype.log; fail "no message"; }
# a damaged or mixed-up folder: exit 2 naming what is wrong, and no page (docs/report.md)
damaged() {  # damaged NAME WHAT EXPECTED-TEXT: a copy of res/ changed by the shell command WHAT
  rm -rf "$1" && cp -r --preserve=timestamps res "$1" && rm -f "$1/report.html"
  (cd "$1" && eval "$2")
  expect_exit 2 "$PRECIS" report "$1"
  expect_in "$3" "$OUT"
  expect_in "fix:" "$OUT"
  [[ ! -e "$1/report.html" ]] || fail "$1: a page was written"
}
damaged empty_biomarkers ": > biomarkers.tsv" "biomarkers.tsv is empty"
damaged header_biomarkers "head -n 1 biomarkers.tsv > b && mv b biomarkers.tsv" "biomarkers.tsv has a header but no rows"
damaged no_store "rm cohort.h5mu" "cohort.h5mu is missing"
damaged no_subtypes "rm subtypes.tsv" "subtypes.tsv is missing"
damaged swapped "awk -F'\t' -v OFS='\t' 'NR > 1 && \$2 == 1 { \$2 = 2 } { print }' subtypes.tsv > s && mv s subtypes.tsv" \
  "contradicts clustering.tsv"
note "ok"
