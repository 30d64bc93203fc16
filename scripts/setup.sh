#!/usr/bin/env bash
# Installs exactly the Debian 12 packages precis needs to build, run and test.
# Idempotent: packages already present are not touched, and nothing runs when all are there.
#   scripts/setup.sh          build + run dependencies
#   scripts/setup.sh --test   also what the test suite reads outputs back with, and clang (its sanitizer build
#                             and the libFuzzer targets)
#   scripts/setup.sh --bench  also R and the Bioconductor packages the benchmarks run as peers and the fixture
#                             scripts (tests/fixtures/*/make_*.R) use
#   scripts/setup.sh --fuzz   also clang and its libFuzzer and OpenMP runtimes (scripts/fuzz.sh)
#   scripts/setup.sh --container  also podman and debootstrap (tests/container/image.sh builds and runs the image)
# The options combine: scripts/setup.sh --test --container
set -euo pipefail

build_pkgs=(
  build-essential cmake pkg-config git
  openmpi-bin libopenmpi-dev
  libhdf5-openmpi-dev
  libboost-mpi-dev libboost-serialization-dev libboost-math-dev
  libyaml-cpp-dev
  libhts-dev tabix zlib1g-dev libzstd-dev libdeflate-dev libsqlite3-dev
  libcli11-dev libeigen3-dev libspectra-dev nlohmann-json3-dev
  libssl-dev libjemalloc-dev
  catch2
)
test_pkgs=(
  bcftools bc plink2 plink1.9 procps
  python3 python3-h5py python3-anndata python3-numpy python3-scipy python3-sklearn
  slurm-wlm munge iproute2 util-linux   # the multi-node cluster: ip netns, nsenter, unshare
  chromium fonts-dejavu-core multiqc python3-pil
  clang libclang-rt-dev libomp-dev
)

bench_pkgs=(
  r-base-core r-bioc-consensusclusterplus r-bioc-all r-bioc-limma r-cran-statmod r-bioc-impute r-bioc-sva python3 bc
)

fuzz_pkgs=(clang libclang-rt-dev libomp-dev bc)

container_pkgs=(podman debootstrap)   # tests/container/image.sh: the OCI image built and run

want=("${build_pkgs[@]}")
testdata=0
for opt in "$@"; do   # any of the options, together: scripts/setup.sh --test --container
  case "$opt" in
    --test) want+=("${test_pkgs[@]}"); testdata=1 ;;
    --bench) want+=("${bench_pkgs[@]}") ;;
    --fuzz) want+=("${fuzz_pkgs[@]}") ;;
    --container) want+=("${container_pkgs[@]}") ;;
    *) echo "setup: unknown option '$opt' (use --test, --bench, --fuzz or --container)" >&2; exit 2 ;;
  esac
done

missing=()
for p in "${want[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
updated=0
if (( ${#missing[@]} == 0 )); then
  echo "setup: all ${#want[@]} packages present"
else
  echo "setup: installing ${missing[*]}"
  $SUDO apt-get update -qq
  updated=1
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# Real public VCFs for the differential tests: the example data of Bioconductor's VariantAnnotation, taken from
# its Debian package (unpacked only: its R dependencies are not needed to read the files).
if (( testdata )); then
  data=${PRECIS_TESTDATA:-/opt/precis-testdata}
  if [[ ! -f "$data/VariantAnnotation/extdata/chr22.vcf.gz" ]]; then
    echo "setup: unpacking r-bioc-variantannotation's example VCFs into $data"
    tmp=$(mktemp -d)
    if (( updated == 0 )); then $SUDO apt-get update -qq; fi
    (cd "$tmp" && chmod 777 . && apt-get download -qq r-bioc-variantannotation)
    dpkg-deb -x "$tmp"/r-bioc-variantannotation_*.deb "$tmp/x"
    $SUDO mkdir -p "$data"
    $SUDO mkdir -p "$data/VariantAnnotation"
    $SUDO cp -r "$tmp/x/usr/lib/R/site-library/VariantAnnotation/extdata" "$tmp/x/usr/share/doc/r-bioc-variantannotation/copyright" "$data/VariantAnnotation/"
    rm -rf "$tmp"
  fi
fi
