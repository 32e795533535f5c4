// Batch normalization over contiguous x [N, C, S], the twin of CpuNorm.forward/backward. Forward (training): one pass
// for shifted sums (about the channel's first element, so values at 4096 +- 0.01 keep their variance), then
// normalize/scale/shift in a second pass of the same block, with the running mean and the unbiased running variance
// updated once per channel. Evaluation uses the running statistics. Backward: one pass for both per-channel sums (dy
// and dy*(x - mean)), a second for dx. Bytes: forward reads x twice and writes out once; backward reads x and dy twice
// and writes dx once; per-channel values are read and written once per channel.
// Two layouts of the same math: [N, C, S > 1] takes one block per channel, its threads along S (coalesced rows);
// [N, C] (S = 1) takes 32 channels per block, a warp across channels and 8 warps down the batch.
#define MUL(a, b) __fmul_rn(a, b)
#define ADD(a, b) __fadd_rn(a, b)
#define SUB(a, b) __fsub_rn(a, b)

// Per channel, what the second pass needs: forward mean, scale and beta; backward mean, inv, scale, mean(dy),
// mean(dy*xhat).
struct Channel {
    float a, b, c, d, e;
};

// Forward statistics of one channel from its shifted sums; updates the running statistics and the saved ones.
__device__ __forceinline__ Channel forward_channel(int ch, float shift, float sum, float sq, long long m, int training,
                                                   const float* gamma, const float* beta, float* rMean, float* rVar,
                                                   float momentum, float eps, float* saveMean, float* saveInv) {
    float mean;
    float inv;
    if (training) {
        float ms = sum / (float) m;
        mean = ADD(shift, ms);
        float var = fmaxf(SUB(sq, MUL((float) m, MUL(ms, ms))), 0.0f) / (float) m;
        inv = 1.0f / sqrtf(ADD(var, eps));
        float unbiased = var * (float) m / (float) (m > 1 ? m - 1 : 1);
        rMean[ch] = ADD(MUL(1.0f - momentum, rMean[ch]), MUL(momentum, mean));
        rVar[ch] = ADD(MUL(1.0f - momentum, rVar[ch]), MUL(momentum, unbiased));
    } else {
        mean = rMean[ch];
        inv = 1.0f / sqrtf(ADD(rVar[ch], eps));
    }
    saveMean[ch] = mean;
    saveInv[ch] = inv;
    // out = (x - mean) * scale + beta: folding the mean into the shift would round x * scale, near 7e5 at a mean of
    // 4096, and lose the normalized value.
    return Channel{mean, MUL(gamma[ch], inv), beta[ch], 0.0f, 0.0f};
}

// Backward per-channel values from the two sums; writes dgamma and dbeta.
__device__ __forceinline__ Channel backward_channel(int ch, float sumDy, float sumDyX, long long m, const float* gamma,
                                                    const float* saveMean, const float* saveInv, float* dgamma, float* dbeta) {
    float inv = saveInv[ch];
    float sumDyXhat = MUL(sumDyX, inv);
    dbeta[ch] = sumDy;
    dgamma[ch] = sumDyXhat;
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

#define AT(e) ((((e) / s) * c + ch) * s + (e) % s)

extern "C" __global__ void batchnorm_forward(const float* __restrict__ x, int n, int c, int s, const float* __restrict__ gamma,
                                             const float* __restrict__ beta, float* rMean, float* rVar, int training,
                                             float momentum, float eps, float* __restrict__ out, float* saveMean,
                                             float* saveInv) {
    __shared__ float sa[256];
    __shared__ float sb[256];
    __shared__ Channel k;
    __shared__ float shift;
    long long ch = blockIdx.x;
    long long m = (long long) n * s;
    if (threadIdx.x == 0) shift = training ? x[ch * s] : 0.0f;
    __syncthreads();
    float sum = 0.0f;
    float sq = 0.0f;
    if (training) {
        for (long long e = threadIdx.x; e < m; e += blockDim.x) {
            float d = SUB(x[AT(e)], shift);
            sum = ADD(sum, d);
            sq = ADD(sq, MUL(d, d));
        }
        block_sum2(sum, sq, sa, sb);
    }
    if (threadIdx.x == 0) k = forward_channel(ch, shift, sum, sq, m, training, gamma, beta, rMean, rVar, momentum, eps, saveMean, saveInv);
    __syncthreads();
    for (long long e = threadIdx.x; e < m; e += blockDim.x) out[AT(e)] = ADD(MUL(SUB(x[AT(e)], k.a), k.b), k.c);
}

extern "C" __global__ void batchnorm_backward(const float* __restrict__ x, const float* __restrict__ dy, int n, int c, int s,
                                              const float* __restrict__ gamma, const float* __restrict__ saveMean,
                                              const float* __restrict__ saveInv, int training, float* __restrict__ dx,
                                              float* dgamma, float* dbeta) {
    __shared__ float sa[256];
    __shared__ float sb[256];
    __shared__ Channel k;
    __shared__ float mean;
    long long ch = blockIdx.x;
    long long m = (long long) n * s;
    if (threadIdx.x == 0) mean = saveMean[ch];
    __syncthreads();
    float sumDy = 0.0f;
    float sumDyX = 0.0f;
    for (long long e = threadIdx.x; e < m; e += blockDim.x) {
        float g = dy[AT(e)];
        sumDy = ADD(sumDy, g);
        sumDyX = ADD(sumDyX, MUL(g, SUB(x[AT(e)], mean)));
    }
    block_sum2(sumDy, sumDyX, sa, sb);
    if (threadIdx.x == 0) k = backward_channel(ch, sumDy, sumDyX, m, gamma, saveMean, saveInv, dgamma, dbeta);
    __syncthreads();
    for (long long e = threadIdx.x; e < m; e += blockDim.x) dx[AT(e)] = backward_dx(k, x[AT(e)], dy[AT(e)], training);
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
                                         eps, saveMean, saveInv);
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
    if (threadIdx.y == 0 && live) k[threadIdx.x] = backward_channel(ch, sumDy, sumDyX, n, gamma, saveMean, saveInv, dgamma, dbeta);
    __syncthreads();
    if (!live) return;
    for (long long i = threadIdx.y; i < n; i += NC_ROWS) dx[i * c + ch] = backward_dx(k[threadIdx.x], x[i * c + ch], dy[i * c + ch], training);
}
