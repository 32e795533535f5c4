#!/usr/bin/env bash
# Packs what a GPU host without Java needs into one folder: a jlink runtime, the runnable stride jar (JCuda's Linux
# natives inside), the CUDA backend's test classes with JUnit's console launcher, and gpu-checks.sh, which runs the
# gpu-tagged tests and `stride bench --backend cuda` there. Usage: cuda-backend/gpu-bundle.sh [OUT_DIR]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${1:-$root/cuda-backend/target/gpu-bundle}"
junit_platform=1.10.2
cd "$root"
mvn -B -ntp -q -DskipTests package
mvn -B -ntp -q dependency:copy -Dartifact="org.junit.platform:junit-platform-console-standalone:$junit_platform" \
  -DoutputDirectory="$out.tmp" -Dmdep.stripVersion=true
rm -rf "$out"
mkdir -p "$out"
mv "$out.tmp/junit-platform-console-standalone.jar" "$out/junit-console.jar"
rm -rf "$out.tmp"
# The modules the jar needs (jdeps --print-module-deps) but java.desktop, which only the PNG loss curves use (12 MB
# the budget has no room for): on the GPU host, `stride train` takes --curves none.
strip=()
if command -v objcopy > /dev/null; then strip=(--strip-native-debug-symbols="objcopy=$(command -v objcopy)"); fi
jlink --add-modules java.base,java.logging,java.management,java.sql,jdk.incubator.vector,jdk.unsupported \
  --strip-debug --no-man-pages --no-header-files --compress=2 "${strip[@]}" --output "$out/runtime"
cp bench/target/stride.jar "$out/stride.jar"
cp -r data/mnist "$out/mnist"
jar cf "$out/stride-cuda-tests.jar" -C cuda-backend/target/test-classes .
# The PyTorch peer on the GPU: the project's CPU twin, with every tensor it makes put on the device.
twin="$root/../shared/peers/torch_twin.py"
if [ -f "$twin" ]; then cp "$twin" "$out/torch_twin.py"; fi
cat > "$out/torch_twin_cuda.py" <<'TWIN'
"""Runs torch_twin.py (same folder) with its model, data and shuffles on the GPU: the peer of `stride train --backend cuda`."""
import os, runpy, sys
import torch
device = os.environ.get("TWIN_DEVICE", "cuda")
if device != "cpu":
    torch.set_default_device(device)
torch.backends.cuda.matmul.allow_tf32 = False  # fp32 products, as Stride's
torch.backends.cudnn.allow_tf32 = False
host = torch.from_numpy
torch.from_numpy = lambda a: host(a).to(device)
twin = os.path.join(os.path.dirname(os.path.abspath(__file__)), "torch_twin.py")
sys.argv = [twin] + sys.argv[1:]
runpy.run_path(twin, run_name="__main__")
TWIN
cat > "$out/gpu-checks.sh" <<'CHECKS'
#!/usr/bin/env bash
# Runs on the GPU host: the gpu-tagged tests (real device, cuBLAS, training against the CPU), the benchmarks on the
# CUDA backend, 5-epoch training runs beside PyTorch on the same GPU, torch.matmul at the sizes stride bench uses,
# then the bench with the SGEMM tile pinned each way and compute-sanitizer over the tiled kernels. Each step has a
# time limit, so one slow step cannot eat the others. Results land in ./gpu-results (or $1).
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
results="${1:-gpu-results}"
mkdir -p "$results"
java="$here/runtime/bin/java"
step() { local name=$1 limit=$2; shift 2; echo "== $name (limit ${limit}s)"; local t0=$SECONDS
  timeout "$limit" "$@" 2>&1 | tee "$results/$name.txt"; echo "== $name: exit ${PIPESTATUS[0]} after $((SECONDS - t0)) s"; }
nvidia-smi > "$results/nvidia-smi.txt" 2>&1 || true
head -15 "$results/nvidia-smi.txt"
# JCublas 12.6 links libcublas.so.12; hosts often have it only inside a Python package.
cublas=$(timeout 30 find /usr /opt /usr/local -name 'libcublas.so.12*' 2>/dev/null | head -1)
if [ -n "$cublas" ]; then export LD_LIBRARY_PATH="$(dirname "$cublas")${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"; fi
echo "libcublas.so.12: ${cublas:-not found}"
# The flags ./stride runs with (see there).
jvm=("$java" -XX:-UseProfiledLoopPredicate --add-modules jdk.incubator.vector)
stride=("${jvm[@]}" -jar "$here/stride.jar")
step gpu-tests 120 "${jvm[@]}" -jar "$here/junit-console.jar" execute \
  -cp "$here/stride.jar:$here/stride-cuda-tests.jar" --include-tag gpu --select-class dev.stride.cuda.GpuDeviceTest \
  --details=tree --disable-ansi-colors
step bench-cuda 90 "${stride[@]}" bench --backend cuda --json
for model in mlp cnn; do
  step "train-cuda-$model" 60 "${stride[@]}" train --backend cuda --model "$model" --data "$here/mnist" --curves none --json
  if [ -f "$here/torch_twin.py" ]; then step "torch-cuda-$model" 60 python3 "$here/torch_twin_cuda.py" "$here/mnist" "$model" 5 1 0; fi
done
# torch.matmul in fp32 (no TF32) at the sizes stride bench times.
step torch-matmul 40 python3 - <<'PY'
import time
try:
    import torch
    assert torch.cuda.is_available()
except Exception as e:
    print("no torch with CUDA here:", e)
    raise SystemExit
torch.backends.cuda.matmul.allow_tf32 = False
for n in (1024, 4096):
    a = torch.randn(n, n, device="cuda"); b = torch.randn(n, n, device="cuda")
    for _ in range(3): a @ b
    rates = []
    for _ in range(5):
        torch.cuda.synchronize(); t = time.perf_counter(); reps = 20
        for _ in range(reps): a @ b
        torch.cuda.synchronize(); rates.append(2 * n ** 3 / ((time.perf_counter() - t) / reps) / 1e9)
    rates.sort()
    print(f"torch.matmul n={n}: {rates[2]:.1f} GFLOP/s (min {rates[0]:.1f}, max {rates[-1]:.1f}, 5 windows of 20)")
PY
# Last, what only compares or checks: each step has its own limit, so the figures above come back first.
# Stride's own SGEMM (beside cuBLAS, where it loaded) with its tile pinned each way, to check the choice per product.
for tile in 64 128; do
  step "bench-cuda-tile$tile" 90 "${jvm[@]}" -Dstride.cuda.gemm=stride -Dstride.cuda.gemm.tile=$tile -jar "$here/stride.jar" bench --backend cuda --json
done
# The emulator tries a few thread orders of its own, never the device's concurrency: compute-sanitizer checks the
# tiled kernels (GEMM, batch norm) for shared-memory races and bad accesses on the device itself.
san=$(command -v compute-sanitizer || ls /usr/local/cuda*/bin/compute-sanitizer 2>/dev/null | head -1)
if [ -n "$san" ]; then
  for tool in racecheck memcheck; do
    step "sanitize-$tool" 120 "$san" --tool "$tool" --print-limit 20 "${jvm[@]}" -Dstride.cpu.warmup=false \
      -jar "$here/junit-console.jar" execute -cp "$here/stride.jar:$here/stride-cuda-tests.jar" --include-tag gpu \
      --select-method dev.stride.cuda.GpuDeviceTest#wideTilesAgreeWithTheCpuOnTheDevice \
      --select-method dev.stride.cuda.GpuDeviceTest#anMlpAndACnnTrainStepForStepAsOnTheCpu --disable-ansi-colors
  done
fi
CHECKS
chmod +x "$out/gpu-checks.sh"
du -sh "$out"
size=$(du -sm "$out" | cut -f1)
if [ "$size" -ge 60 ]; then echo "gpu-bundle: $size MB, over the 60 MB budget" >&2; exit 1; fi
