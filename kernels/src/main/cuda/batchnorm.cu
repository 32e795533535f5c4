// Batch normalization over contiguous x [N, C, S], the twin of CpuNorm.forward/backward: one block per channel.
// Forward (training): one pass for shifted sums (about the channel's first element, so values at 4096 +- 0.01 keep
// their variance), then normalize/scale/shift in the second pass of the same block, with the running mean and the
// unbiased running variance updated by thread 0. Evaluation uses the running statistics. Backward: one pass for
// both per-channel sums (dy and dy*(x - mean)), a second for dx. Bytes: forward reads x twice and writes out once;
// backward reads x and dy twice and writes dx once.
#define MUL(a, b) __fmul_rn(a, b)
#define ADD(a, b) __fadd_rn(a, b)
#define SUB(a, b) __fsub_rn(a, b)

// Sums a and b over the block (blockDim.x a power of two, at most 256) through the kernel's shared arrays sa and
// sb; every thread gets the totals.
__device__ __forceinline__ void block_sum2(float& a, float& b, float* sa, float* sb) {
    int t = threadIdx.x;
    sa[t] = a;
    sb[t] = b;
    __syncthreads();
    for (int h = blockDim.x / 2; h > 0; h >>= 1) {
        if (t < h) {
            sa[t] += sa[t + h];
            sb[t] += sb[t + h];
        }
        __syncthreads();
    }
    a = sa[0];
    b = sb[0];
    __syncthreads();
}

extern "C" __global__ void batchnorm_forward(const float* __restrict__ x, int n, int c, int s, const float* __restrict__ gamma,
                                             const float* __restrict__ beta, float* rMean, float* rVar, int training,
                                             float momentum, float eps, float* __restrict__ out, float* saveMean,
                                             float* saveInv) {
    __shared__ float sa[256];
    __shared__ float sb[256];
    int ch = blockIdx.x;
    long long m = (long long) n * s;
    float mean;
    float inv;
    if (training) {
        float shift = x[(long long) ch * s];
        float sum = 0.0f;
        float sq = 0.0f;
        for (long long e = threadIdx.x; e < m; e += blockDim.x) {
            long long i = e / s;
            float d = SUB(x[(i * c + ch) * s + (e - i * s)], shift);
            sum = ADD(sum, d);
            sq = ADD(sq, MUL(d, d));
        }
        block_sum2(sum, sq, sa, sb);
        float ms = sum / (float) m;
        mean = ADD(shift, ms);
        float var = fmaxf(SUB(sq, MUL((float) m, MUL(ms, ms))), 0.0f) / (float) m;
        inv = 1.0f / sqrtf(ADD(var, eps));
        if (threadIdx.x == 0) {
            float unbiased = var * (float) m / (float) (m > 1 ? m - 1 : 1);
            rMean[ch] = ADD(MUL(1.0f - momentum, rMean[ch]), MUL(momentum, mean));
            rVar[ch] = ADD(MUL(1.0f - momentum, rVar[ch]), MUL(momentum, unbiased));
        }
    } else {
        mean = rMean[ch];
        inv = 1.0f / sqrtf(ADD(rVar[ch], eps));
    }
    if (threadIdx.x == 0) {
        saveMean[ch] = mean;
        saveInv[ch] = inv;
    }
    float scale = MUL(gamma[ch], inv);
    float shiftOut = SUB(beta[ch], MUL(mean, scale));
    for (long long e = threadIdx.x; e < m; e += blockDim.x) {
        long long i = e / s;
        long long at = (i * c + ch) * s + (e - i * s);
        out[at] = ADD(MUL(x[at], scale), shiftOut);
    }
}

extern "C" __global__ void batchnorm_backward(const float* __restrict__ x, const float* __restrict__ dy, int n, int c, int s,
                                              const float* __restrict__ gamma, const float* __restrict__ saveMean,
                                              const float* __restrict__ saveInv, int training, float* __restrict__ dx,
                                              float* dgamma, float* dbeta) {
    __shared__ float sa[256];
    __shared__ float sb[256];
    int ch = blockIdx.x;
    long long m = (long long) n * s;
    float mean = saveMean[ch];
    float inv = saveInv[ch];
    float sumDy = 0.0f;
    float sumDyX = 0.0f;
    for (long long e = threadIdx.x; e < m; e += blockDim.x) {
        long long i = e / s;
        long long at = (i * c + ch) * s + (e - i * s);
        float g = dy[at];
        sumDy = ADD(sumDy, g);
        sumDyX = ADD(sumDyX, MUL(g, SUB(x[at], mean)));
    }
    block_sum2(sumDy, sumDyX, sa, sb);
    float sumDyXhat = MUL(sumDyX, inv);
    if (threadIdx.x == 0) {
        dbeta[ch] = sumDy;
        dgamma[ch] = sumDyXhat;
    }
    float scale = MUL(gamma[ch], inv);
    float meanDy = sumDy / (float) m;
    float meanDyXhat = sumDyXhat / (float) m;
    for (long long e = threadIdx.x; e < m; e += blockDim.x) {
        long long i = e / s;
        long long at = (i * c + ch) * s + (e - i * s);
        float g = dy[at];
        if (training) g = SUB(SUB(g, meanDy), MUL(MUL(SUB(x[at], mean), inv), meanDyXhat));
        dx[at] = MUL(g, scale);
    }
}
