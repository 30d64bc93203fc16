#!/usr/bin/env bash
# The container image, built and run for real: a Debian 12 root file system made with debootstrap (this machine
# reaches Debian's archive but no container registry) is imported into podman as the base image, the project's
# container/Containerfile is built on it (its RUN: scripts/setup.sh, scripts/build.sh, cmake --install), the demo's
# study is simulated and run inside the image on 4 MPI ranks, and its results are compared with the native build's
# on the same study (tests/e2e/same_results.py, --other-build: the image's build names its own commit). Then the same
# study goes through a real single-node Slurm (tests/slurm/cluster.sh): `precis slurm --submit` with a site template
# whose srun starts each rank in a container of the image (hybrid: the image's MPI, the host's PMIx).
# Not part of .ci/run: it downloads ~300 packages and builds precis from scratch, ~25 minutes on two cores.
#   bash tests/container/image.sh [WORK]      (default: build/container-test; needs root, podman and debootstrap:
#                                              scripts/setup.sh --container installs them)
# On machines whose kernel denies raising resource limits (no CAP_SYS_RESOURCE) or that mount cgroup v1 and v2
# side by side ("hybrid"), podman's runtime refuses to start a container; the image is then run with limits below
# the current ones and without cgroups, in a mount namespace of its own without the cgroup v2 mount.
# The build uses --isolation=chroot, which needs neither.
set -euo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
work=$(realpath -m "${1:-$src/build/container-test}")
fail() { echo "FAIL [container]: $*" >&2; exit 1; }
note() { echo "[container] $*"; }
[[ $(id -u) == 0 ]] || fail "run it as root (debootstrap, podman's root store)"
command -v podman >/dev/null && command -v debootstrap >/dev/null || fail "needs podman and debootstrap: scripts/setup.sh --container"
[[ -x $src/build/src/precis ]] || fail "build the native precis first (scripts/build.sh): its results are the reference"
mkdir -p "$work"
base=localhost/precis-base:debian12
image=localhost/precis:test
start=$(date +%s)

# the base: Debian 12 from Debian's archive (what debian:12 on a registry is)
if ! podman image exists "$base"; then
  if [[ ! -f $work/rootfs/etc/debian_version ]]; then
    rm -rf "$work/rootfs"
    debootstrap --variant=minbase bookworm "$work/rootfs" http://deb.debian.org/debian > "$work/debootstrap.log" 2>&1 \
      || fail "debootstrap: $(tail -5 "$work/debootstrap.log")"
  fi
  # the archives the registry's debian:12 reads: bookworm, its updates and its security updates
  rm -f "$work/rootfs/etc/apt/sources.list"
  cat > "$work/rootfs/etc/apt/sources.list.d/debian.sources" <<'EOF'
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
  tar -C "$work/rootfs" -c . | podman import - "$base" >/dev/null 2>&1 || fail "podman import of the root file system"
fi

# the image, from the repository's Containerfile
commit=$(git -C "$src" rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
podman build --isolation=chroot -f "$src/container/Containerfile" --build-arg BASE="$base" \
  --build-arg PRECIS_GIT_COMMIT="$commit" -t "$image" "$src" > "$work/build.log" 2>&1 \
  || fail "podman build: $(tail -20 "$work/build.log")"
note "built $image in $(( $(date +%s) - start )) s ($(podman image inspect "$image" --format '{{.Size}}' | awk '{printf "%.0f MB", $1 / 1e6}'))"

# run it: limits below this process's, no cgroups (see above); the work folder is mounted at its own path,
# so that the study's paths (named in provenance) are the same inside and out
in_image() {
  unshare --mount --propagation private sh -c '
    if mountpoint -q /sys/fs/cgroup/unified && [ -n "$(cat /sys/fs/cgroup/unified/cgroup.controllers 2>/dev/null)" ]; then
      umount /sys/fs/cgroup/unified
    fi
    exec "$@"' sh podman run --rm --cgroups=disabled --network=none --shm-size=1g \
      --ulimit nofile=1024:1024 --ulimit nproc=4096:4096 \
      -e OMPI_MCA_rmaps_base_oversubscribe=1 -e OMPI_MCA_btl_vader_single_copy_mechanism=none \
      -v "$work:$work" -w "$work" "$@"
}
rm -rf "$work/demo" "$work/native_sim"
note "base image $base: Debian $(in_image --entrypoint cat "$base" /etc/debian_version)"
in_image "$image" --version > "$work/version.txt" || fail "precis --version in the image"
grep -q "$commit" "$work/version.txt" || fail "the image's precis does not name commit $commit: $(cat "$work/version.txt")"
grep -q "malloc: jemalloc" "$work/version.txt" || fail "the image's precis is not linked with jemalloc: $(cat "$work/version.txt")"
in_image "$image" simulate --out demo --samples 200 --subtypes 3 --seed 1 > "$work/simulate.log" 2>&1 \
  || fail "simulate in the image: $(tail -5 "$work/simulate.log")"
in_image --entrypoint mpirun "$image" -n 4 --bind-to none precis run demo/study.yaml --output demo/image_results \
  > "$work/run.log" 2>&1 || fail "precis run on 4 ranks in the image: $(tail -20 "$work/run.log")"
note "the demo study ran in the image on 4 ranks: $(grep -o 'k = [0-9]*' "$work/run.log" | head -1)"

# the native build: the same simulated study, and the same run of it
source "$src/scripts/mpi-env.sh"
"$src/build/src/precis" simulate --out "$work/native_sim" --samples 200 --subtypes 3 --seed 1 >/dev/null 2>&1
diff -r -x image_results "$work/demo" "$work/native_sim" > /dev/null || fail "the image simulated another study than the native build"
mpirun -n 4 --bind-to none "$src/build/src/precis" run "$work/demo/study.yaml" --output "$work/demo/native_results" \
  > "$work/native.log" 2>&1 || fail "the native run: $(tail -5 "$work/native.log")"
/usr/bin/python3 "$src/tests/e2e/same_results.py" "$work/demo/native_results" "$work/demo/image_results" --other-build \
  || fail "the image's results differ from the native build's"
note "the image's results are the native build's (every output file, the store's datasets, provenance)"

# Through Slurm, hybrid (docs/container.md): a real single-node Slurm (tests/slurm/cluster.sh), `precis slurm --submit`
# with a site template whose launch line is `srun --mpi=pmix` starting one container a rank; the image's Open MPI in
# each connects to the host's slurmstepd PMIx server (the step's PMIX_* and SLURM_* variables passed in, Slurm's spool
# folder, where PMIx's socket is, mounted at its own path). The containers share the host's network and talk TCP
# (OMPI_MCA_btl=self,tcp): Open MPI's shared-memory transport between two containers crashed in the first collective
# (a segfault in mca_btl_vader_sendi; not pursued).
source "$src/tests/slurm/cluster.sh"
trap 'slurm_stop "$work/cluster"' EXIT
rm -rf "$work/cluster" "$work/demo/slurm_results" "$work/demo/native_3"
slurm_start "$work/cluster" || fail "could not start Slurm: $(tail -5 "$work"/cluster/log/*.log)"
cat > "$work/rank_in_image.sh" <<EOF
#!/bin/bash
# one rank of an srun step, in the image (tests/container/image.sh)
exec unshare --mount --propagation private sh -c '
  if mountpoint -q /sys/fs/cgroup/unified && [ -n "\$(cat /sys/fs/cgroup/unified/cgroup.controllers 2>/dev/null)" ]; then
    umount /sys/fs/cgroup/unified
  fi
  exec "\$@"' sh podman run --rm --cgroups=disabled --network=host --ipc=host \\
    --ulimit nofile=1024:1024 --ulimit nproc=4096:4096 --env 'PMIX_*' --env 'SLURM_*' --env 'OMP_*' \\
    -e OMPI_MCA_btl=self,tcp -e OMPI_MCA_btl_vader_single_copy_mechanism=none \\
    -v "$work/cluster:$work/cluster" -v "$work:$work" -w "$work" "$image" "\$@"
EOF
chmod +x "$work/rank_in_image.sh"
sed 's|^{{launch}} "\$PRECIS" run |{{launch}} '"$work"'/rank_in_image.sh run |' "$src/slurm/precis.sbatch" > "$work/site.sbatch"
grep -q "rank_in_image.sh run" "$work/site.sbatch" || fail "the site template's launch line was not replaced"
cat >> "$work/demo/study.yaml" <<EOF
resources:
  ntasks: 3
  cpus_per_task: 1
  time: "00:10:00"
  mem_per_cpu: 500M
  launcher: srun
  template: $work/site.sbatch
  sbatch_options: [--overcommit]
EOF
id=$("$src/build/src/precis" slurm "$work/demo/study.yaml" --submit --output "$work/demo/slurm_results" \
  2> "$work/submit.log") || fail "precis slurm --submit: $(cat "$work/submit.log")"
# the native build's run of the same study (its resources now part of it), meanwhile
mpirun -n 3 --bind-to none "$src/build/src/precis" run "$work/demo/study.yaml" --output "$work/demo/native_3" \
  > "$work/native_3.log" 2>&1 || fail "the native run with resources: $(tail -5 "$work/native_3.log")"
state=$(slurm_wait "$id" 600)
log=$(ls "$work"/demo/slurm_results/logs/*.log)
[[ $state == COMPLETED ]] || fail "the job in the image ended $state: $(tail -20 "$log")"
/usr/bin/python3 - "$work/demo/slurm_results/provenance.json" <<'PY' || fail "the Slurm job's provenance"
import json, sys
p = json.load(open(sys.argv[1]))
assert p["ranks"] == 3 and p["collective_io"] is True, (p["ranks"], p["collective_io"])
assert p["command_line"].startswith("precis run"), p["command_line"]  # the image's precis, not the host's
PY
/usr/bin/python3 "$src/tests/e2e/same_results.py" "$work/demo/native_3" "$work/demo/slurm_results" --other-build \
  || fail "the Slurm job's results differ from the native build's"
note "through Slurm: job $id (srun --mpi=pmix, 3 ranks, a container each, the host's PMIx): COMPLETED, the native build's results"
note "ok ($(( $(date +%s) - start )) s)"
