// Batch normalization over contiguous x [N, C, S], the twin of CpuNorm.forward/backward. Forward (training): shifted
// sums (about the channel's first element, so values at 4096 +- 0.01 keep their variance), then normalize/scale/shift,
// with the running mean and the unbiased running variance updated once per channel. Evaluation uses the running
// statistics. Backward: both per-channel sums (dy and dy*(x - mean)), then dx. Bytes: forward reads x twice and writes
// out once; backward reads x and dy twice and writes dx once; per-channel values are read and written once per channel.
// Two layouts of the same math: [N, C, S > 1] splits each channel's N*S positions into `parts` runs, a block each
// (grid C x parts), so that a few channels still fill a large GPU: a first launch writes each run's two sums, a second
// adds a channel's runs in order (the same bits in every block of the channel) and applies them. [N, C] (S = 1) takes
// 32 channels per block in one launch, a warp across channels and 8 warps down the batch.
#define MUL(a, b) __fmul_rn(a, b)
#define ADD(a, b) __fadd_rn(a, b)
#define SUB(a, b) __fsub_rn(a, b)

// Per channel, what the second pass needs: forward mean, scale and beta; backward mean, inv, scale, mean(dy),
// mean(dy*xhat).
struct Channel {
    float a, b, c, d, e;
};

// Forward statistics of one channel from its shifted sums; updates the running statistics and the saved ones.
// Only the block that `writes` for the channel stores.
__device__ __forceinline__ Channel forward_channel(long long ch, float shift, float sum, float sq, long long m, int training,
                                                   const float* gamma, const float* beta, float* rMean, float* rVar,
                                                   float momentum, float eps, float* saveMean, float* saveInv, bool writes) {
    float mean;
    float inv;
    if (training) {
        float ms = sum / (float) m;
        mean = ADD(shift, ms);
        float var = fmaxf(SUB(sq, MUL((float) m, MUL(ms, ms))), 0.0f) / (float) m;
        inv = 1.0f / sqrtf(ADD(var, eps));
        float unbiased = var * (float) m / (float) (m > 1 ? m - 1 : 1);
        if (writes) {
            rMean[ch] = ADD(MUL(1.0f - momentum, rMean[ch]), MUL(momentum, mean));
            rVar[ch] = ADD(MUL(1.0f - momentum, rVar[ch]), MUL(momentum, unbiased));
        }
    } else {
        mean = rMean[ch];
        inv = 1.0f / sqrtf(ADD(rVar[ch], eps));
    }
    if (writes) {
        saveMean[ch] = mean;
        saveInv[ch] = inv;
    }
    // out = (x - mean) * scale + beta: folding the mean into the shift would round x * scale, near 7e5 at a mean of
    // 4096, and lose the normalized value.
    return Channel{mean, MUL(gamma[ch], inv), beta[ch], 0.0f, 0.0f};
}

// Backward per-channel values from the two sums; writes dgamma and dbeta.
__device__ __forceinline__ Channel backward_channel(long long ch, float sumDy, float sumDyX, long long m, const float* gamma,
                                                    const float* saveMean, const float* saveInv, float* dgamma, float* dbeta,
                                                    bool writes) {
    float inv = saveInv[ch];
    float sumDyXhat = MUL(sumDyX, inv);
    if (writes) {
        dbeta[ch] = sumDy;
        dgamma[ch] = sumDyXhat;
    }
    return Channel{saveMean[ch], inv, MUL(gamma[ch], inv), sumDy / (float) m, sumDyXhat / (float) m};
}

__device__ __forceinline__ float backward_dx(const Channel& k, float x, float g, int training) {
    if (training) g = SUB(SUB(g, k.d), MUL(MUL(SUB(x, k.a), k.b), k.e));
    return MUL(g, k.c);
}

// Sums a and b over the block (blockDim.x a power of two, at most 256) through shared sa and sb; thread 0 has them.
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
}

// Positions [first, last) of a channel's N*S: part p of `parts` runs of a whole number of warps' worth of positions
// (so that a warp's 32 reads start where a row's sectors do), the last run shorter or empty.
__device__ __forceinline__ void part_range(long long m, int parts, int p, long long& first, long long& last) {
    long long len = ((m + parts - 1) / parts + 31) / 32 * 32;
    first = min(m, p * len);
    last = min(m, first + len);
}

// Calls f(offset in x) for positions [first, last) of channel ch, strided over the block's threads. A run is under
// 2^31 positions (the backend sizes parts so), so each position's row takes one 32-bit division.
template <typename F>
__device__ __forceinline__ void for_part(long long first, long long last, int c, int s, long long ch, F f) {
    long long q0 = first / s;
    int r0 = (int) (first - q0 * s);
    int len = (int) (last - first);
    for (int i = threadIdx.x; i < len; i += blockDim.x) {
        int t = r0 + i;
        int q = t / s;
        f(((q0 + q) * c + ch) * s + (t - q * s));
    }
}

// One run's two sums go to parts[2 * (ch * P + p)] and the next float.
__device__ __forceinline__ void store_part(float a, float b, float* sa, float* sb, float* parts) {
    block_sum2(a, b, sa, sb);
    if (threadIdx.x == 0) {
        long long at = 2 * ((long long) blockIdx.x * gridDim.y + blockIdx.y);
        parts[at] = a;
        parts[at + 1] = b;
    }
}

// The channel's sums from its runs, added in the same order in every block: for warp 0, lane 0 gets them.
__device__ __forceinline__ void combine_parts(const float* __restrict__ parts, float& a, float& b) {
    int lane = threadIdx.x;
    const float* run = parts + 2LL * blockIdx.x * gridDim.y;
    a = 0.0f;
    b = 0.0f;
    for (int q = lane; q < (int) gridDim.y; q += 32) {
        a = ADD(a, run[2 * q]);
        b = ADD(b, run[2 * q + 1]);
    }
    for (int o = 16; o > 0; o >>= 1) {
        a = ADD(a, __shfl_down_sync(0xffffffffu, a, o));
        b = ADD(b, __shfl_down_sync(0xffffffffu, b, o));
    }
}

extern "C" __global__ void batchnorm_forward_sums(const float* __restrict__ x, int n, int c, int s, float* __restrict__ parts) {
    __shared__ float sa[256];
    __shared__ float sb[256];
    long long ch = blockIdx.x;
    long long first, last;
    part_range((long long) n * s, gridDim.y, blockIdx.y, first, last);
    __shared__ float shared;
    if (threadIdx.x == 0) shared = x[ch * s];
    __syncthreads();
    float shift = shared;
    float sum = 0.0f;
    float sq = 0.0f;
    for_part(first, last, c, s, ch, [&](long long o) {
        float d = SUB(x[o], shift);
        sum = ADD(sum, d);
        sq = ADD(sq, MUL(d, d));
    });
    store_part(sum, sq, sa, sb, parts);
}

// parts: batchnorm_forward_sums' output in training, unused in evaluation.
extern "C" __global__ void batchnorm_forward(const float* __restrict__ x, int n, int c, int s, const float* __restrict__ parts,
                                             const float* __restrict__ gamma, const float* __restrict__ beta, float* rMean,
                                             float* rVar, int training, float momentum, float eps, float* __restrict__ out,
                                             float* saveMean, float* saveInv) {
    __shared__ Channel k;
    long long ch = blockIdx.x;
    long long m = (long long) n * s;
    if (threadIdx.x < 32) {
        float sum = 0.0f;
        float sq = 0.0f;
        if (training) combine_parts(parts, sum, sq);
        if (threadIdx.x == 0) {
            k = forward_channel(ch, training ? x[ch * s] : 0.0f, sum, sq, m, training, gamma, beta, rMean, rVar, momentum,
                                eps, saveMean, saveInv, blockIdx.y == 0);
        }
    }
    __syncthreads();
    long long first, last;
    part_range(m, gridDim.y, blockIdx.y, first, last);
    for_part(first, last, c, s, ch, [&](long long o) { out[o] = ADD(MUL(SUB(x[o], k.a), k.b), k.c); });
}

extern "C" __global__ void batchnorm_backward_sums(const float* __restrict__ x, const float* __restrict__ dy, int n, int c,
                                                   int s, const float* __restrict__ saveMean, float* __restrict__ parts) {
    __shared__ float sa[256];
    __shared__ float sb[256];
    long long ch = blockIdx.x;
    long long first, last;
    part_range((long long) n * s, gridDim.y, blockIdx.y, first, last);
    __shared__ float shared;
    if (threadIdx.x == 0) shared = saveMean[ch];
    __syncthreads();
    float mean = shared;
    float sumDy = 0.0f;
    float sumDyX = 0.0f;
    for_part(first, last, c, s, ch, [&](long long o) {
        float g = dy[o];
        sumDy = ADD(sumDy, g);
        sumDyX = ADD(sumDyX, MUL(g, SUB(x[o], mean)));
    });
    store_part(sumDy, sumDyX, sa, sb, parts);
}

extern "C" __global__ void batchnorm_backward(const float* __restrict__ x, const float* __restrict__ dy, int n, int c, int s,
                                              const float* __restrict__ parts, const float* __restrict__ gamma,
                                              const float* __restrict__ saveMean, const float* __restrict__ saveInv,
                                              int training, float* __restrict__ dx, float* dgamma, float* dbeta) {
    __shared__ Channel k;
    long long ch = blockIdx.x;
    long long m = (long long) n * s;
    if (threadIdx.x < 32) {
        float sumDy;
        float sumDyX;
        combine_parts(parts, sumDy, sumDyX);
        if (threadIdx.x == 0) k = backward_channel(ch, sumDy, sumDyX, m, gamma, saveMean, saveInv, dgamma, dbeta, blockIdx.y == 0);
    }
    __syncthreads();
    long long first, last;
    part_range(m, gridDim.y, blockIdx.y, first, last);
    for_part(first, last, c, s, ch, [&](long long o) { dx[o] = backward_dx(k, x[o], dy[o], training); });
}

// [N, C]: block (32, 8) covers channels 32*blockIdx.x + threadIdx.x; rows threadIdx.y, +8, ...; a warp reads 32
// consecutive floats of one row. The 8 partial sums per channel meet in shared memory.
#define NC_ROWS 8

__device__ __forceinline__ void column_sum2(float& a, float& b, float (*sa)[33], float (*sb)[33]) {
    sa[threadIdx.y][threadIdx.x] = a;
    sb[threadIdx.y][threadIdx.x] = b;
    __syncthreads();
    if (threadIdx.y == 0) {
        for (int r = 1; r < NC_ROWS; r++) {
            a += sa[r][threadIdx.x];
            b += sb[r][threadIdx.x];
        }
    }
}

extern "C" __global__ void batchnorm_forward_nc(const float* __restrict__ x, int n, int c, const float* __restrict__ gamma,
                                                const float* __restrict__ beta, float* rMean, float* rVar, int training,
                                                float momentum, float eps, float* __restrict__ out, float* saveMean,
                                                float* saveInv) {
    __shared__ float sa[NC_ROWS][33];
    __shared__ float sb[NC_ROWS][33];
    __shared__ Channel k[32];
    __shared__ float shift[32];
    int ch = blockIdx.x * 32 + threadIdx.x;
    bool live = ch < c;
    if (threadIdx.y == 0 && live) shift[threadIdx.x] = training ? x[ch] : 0.0f;
    __syncthreads();
    float sum = 0.0f;
    float sq = 0.0f;
    if (training && live) {
        for (long long i = threadIdx.y; i < n; i += NC_ROWS) {
            float d = SUB(x[i * c + ch], shift[threadIdx.x]);
            sum = ADD(sum, d);
            sq = ADD(sq, MUL(d, d));
        }
    }
    column_sum2(sum, sq, sa, sb);
    if (threadIdx.y == 0 && live) {
        k[threadIdx.x] = forward_channel(ch, shift[threadIdx.x], sum, sq, n, training, gamma, beta, rMean, rVar, momentum,
                                         eps, saveMean, saveInv, true);
    }
    __syncthreads();
    if (!live) return;
    for (long long i = threadIdx.y; i < n; i += NC_ROWS) {
        const Channel& q = k[threadIdx.x];
        out[i * c + ch] = ADD(MUL(SUB(x[i * c + ch], q.a), q.b), q.c);
    }
}

extern "C" __global__ void batchnorm_backward_nc(const float* __restrict__ x, const float* __restrict__ dy, int n, int c,
                                                 const float* __restrict__ gamma, const float* __restrict__ saveMean,
                                                 const float* __restrict__ saveInv, int training, float* __restrict__ dx,
                                                 float* dgamma, float* dbeta) {
    __shared__ float sa[NC_ROWS][33];
    __shared__ float sb[NC_ROWS][33];
    __shared__ Channel k[32];
    __shared__ float mean[32];
    int ch = blockIdx.x * 32 + threadIdx.x;
    bool live = ch < c;
    if (threadIdx.y == 0 && live) mean[threadIdx.x] = saveMean[ch];
    __syncthreads();
    float sumDy = 0.0f;
    float sumDyX = 0.0f;
    if (live) {
        for (long long i = threadIdx.y; i < n; i += NC_ROWS) {
            float g = dy[i * c + ch];
            sumDy = ADD(sumDy, g);
            sumDyX = ADD(sumDyX, MUL(g, SUB(x[i * c + ch], mean[threadIdx.x])));
        }
    }
    column_sum2(sumDy, sumDyX, sa, sb);
    if (threadIdx.y == 0 && live) k[threadIdx.x] = backward_channel(ch, sumDy, sumDyX, n, gamma, saveMean, saveInv, dgamma, dbeta, true);
    __syncthreads();
    if (!live) return;
    for (long long i = threadIdx.y; i < n; i += NC_ROWS) dx[i * c + ch] = backward_dx(k[threadIdx.x], x[i * c + ch], dy[i * c + ch], training);
}
