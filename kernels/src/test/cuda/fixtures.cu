// Philox dropout, the CUDA twin of CpuBackend.dropout: element i is kept when word i%4 of counter
// (i/4, offset) under key seed is >= threshold = floor(p * 2^32), and scaled by 1/(1-p).
// One thread per counter, so the mask never depends on the launch grid.

#include "../../main/cuda/philox.cuh"

extern "C" __global__ void dropout_fixture(const float* __restrict__ x, float* __restrict__ out, int n,
                                           unsigned long long seed, unsigned long long offset,
                                           unsigned threshold, float scale) {
    unsigned long long counter = (unsigned long long) blockIdx.x * blockDim.x + threadIdx.x;
    long long base = (long long) counter * 4;
    if (base >= n) return;
    unsigned c[4] = {(unsigned) counter, (unsigned) (counter >> 32), (unsigned) offset, (unsigned) (offset >> 32)};
    philox10(c, (unsigned) seed, (unsigned) (seed >> 32));
    for (int j = 0; j < 4; j++) {
        long long i = base + j;
        if (i < n) out[i] = c[j] >= threshold ? x[i] * scale : 0.0f;
    }
}

// A plain strided copy: out[i] = in[i * stride]. With stride 1 every warp reads whole 32-byte sectors;
// with a large stride each thread touches its own sector, which the traffic counters must show.
extern "C" __global__ void copy_strided(const float* __restrict__ in, float* __restrict__ out, int n, int stride) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) out[i] = in[(long long) i * stride];
}

// Block sum through shared memory and barriers (blockDim.x a power of two, at most 256).
extern "C" __global__ void block_sum(const float* __restrict__ in, float* __restrict__ out) {
    __shared__ float buf[256];
    int t = threadIdx.x;
    buf[t] = in[blockIdx.x * blockDim.x + t];
    __syncthreads();
    for (int s = blockDim.x / 2; s > 0; s >>= 1) {
        if (t < s) buf[t] += buf[t + s];
        __syncthreads();
    }
    if (t == 0) out[blockIdx.x] = buf[0];
}

// Welford batch-norm statistics for a [N, C] matrix: one block per channel; each thread folds a strided slice,
// warps merge with shuffles (Chan's formula), warp leaders merge through shared memory.
__device__ __forceinline__ void welford_merge(float& n, float& mean, float& m2, float n2, float mean2, float m22) {
    float total = n + n2;
    if (total == 0.0f) return;
    float delta = mean2 - mean;
    float w = n2 / total;
    mean += delta * w;
    m2 += m22 + delta * delta * n * w;
    n = total;
}

extern "C" __global__ void welford_stats(const float* __restrict__ x, float* __restrict__ mean_out,
                                         float* __restrict__ var_out, int rows, int cols) {
    __shared__ float sn[32], smean[32], sm2[32];
    int c = blockIdx.x;
    float n = 0.0f, mean = 0.0f, m2 = 0.0f;
    for (int r = threadIdx.x; r < rows; r += blockDim.x) {
        float v = x[(long long) r * cols + c];
        n += 1.0f;
        float d = v - mean;
        mean += d / n;
        m2 += d * (v - mean);
    }
    for (int off = 16; off > 0; off >>= 1) {
        float n2 = __shfl_xor_sync(0xffffffffu, n, off);
        float mean2 = __shfl_xor_sync(0xffffffffu, mean, off);
        float m22 = __shfl_xor_sync(0xffffffffu, m2, off);
        welford_merge(n, mean, m2, n2, mean2, m22);
    }
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    if (lane == 0) { sn[warp] = n; smean[warp] = mean; sm2[warp] = m2; }
    __syncthreads();
    if (threadIdx.x == 0) {
        for (int w = 1; w < (int) (blockDim.x >> 5); w++) welford_merge(n, mean, m2, sn[w], smean[w], sm2[w]);
        mean_out[c] = mean;
        var_out[c] = m2 / n;
    }
}

// Tiled SGEMM C[M,N] = A[M,K] * B[K,N], 16x16 tiles, B read as float4 (N and the tile columns multiples of 4).
extern "C" __global__ void sgemm_tiled(const float* __restrict__ A, const float* __restrict__ B, float* __restrict__ C,
                                       int M, int N, int K) {
    __shared__ float As[16][16];
    __shared__ float Bs[16][16];
    int tx = threadIdx.x, ty = threadIdx.y;
    int row = blockIdx.y * 16 + ty, col = blockIdx.x * 16 + tx;
    float acc = 0.0f;
    for (int k0 = 0; k0 < K; k0 += 16) {
        As[ty][tx] = (row < M && k0 + tx < K) ? A[(long long) row * K + k0 + tx] : 0.0f;
        if (tx < 4) {
            int kr = k0 + ty, c4 = blockIdx.x * 16 + tx * 4;
            float4 b = (kr < K && c4 < N) ? *reinterpret_cast<const float4*>(B + (long long) kr * N + c4) : make_float4(0, 0, 0, 0);
            Bs[ty][tx * 4] = b.x; Bs[ty][tx * 4 + 1] = b.y; Bs[ty][tx * 4 + 2] = b.z; Bs[ty][tx * 4 + 3] = b.w;
        }
        __syncthreads();
        for (int k = 0; k < 16; k++) acc += As[ty][k] * Bs[k][tx];
        __syncthreads();
    }
    if (row < M && col < N) C[(long long) row * N + col] = acc;
}

// Multi-tensor Adam: one launch over every tensor; pointer and size tables live in device memory
// (kernel arguments are limited to 4 KB). blockIdx.y selects the tensor.
extern "C" __global__ void adam_multi(float* const* __restrict__ params, const float* const* __restrict__ grads,
                                      float* const* __restrict__ ms, float* const* __restrict__ vs,
                                      const int* __restrict__ sizes, float lr, float beta1, float beta2, float eps,
                                      float bc1, float sqrt_bc2) {
    int t = blockIdx.y;
    int n = sizes[t];
    float* p = params[t];
    const float* g = grads[t];
    float* m = ms[t];
    float* v = vs[t];
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x) {
        float gi = g[i];
        float mi = beta1 * m[i] + (1.0f - beta1) * gi;
        float vi = beta2 * v[i] + (1.0f - beta2) * gi * gi;
        m[i] = mi;
        v[i] = vi;
        p[i] = p[i] - (lr / bc1) * (mi / (sqrtf(vi) / sqrt_bc2 + eps));
    }
}

// Planted bugs for the emulator's checks.
extern "C" __global__ void planted_misaligned(const float* __restrict__ in, float* __restrict__ out, int shift) {
    float4 v = *reinterpret_cast<const float4*>(in + shift);
    out[0] = v.x + v.y + v.z + v.w;
}

extern "C" __global__ void planted_deadlock(float* __restrict__ out) {
    // Lane 0 waits in a warp shuffle that lanes 1..31 never reach: they wait at the block barrier instead.
    float v = threadIdx.x;
    if (threadIdx.x == 0) v = __shfl_xor_sync(0xffffffffu, v, 1);
    else __syncthreads();
    out[threadIdx.x] = v;
}
