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
cat > "$out/gpu-checks.sh" <<'CHECKS'
#!/usr/bin/env bash
# Runs on the GPU host: the gpu-tagged tests (real device, cuBLAS, training against the CPU), then the benchmarks on
# the CUDA backend. Results land in ./gpu-results (or $1).
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
results="${1:-gpu-results}"
mkdir -p "$results"
java="$here/runtime/bin/java"
nvidia-smi > "$results/nvidia-smi.txt" 2>&1 || true
"$java" --add-modules jdk.incubator.vector -jar "$here/junit-console.jar" execute \
  -cp "$here/stride.jar:$here/stride-cuda-tests.jar" --include-tag gpu --select-class dev.stride.cuda.GpuDeviceTest \
  --details=tree 2>&1 | tee "$results/gpu-tests.txt"
stride() { "$java" --add-modules jdk.incubator.vector "$@"; }
stride -jar "$here/stride.jar" bench --backend cuda --json 2>&1 | tee "$results/bench-cuda.txt"
# The same with Stride's own SGEMM instead of cuBLAS: the kernel's GFLOP/s beside the library's.
stride -Dstride.cuda.gemm=stride -jar "$here/stride.jar" bench --backend cuda --json 2>&1 | tee "$results/bench-cuda-own-sgemm.txt"
for model in mlp cnn; do
  stride -jar "$here/stride.jar" train --backend cuda --model "$model" --data "$here/mnist" --curves none --json 2>&1 \
    | tee "$results/train-cuda-$model.txt"
done
# PyTorch on the same device, where it is installed: matmul GFLOP/s at the sizes stride bench uses.
python3 - <<'PY' 2>&1 | tee "$results/torch-matmul.txt"
import time
try:
    import torch
    assert torch.cuda.is_available()
except Exception as e:
    print("no torch with CUDA here:", e)
    raise SystemExit
for n in (1024, 4096):
    a = torch.randn(n, n, device="cuda"); b = torch.randn(n, n, device="cuda")
    for _ in range(3): a @ b
    torch.cuda.synchronize(); t = time.perf_counter(); reps = 20
    for _ in range(reps): a @ b
    torch.cuda.synchronize(); dt = (time.perf_counter() - t) / reps
    print(f"torch.matmul n={n}: {2 * n ** 3 / dt / 1e9:.1f} GFLOP/s")
PY
CHECKS
chmod +x "$out/gpu-checks.sh"
du -sh "$out"
size=$(du -sm "$out" | cut -f1)
if [ "$size" -ge 60 ]; then echo "gpu-bundle: $size MB, over the 60 MB budget" >&2; exit 1; fi
