#!/usr/bin/env python3
"""Writes the bad-input corpus: tests/data/bad/common/ (a valid five-sample study: bgzipped, indexed VCFs and
protein tables) and tests/data/bad/cases/NN-name/ (the files one case changes, and expect.txt).
Run from the repository root: python3 tests/data/bad/make_cases.py   (needs bgzip and tabix; deterministic)

expect.txt lines:  exit N            the exit code of `precis run study.yaml`
                   has TEXT          stderr contains TEXT ({DIR}: the case's folder)
                   qc MOD ID STATUS TEXT   qc/MOD.tsv has sample ID with STATUS and TEXT in its reason
A case may hold prepare.sh, run in the case's folder before precis (for what git cannot hold: a folder where a file
belongs, a file without read permission)."""
import gzip, os, random, shutil, subprocess, sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)))
COMMON = os.path.join(ROOT, "common")
CASES = os.path.join(ROOT, "cases")
IDS = ["S1", "S2", "S3", "S4", "S5"]
HEADER = ("##fileformat=VCFv4.2\n##contig=<ID=chr1,length=1000000>\n"
          '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n'
          '##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Depth">\n'
          "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t{sample}\n")
STUDY = """study:
  name: bad
  seed: 1
  on_sample_error: {policy}
workflow: qc-only
samples:
  sheet: samples.tsv
  phenotypes: [age]
genome:
  path_column: vcf
  features:
    gene_burden: {{genes: genes.bed}}
proteome:
  path_column: proteome
"""


def records(sample_index):
    rng = random.Random(sample_index)
    rows = []
    for k, pos in enumerate(range(100, 3100, 100)):
        gt = rng.choice(["0/0", "0/1", "1/1", "0/1", "./."])
        rows.append(f"chr1\t{pos}\t.\t{'ACGT'[k % 4]}\t{'GTAC'[k % 4]}\t50\tPASS\t.\tGT:DP\t{gt}:{20 + k}\n")
    return rows


def vcf_text(sample, idx):
    return HEADER.format(sample=sample) + "".join(records(idx))


def bgzip(path_txt):
    subprocess.run(["bgzip", "-f", path_txt], check=True)
    subprocess.run(["tabix", "-f", "-p", "vcf", path_txt + ".gz"], check=True)


def proteome_text(idx):
    rng = random.Random(100 + idx)
    return "protein_id\tabundance\n" + "".join(f"P{p:02d}\t{rng.uniform(100, 1000):.3f}\n" for p in range(1, 21))


def write(path, data, mode="w"):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, mode) as f:
        f.write(data)


def sheet(rows=None, header="sample_id\tvcf\tproteome\tage\n"):
    rows = rows if rows is not None else [f"{s}\tvcf/{s}.vcf.gz\tproteome/{s}.tsv\t{50 + i}\n" for i, s in enumerate(IDS)]
    return header + "".join(rows)


def common():
    shutil.rmtree(COMMON, ignore_errors=True)
    for i, s in enumerate(IDS):
        p = os.path.join(COMMON, "vcf", f"{s}.vcf")
        write(p, vcf_text(s, i))
        bgzip(p)
        write(os.path.join(COMMON, "proteome", f"{s}.tsv"), proteome_text(i))
    write(os.path.join(COMMON, "samples.tsv"), sheet())
    write(os.path.join(COMMON, "genes.bed"), "chr1\t50\t1500\tG1\nchr1\t1500\t3200\tG2\n")
    write(os.path.join(COMMON, "study.yaml"), STUDY.format(policy="fail"))


cases = []


def case(name, expect, files=None, prepare=None):
    cases.append((name, expect, files or {}, prepare))


def vcf_bytes(sample, idx, mutate=None):
    text = vcf_text(sample, idx)
    return mutate(text) if mutate else text


def bgzf(text):
    """bgzip-compressed bytes of text (through the real bgzip)."""
    data = text.encode() if isinstance(text, str) else text
    return subprocess.run(["bgzip", "-c"], input=data, capture_output=True, check=True).stdout


SKIP = STUDY.format(policy="skip")


def define():
    full = bgzf(vcf_text("S2", 1))
    # --- per-sample VCFs -------------------------------------------------------------------------------------------
    case("vcf-truncated-bgzip", ["exit 2", "has vcf/S2.vcf.gz", "has S2"], {"vcf/S2.vcf.gz": full[: len(full) // 2]})
    case("vcf-truncated-bgzip-skip", ["exit 0", "qc genome S2 error S2.vcf.gz"],
         {"vcf/S2.vcf.gz": full[: len(full) // 2], "study.yaml": SKIP})
    case("vcf-no-header", ["exit 2", "has S3.vcf", "has S3"],
         {"vcf/S3.vcf": "".join(records(2)),
          "samples.tsv": sheet([f"{s}\tvcf/{s}.vcf{'' if s == 'S3' else '.gz'}\tproteome/{s}.tsv\t5{i}\n"
                                for i, s in enumerate(IDS)])})
    case("vcf-wrong-sample-count", ["exit 2", "has S2.vcf.gz", "has S2"],
         {"vcf/S2.vcf.gz": bgzf(vcf_bytes("S2", 1, lambda t: t.replace(":20\n", ":20\t1/1:5\n", 1)))})
    case("vcf-empty-file", ["exit 2", "has vcf/S4.vcf.gz", "has S4"], {"vcf/S4.vcf.gz": b""})
    case("vcf-directory", ["exit 2", "has vcf/S1.vcf.gz", "has S1"], {},
         prepare="rm -f vcf/S1.vcf.gz vcf/S1.vcf.gz.tbi && mkdir vcf/S1.vcf.gz\n")
    case("vcf-binary", ["exit 2", "has vcf/S5.vcf.gz", "has S5"],
         {"vcf/S5.vcf.gz": bytes(random.Random(5).randrange(256) for _ in range(4096))})
    case("vcf-crlf", ["exit 0"],  # read as if LF: what htslib and bcftools also accept
         {"vcf/S2.vcf": vcf_text("S2", 1).replace("\n", "\r\n"),
          "samples.tsv": sheet([f"{s}\tvcf/{s}.vcf{'' if s == 'S2' else '.gz'}\tproteome/{s}.tsv\t5{i}\n"
                                for i, s in enumerate(IDS)])})
    case("vcf-huge-line", ["exit 0"],  # a 3 MB INFO field is valid VCF
         {"vcf/S2.vcf.gz": bgzf(vcf_bytes("S2", 1, lambda t: t.replace("PASS\t.\tGT", "PASS\tX=" + "A" * 3_000_000 + "\tGT", 1)))})
    case("vcf-non-utf8-sample", ["exit 0"],  # the sheet names the sample; the VCF's column name is not used
         {"vcf/S2.vcf.gz": bgzf(vcf_text("S2", 1).encode().replace(b"\tS2\n", b"\tS\xff2\n"))})
    case("vcf-bad-genotype", ["exit 2", "has S3.vcf.gz", "has S3"],
         {"vcf/S3.vcf.gz": bgzf(vcf_bytes("S3", 2, lambda t: t.replace("GT:DP\t", "GT:DP\tx/", 1)))})
    case("vcf-nan-depth", ["exit 2", "has S2.vcf.gz", "has S2"],
         {"vcf/S2.vcf.gz": bgzf(vcf_bytes("S2", 1, lambda t: t.replace(":20\n", ":nan\n", 1)))})
    case("vcf-unsorted", ["exit 0"],  # a per-sample VCF is read whole: order does not change a count
         {"vcf/S2.vcf.gz": bgzf(vcf_bytes("S2", 1, lambda t: t.replace("chr1\t100\t", "chr1\t9999\t", 1)))})
    case("vcf-plain-gzip", ["exit 0"],  # htslib reads gzip as well as bgzip
         {"vcf/S2.vcf.gz": gzip.compress(vcf_text("S2", 1).encode(), mtime=0)})
    case("vcf-missing-file", ["exit 2", "has samples.tsv:3", "has S2"], {}, prepare="rm -f vcf/S2.vcf.gz vcf/S2.vcf.gz.tbi\n")
    case("vcf-unknown-contig", ["exit 0"],  # as bcftools: a contig the header lacks is read
         {"vcf/S2.vcf.gz": bgzf(vcf_bytes("S2", 1, lambda t: t.replace("chr1\t200\t", "chrZ\t200\t", 1)))})
    # --- sample sheet ----------------------------------------------------------------------------------------------
    case("sheet-duplicate-id", ["exit 2", "has samples.tsv:4", "has S2"],
         {"samples.tsv": sheet([f"{s}\tvcf/{s}.vcf.gz\tproteome/{s}.tsv\t5{i}\n" for i, s in enumerate(["S1", "S2", "S2", "S4", "S5"])])})
    case("sheet-empty-file", ["exit 2", "has samples.tsv"], {"samples.tsv": ""})
    case("sheet-header-only", ["exit 2", "has samples.tsv"], {"samples.tsv": sheet([])})
    case("sheet-ragged-row", ["exit 2", "has samples.tsv:3"],
         {"samples.tsv": sheet().replace("S2\tvcf/S2.vcf.gz\tproteome/S2.tsv\t51\n", "S2\tvcf/S2.vcf.gz\tproteome/S2.tsv\n")})
    case("sheet-crlf", ["exit 0"], {"samples.tsv": sheet().replace("\n", "\r\n")})
    case("sheet-binary", ["exit 2", "has samples.tsv"], {"samples.tsv": bytes(random.Random(7).randrange(256) for _ in range(2048))})
    case("sheet-directory", ["exit 2", "has samples.tsv"], {}, prepare="rm -f samples.tsv && mkdir samples.tsv\n")
    case("sheet-non-utf8-id", ["exit 2", "has samples.tsv:3"],
         {"samples.tsv": sheet().replace("S2\t", "S\udcff2\t").encode("utf-8", "surrogateescape")})
    case("sheet-huge-line", ["exit 2", "has samples.tsv:3"], {},  # a 3 MB id, made here rather than kept in git
         prepare="{ head -n 2 samples.tsv; printf 'S%*s' 3000000 '' | tr ' ' 2; printf '\\t'; "
                 "sed -n 3p samples.tsv | cut -f 2-; tail -n +4 samples.tsv; } > s.tmp && mv s.tmp samples.tsv\n")
    case("sheet-empty-id", ["exit 2", "has samples.tsv:3"], {"samples.tsv": sheet().replace("S2\t", "\t", 1)})
    case("sheet-nul-byte", ["exit 2", "has samples.tsv:3"], {"samples.tsv": sheet().replace("S2\t", "S\x002\t", 1)})
    case("sheet-id-with-tab-quoted", ["exit 2", "has samples.tsv:3"],
         {"samples.tsv": sheet().replace("S2\t", '"S\t2"\t', 1)})
    # --- protein tables --------------------------------------------------------------------------------------------
    case("prot-non-numeric", ["exit 2", "has proteome/S2.tsv:4", "has S2"],
         {"proteome/S2.tsv": "protein_id\tabundance\nP01\t100\nP02\t200\nP03\tabc\nP04\t400\n"})
    case("prot-non-numeric-skip", ["exit 0", "qc proteome S2 error S2.tsv:4"],
         {"proteome/S2.tsv": "protein_id\tabundance\nP01\t1\nP02\t2\nP03\tabc\nP04\t4\n", "study.yaml": SKIP})
    case("prot-nan-inf", ["exit 2", "has proteome/S3.tsv:3", "has S3"],
         {"proteome/S3.tsv": "protein_id\tabundance\nP01\t100\nP02\tInf\nP03\tNaN\nP04\t400\n"})
    case("prot-empty-file", ["exit 2", "has proteome/S4.tsv", "has S4"], {"proteome/S4.tsv": ""})
    case("prot-header-only", ["exit 2", "has proteome/S4.tsv", "has S4"], {"proteome/S4.tsv": "protein_id\tabundance\n"})
    case("prot-duplicate-protein", ["exit 2", "has proteome/S2.tsv:4", "has S2"],
         {"proteome/S2.tsv": "protein_id\tabundance\nP01\t100\nP02\t200\nP02\t300\nP04\t400\n"})
    case("prot-missing-column", ["exit 2", "has proteome/S2.tsv", "has abundance"],
         {"proteome/S2.tsv": "protein_id\tintensity\nP01\t100\nP02\t200\n"})
    case("prot-binary", ["exit 2", "has proteome/S5.tsv", "has S5"],
         {"proteome/S5.tsv": bytes(random.Random(9).randrange(256) for _ in range(2048))})
    case("prot-crlf", ["exit 0"], {"proteome/S2.tsv": proteome_text(1).replace("\n", "\r\n")})
    case("prot-directory", ["exit 2", "has proteome/S3.tsv", "has S3"], {}, prepare="rm -f proteome/S3.tsv && mkdir proteome/S3.tsv\n")
    case("prot-negative-log2", ["exit 2", "has proteome/S2.tsv:3", "has S2"],
         {"proteome/S2.tsv": "protein_id\tabundance\nP01\t100\nP02\t-5\nP03\t300\n"})
    case("prot-empty-protein-id", ["exit 2", "has proteome/S2.tsv:3", "has S2"],
         {"proteome/S2.tsv": "protein_id\tabundance\nP01\t100\n\t200\nP03\t300\n"})
    case("prot-ragged-row", ["exit 2", "has proteome/S2.tsv:3", "has S2"],
         {"proteome/S2.tsv": "protein_id\tabundance\nP01\t100\nP02\t200\textra\nP03\t300\n"})
    case("prot-huge-line", ["exit 2", "has proteome/S2.tsv:3", "has S2"], {},
         prepare="{ printf 'protein_id\\tabundance\\nP01\\t100\\nP'; printf '%*s' 3000000 '' | tr ' ' 9; "
                 "printf '\\tzz\\n'; } > proteome/S2.tsv\n")
    # --- Olink NPX and MaxQuant cohort files -----------------------------------------------------------------------
    npx_head = "SampleID;OlinkID;UniProt;Assay;Panel;PlateID;QC_Warning;LOD;NPX\n"
    def npx(rows):
        return npx_head + "".join(rows)
    good_npx = [f"{s};OID{a:05d};P{a:05d};A{a};Panel;Plate1;PASS;0.5;{(i + a) % 7 + 1.25}\n" for i, s in enumerate(IDS) for a in range(1, 6)]
    npx_study = STUDY.format(policy="fail").replace("proteome:\n  path_column: proteome\n",
                                                    "proteome:\n  cohort_file: npx.csv\n  format: olink_npx\n  transform: none\n")
    case("npx-non-numeric", ["exit 2", "has npx.csv:4"],
         {"npx.csv": npx(good_npx[:2] + [good_npx[2].rsplit(";", 1)[0] + ";high\n"] + good_npx[3:]), "study.yaml": npx_study})
    case("npx-missing-column", ["exit 2", "has npx.csv", "has NPX"],
         {"npx.csv": npx_head.replace(";NPX", "") + "".join(r.rsplit(";", 1)[0] + "\n" for r in good_npx), "study.yaml": npx_study})
    case("npx-duplicate-measurement", ["exit 2", "has npx.csv:3"],
         {"npx.csv": npx([good_npx[0], good_npx[0]] + good_npx[1:]), "study.yaml": npx_study})
    case("npx-inf", ["exit 2", "has npx.csv:2"],
         {"npx.csv": npx([good_npx[0].rsplit(";", 1)[0] + ";Inf\n"] + good_npx[1:]), "study.yaml": npx_study})
    case("npx-empty", ["exit 2", "has npx.csv"], {"npx.csv": "", "study.yaml": npx_study})
    mq_study = STUDY.format(policy="fail").replace("proteome:\n  path_column: proteome\n",
                                                   "proteome:\n  cohort_file: proteinGroups.txt\n  format: maxquant\n")
    mq_head = "Protein IDs\tMajority protein IDs\t" + "\t".join(f"LFQ intensity {s}" for s in IDS) + "\n"
    mq_rows = [f"P{p:02d}\tP{p:02d}\t" + "\t".join(f"{(p * 37 + i * 11) % 900 + 100}" for i in range(5)) + "\n" for p in range(1, 21)]
    case("maxquant-ragged-row", ["exit 2", "has proteinGroups.txt:4"],
         {"proteinGroups.txt": mq_head + mq_rows[0] + mq_rows[1] + "P03\tP03\t5\n" + "".join(mq_rows[3:]), "study.yaml": mq_study})
    case("maxquant-missing-sample", ["exit 2", "has proteinGroups.txt", "has S5"],
         {"proteinGroups.txt": mq_head.replace("\tLFQ intensity S5", "") + "".join(r.rsplit("\t", 1)[0] + "\n" for r in mq_rows), "study.yaml": mq_study})
    case("maxquant-bad-cell-skip", ["exit 0", "qc proteome S3 error proteinGroups.txt:5"],
         {"proteinGroups.txt": mq_head + "".join(mq_rows[:3]) + "P04\tP04\t1\t1\tzz\t1\t1\n" + "".join(mq_rows[4:]),
          "study.yaml": mq_study.replace("on_sample_error: fail", "on_sample_error: skip")})
    # --- scores, genes, cohort VCF ---------------------------------------------------------------------------------
    pgs_study = STUDY.format(policy="fail").replace("gene_burden: {genes: genes.bed}", "scores: [pgs.txt]")
    case("pgs-missing-columns", ["exit 2", "has pgs.txt"],
         {"pgs.txt": "#pgs_id=PGS000001\nchr_name\tchr_position\tweight\n1\t100\t0.5\n", "study.yaml": pgs_study})
    case("pgs-non-numeric-weight", ["exit 2", "has pgs.txt:3"],
         {"pgs.txt": "chr_name\tchr_position\teffect_allele\tother_allele\teffect_weight\nchr1\t100\tG\tA\t0.5\nchr1\t200\tT\tC\theavy\n",
          "study.yaml": pgs_study})
    case("pgs-truncated-gzip", ["exit 2", "has pgs.txt.gz"],
         {"pgs.txt.gz": gzip.compress(("chr_name\tchr_position\teffect_allele\tother_allele\teffect_weight\n" +
                                       "".join(f"chr1\t{p}\tG\tA\t0.1\n" for p in range(100, 5000, 100))).encode(), mtime=0)[:60],
          "study.yaml": pgs_study.replace("pgs.txt", "pgs.txt.gz")})
    case("bed-end-before-start", ["exit 2", "has genes.bed:2"], {"genes.bed": "chr1\t50\t1500\tG1\nchr1\t3200\t1500\tG2\n"})
    case("bed-non-numeric", ["exit 2", "has genes.bed:1"], {"genes.bed": "chr1\tfifty\t1500\tG1\n"})
    cohort_study = STUDY.format(policy="fail").replace("genome:\n  path_column: vcf\n", "genome:\n  cohort_file: cohort.vcf.gz\n")
    cohort_text = HEADER.replace("{sample}", "\t".join(IDS)).replace("\t" + "\t".join(IDS), "\t" + "\t".join(IDS)) + "".join(
        r.rstrip("\n") + "".join("\t" + r.rstrip("\n").split("\t")[-1] for _ in range(4)) + "\n" for r in records(0))
    cohort = bgzf(cohort_text)
    case("cohort-vcf-no-index", ["exit 2", "has cohort.vcf.gz"], {"cohort.vcf.gz": cohort, "study.yaml": cohort_study})
    case("cohort-vcf-truncated", ["exit 2", "has cohort.vcf.gz"],
         {"cohort.vcf.gz": cohort[: len(cohort) // 2], "study.yaml": cohort_study},
         prepare="tabix -f -p vcf cohort.vcf.gz 2>/dev/null || touch cohort.vcf.gz.tbi\n")
    # a stale index: made when the file held chr1 only, then the file rewritten with chr1 and chr2 (precis read chr1
    # alone, silently); and a BCF with another file's index
    two = cohort_text.replace("##contig=<ID=chr1,length=1000000>\n",
                              "##contig=<ID=chr1,length=1000000>\n##contig=<ID=chr2,length=1000000>\n")
    chr1_only = two
    two += "".join(r.replace("chr1", "chr2", 1) for r in two.splitlines(keepends=True) if r.startswith("chr1"))
    stale = {"cohort.vcf.gz": bgzf(two), "chr1.vcf.gz": bgzf(chr1_only), "study.yaml": cohort_study}
    index_chr1 = "tabix -f -p vcf chr1.vcf.gz && mv chr1.vcf.gz.tbi cohort.vcf.gz.tbi && rm chr1.vcf.gz\n"
    case("cohort-vcf-index-older", ["exit 2", "has cohort.vcf.gz.tbi is older than the file", "has bcftools index -f"],
         stale, prepare=index_chr1 + "touch -d 2020-01-01 cohort.vcf.gz.tbi\n")
    case("cohort-vcf-index-stale-same-time", ["exit 2", "has cohort.vcf.gz.tbi", "has bcftools index -f"],
         stale, prepare=index_chr1 + "touch -r cohort.vcf.gz cohort.vcf.gz.tbi\n")
    case("cohort-bcf-other-files-index", ["exit 2", "has cohort.bcf.csi", "has bcftools index -f"],
         dict(stale, **{"study.yaml": cohort_study.replace("cohort.vcf.gz", "cohort.bcf")}),
         prepare="bcftools view -Ob -o cohort.bcf cohort.vcf.gz && bcftools view -Ob -o chr1.bcf chr1.vcf.gz\n"
                 "bcftools index chr1.bcf && mv chr1.bcf.csi cohort.bcf.csi && touch -r cohort.bcf cohort.bcf.csi\n")

    # --- clustering: resamples too small for k.max, equal sample profiles ---------------------------------------------
    cl_study = ("study:\n  name: bad\n  seed: 1\n  on_sample_error: fail\nsamples:\n  sheet: samples.tsv\n"
                "  phenotypes: [age]\nproteome:\n  path_column: proteome\nclustering:\n  modalities: [proteome]\n"
                "  algorithm: kmeans\n  k: {min: 2, max: 4}\n  resamples: 20\nranking:\n  enabled: false\n")
    case("clustering-item-fraction-too-small", ["exit 2", "has 'clustering.item_fraction' is 0.3",
                                                 "has at least 0.8"],
         {"study.yaml": cl_study.replace("  resamples: 20\n", "  resamples: 20\n  item_fraction: 0.3\n")})
    copies = [f"{s}\tvcf/{s}.vcf.gz\tproteome/{src}.tsv\t{50 + i}\n"
              for i, (s, src) in enumerate(zip(IDS, ["S1", "S2", "S3", "S1", "S2"]))]
    case("duplicate-sample-profiles", ["exit 0", "has clustering skips k = 4 to 4", "has 'S4' as 'S1'"],
         {"study.yaml": cl_study, "samples.tsv": sheet(copies)})
    same = [f"{s}\tvcf/{s}.vcf.gz\tproteome/S1.tsv\t{50 + i}\n" for i, s in enumerate(IDS)]
    case("all-sample-profiles-equal", ["exit 1", "has none of them varies"], {"study.yaml": cl_study, "samples.tsv": sheet(same)})

    # --- a wide sheet: 30,000 phenotype columns (obs's column-order attribute is over HDF5's 64 KiB for compact
    # attributes; names were looked up one by one through every column)
    case("wide-sheet-30000-phenotypes", ["exit 0"], {}, prepare=(
        "python3 - <<'PY'\nN = 30000\nrows = open('samples.tsv').read().splitlines()\n"
        "out = [rows[0] + ''.join(f'\\tp{i}' for i in range(N))]\n"
        "out += [r + ''.join(f'\\t{(j * 7 + i) % 5}' for i in range(N)) for j, r in enumerate(rows[1:])]\n"
        "open('samples.tsv', 'w').write('\\n'.join(out) + '\\n')\n"
        "s = open('study.yaml').read().replace('phenotypes: [age]', 'phenotypes: [age, ' + ', '.join(f'p{i}' for i in range(N)) + ']')\n"
        "open('study.yaml', 'w').write(s)\nPY\n"))


def main():
    os.chdir(ROOT)
    common()
    define()
    shutil.rmtree(CASES, ignore_errors=True)
    for n, (name, expect, files, prepare) in enumerate(cases, 1):
        d = os.path.join(CASES, f"{n:02d}-{name}")
        os.makedirs(d)
        for rel, data in files.items():
            write(os.path.join(d, rel), data, "wb" if isinstance(data, bytes) else "w")
        if prepare:
            write(os.path.join(d, "prepare.sh"), prepare)
        write(os.path.join(d, "expect.txt"), "\n".join(expect) + "\n")
    print(f"{len(cases)} cases in {CASES}")


if __name__ == "__main__":
    main()
