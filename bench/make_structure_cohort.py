"""A cohort of N samples x V biallelic SNVs with population structure and families, as PLINK 1 binary files (fast
to write with numpy; plink2 --export turns them into the VCF that precis reads). Three populations (Balding-
Nichols, Fst 0.05-0.1), LD blocks of 5 variants, 1 in 50 samples a child of two earlier ones, 1% missing calls.
Usage: python3 make_structure_cohort.py OUT_PREFIX N V [SEED]
"""
import sys
import numpy as np

out, n, v = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rng = np.random.default_rng(int(sys.argv[4]) if len(sys.argv) > 4 else 1)
pops = np.array(["EUR", "AFR", "EAS"])
fst = np.array([0.05, 0.1, 0.08])
pop = rng.choice(3, size=n, p=[0.5, 0.3, 0.2])
p_anc = rng.uniform(0.05, 0.95, v)
freq = np.stack([rng.beta(p_anc * (1 - f) / f, (1 - p_anc) * (1 - f) / f) for f in fst])  # 3 x v
block = np.arange(v) // 5
# families: sample i (1 in 50) is the child of two earlier samples, the same two for every variant
parents = {i: rng.choice(i, 2, replace=False) for i in range(2, n, 50)}
with open(out + ".bed", "wb") as bed:
    bed.write(bytes([0x6C, 0x1B, 0x01]))  # variant-major
    step = max(1, 20_000_000 // n)  # variants per chunk
    for v0 in range(0, v, step):
        v1 = min(v, v0 + step)
        f = freq[:, v0:v1][pop]  # n x m: each sample's population frequencies
        # LD: within a block, haplotypes share a draw with probability 0.8
        lead = rng.uniform(size=(2, n, v1 - v0))
        own = rng.uniform(size=(2, n, v1 - v0))
        b = block[v0:v1] - block[v0]
        first = np.searchsorted(b, np.arange(b.max() + 1))
        shared = lead[:, :, first[b]]
        u = np.where(rng.uniform(size=(2, n, v1 - v0)) < 0.8, shared, own)
        g = (u < f).sum(axis=0).astype(np.uint8)  # n x m
        # families: sample i (1 in 50) inherits one allele from each of two earlier samples of its population
        for i, (a, c) in parents.items():
            g[i] = (rng.uniform(size=v1 - v0) < g[a] / 2).astype(np.uint8) + (rng.uniform(size=v1 - v0) < g[c] / 2)
        g[rng.uniform(size=g.shape) < 0.01] = 3
        # PLINK 1 codes: 0 hom A1 (ALT), 2 het, 3 hom A2 (REF), 1 missing; 4 samples per byte, low bits first
        code = np.array([3, 2, 0, 1], dtype=np.uint8)[g]  # ALT count -> code (A1 = ALT)
        pad = (-n) % 4
        code = np.concatenate([code, np.ones((pad, v1 - v0), dtype=np.uint8)], axis=0).T  # m x n4
        code = code.reshape(v1 - v0, -1, 4)
        packed = code[:, :, 0] | (code[:, :, 1] << 2) | (code[:, :, 2] << 4) | (code[:, :, 3] << 6)
        bed.write(packed.astype(np.uint8).tobytes())
with open(out + ".bim", "w") as bim:
    per = (v + 2) // 3
    for j in range(v):
        c = j // per + 1
        bim.write(f"{c}\tv{j + 1}\t0\t{100000 + (j % per) * 1000}\t{'ACGT'[j % 4]}\t{'ACGT'[(j + 1) % 4]}\n")
with open(out + ".fam", "w") as fam, open(out + ".populations.tsv", "w") as pt:
    pt.write("sample_id\tpopulation\n")
    for i in range(n):
        fam.write(f"S{i + 1}\tS{i + 1}\t0\t0\t0\t-9\n")
        pt.write(f"S{i + 1}\t{pops[pop[i]]}\n")
