"""Whether two results folders hold the same results: every output file byte for byte, the cohort store's and
the subtype model's datasets and attributes (the store's embedded provenance, the model's creation time and its
training study's resolved text, which names the output folder, aside), and provenance.json apart from what describes the run
rather than the results (times, host, command line, ranks and threads, memory, what was resumed, the output path),
and report.html apart from its run summary.
A Slurm job's script and logs and the resume state in .precis/ are not results.
With --other-build the two folders may come from different builds of precis (a refactoring's before and after): the
git commit they name is not compared, but provenance.json must still have the same keys in the same order.
Usage: same_results.py REFERENCE OTHER [--other-build]   (exit 1 naming the first difference)"""
import json, os, re, sys

import h5py
import numpy as np

RUN_ONLY = {"start_time", "end_time", "host", "hosts", "command_line", "ranks", "threads_per_rank", "collective_io",
            "peak_memory_mib_per_rank", "clustering_seconds", "resumed", "resolved_study",
            "cpu_seconds_per_rank", "stage_seconds"}


def files(d):
    """The results: not the resume state (.precis/), nor a Slurm job's script and logs."""
    out = set()
    for root, dirs, names in os.walk(d):
        dirs[:] = [x for x in dirs if not (x == ".precis" or (root == d and x == "logs"))]
        out |= {os.path.relpath(os.path.join(root, n), d) for n in names if not n.endswith(".sbatch")}
    return out


def store(path):
    items = {}

    def visit(name, obj):
        for k, v in obj.attrs.items():
            items[f"{name}@{k}"] = np.asarray(v)
        if isinstance(obj, h5py.Dataset) and name != "uns/provenance":
            items[name] = np.asarray(obj[()])

    with h5py.File(path, "r") as f:
        for k, v in f.attrs.items():
            items[f"@{k}"] = np.asarray(v)
        f.visititems(visit)
    return items


def main(a, b, other_build=False):
    fa, fb = files(a), files(b)
    if fa != fb:
        sys.exit(f"different files: {sorted(fa ^ fb)}")
    for name in sorted(fa):
        pa, pb = os.path.join(a, name), os.path.join(b, name)
        if name in ("cohort.h5mu", "model/subtype_model.h5"):  # HDF5: the objects, not the bytes
            sa, sb = store(pa), store(pb)
            for s in (sa, sb):  # when the model was written, and its study's resolved text (output path)
                s.pop("@created", None), s.pop("resolved_study", None)
            if sa.keys() != sb.keys():
                sys.exit(f"cohort.h5mu: different objects {sorted(set(sa) ^ set(sb))}")
            for k in sa:
                x, y = sa[k], sb[k]
                same = (np.array_equal(x, y, equal_nan=True) if x.dtype.kind == "f" and y.dtype.kind == "f"
                        else np.array_equal(x, y))
                if not same:
                    sys.exit(f"cohort.h5mu: {k} differs")
        elif name == "provenance.json":
            ja, jb = json.load(open(pa)), json.load(open(pb))
            if other_build and (list(ja) != list(jb) or list(ja.get("stage_seconds", {})) != list(jb.get("stage_seconds", {}))):
                sys.exit("provenance.json: different keys or key order")
            ignored = RUN_ONLY | ({"git_commit"} if other_build else set())
            for j in (ja, jb):  # inputs.tsv.gz is named by its path in the folder; its checksum must agree
                if isinstance(j.get("sample_inputs"), dict):
                    j["sample_inputs"].pop("path", None)
            for k in set(ja) | set(jb):
                if k not in ignored and ja.get(k) != jb.get(k):
                    sys.exit(f"provenance.json: '{k}' differs")
        elif name == "report.html":  # the run summary between its markers describes the run
            strip = lambda p: re.sub(r"<!-- run:begin -->.*?<!-- run:end -->", "", open(p).read(), flags=re.S)
            if strip(pa) != strip(pb):
                sys.exit("report.html differs (outside its run summary)")
        elif name == "study.resolved.yaml":
            strip = lambda p: [l for l in open(p) if not l.lstrip().startswith(("output:", "# Resolved study"))]
            if strip(pa) != strip(pb):
                sys.exit("study.resolved.yaml differs")
        elif open(pa, "rb").read() != open(pb, "rb").read():
            sys.exit(f"{name} differs")
    print(f"same results: {len(fa)} files")


if __name__ == "__main__":
    if len(sys.argv) not in (3, 4) or (len(sys.argv) == 4 and sys.argv[3] != "--other-build"):
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2], len(sys.argv) == 4)
