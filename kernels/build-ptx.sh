#!/usr/bin/env bash
# Compiles the CUDA C kernels to PTX, pins the PTX ISA to 8.0 so drivers from CUDA 12.0 on load it, and checks
# that ptxas assembles every file for sm_75, sm_80 and sm_90. The PTX is committed: builds without nvcc use it.
set -euo pipefail
cd "$(dirname "$0")"
NVCC=${NVCC:-nvcc}
PTXAS=${PTXAS:-ptxas}
build() { # source-dir output-dir
  mkdir -p "$2"
  for cu in "$1"/*.cu; do
    [ -e "$cu" ] || continue
    out="$2/$(basename "${cu%.cu}").ptx"
    "$NVCC" -ptx -O3 -arch=compute_75 "$cu" -o "$out.tmp"
    sed -e 's/^\.version .*/.version 8.0/' "$out.tmp" | grep -v '^// Compiler Build ID\|^// Cuda compilation tools\|^// Based on NVVM' > "$out"
    rm "$out.tmp"
    for sm in sm_75 sm_80 sm_90; do "$PTXAS" -arch="$sm" "$out" -o /dev/null; done
    echo "$out"
  done
}
# PTX_OUT writes elsewhere (the staleness test compares a fresh build with the committed files).
out=${PTX_OUT:-.}
build src/main/cuda "$out/src/main/resources/dev/stride/kernels"
# Fixtures ship too: the emulator's tests, its benchmark and users' first runs use them.
build src/test/cuda "$out/src/main/resources/dev/stride/kernels/fixtures"
