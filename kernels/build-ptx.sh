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
    local ptx="$2/$(basename "${cu%.cu}").ptx"
    "$NVCC" -ptx -O3 -arch=compute_75 "$cu" -o "$ptx.tmp"
    # nvcc 13 marks struct-parameter loads with a used_bytes_mask pragma (PTX ISA 8.3); it is a hint, so it goes.
    sed -e 's/^\.version .*/.version 8.0/' -e '/\.pragma "used_bytes_mask/d' "$ptx.tmp" \
      | grep -v '^// Compiler Build ID\|^// Cuda compilation tools\|^// Based on NVVM' > "$ptx"
    rm "$ptx.tmp"
    for sm in sm_75 sm_80 sm_90; do "$PTXAS" -arch="$sm" "$ptx" -o /dev/null; done
    echo "$ptx"
  done
}
# PTX_OUT writes elsewhere (the staleness test compares a fresh build with the committed files).
out=${PTX_OUT:-.}
build src/main/cuda "$out/src/main/resources/dev/stride/kernels"
# Fixtures ship too: the emulator's tests, its benchmark and users' first runs use them.
build src/test/cuda "$out/src/main/resources/dev/stride/kernels/fixtures"
