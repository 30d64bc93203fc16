#!/usr/bin/python3
"""A simulated proteome cohort for clustering at any size, as one MaxQuant proteinGroups.txt (samples as columns,
LFQ intensities) or, with FORMAT npx, one Olink NPX export npx.csv (long: a row per sample and assay, NPX =
log2 intensity, 8 plates), with samples.tsv and truth.tsv, in OUT. K subtypes of equal expected size; each subtype
raises its own block of proteins by 1.5 log2 units over N(20, 1) noise.
Usage: make_cohort.py OUT SAMPLES [PROTEINS=50] [SUBTYPES=3] [SEED=1] [FORMAT=maxquant|npx]"""
import os
import sys

import numpy as np

out, n = sys.argv[1], int(sys.argv[2])
p = int(sys.argv[3]) if len(sys.argv) > 3 else 50
k = int(sys.argv[4]) if len(sys.argv) > 4 else 3
rng = np.random.default_rng(int(sys.argv[5]) if len(sys.argv) > 5 else 1)
os.makedirs(out, exist_ok=True)
subtype = rng.integers(0, k, n)
x = rng.normal(20.0, 1.0, (p, n))
block = p // (2 * k)
for s in range(k):
    x[s * block:(s + 1) * block, subtype == s] += 1.5
ids = [f"S{i + 1:06d}" for i in range(n)]
with open(f"{out}/samples.tsv", "w") as f:
    f.write("sample_id\n" + "".join(f"{s}\n" for s in ids))
with open(f"{out}/truth.tsv", "w") as f:
    f.write("sample_id\tsubtype\n" + "".join(f"{s}\t{t + 1}\n" for s, t in zip(ids, subtype)))
if (sys.argv[6] if len(sys.argv) > 6 else "maxquant") == "npx":
    with open(f"{out}/npx.csv", "w") as f:
        f.write("SampleID;Sample_Type;OlinkID;UniProt;Assay;MissingFreq;Panel;PlateID;QC_Warning;LOD;NPX;Assay_Warning\n")
        assay = [f"OID{j + 1:05d};Q{j + 1:05d};A{j + 1}" for j in range(p)]
        for i, s in enumerate(ids):
            plate = f"Plate{i * 8 // n + 1}"
            f.write("".join(f"{s};SAMPLE;{assay[j]};0;Inflammation;{plate};PASS;17.5;{x[j, i]:.4f};PASS\n" for j in range(p)))
else:
    with open(f"{out}/proteinGroups.txt", "w") as f:
        f.write("Protein IDs\t" + "\t".join(f"LFQ intensity {s}" for s in ids) + "\n")
        for j in range(p):
            f.write(f"P{j + 1:05d}\t" + "\t".join(f"{v:.1f}" for v in np.exp2(x[j])) + "\n")
