// Sliding-window ops over x [N, C, H, W] (any strides), twins of CpuWindow: im2col, col2im, max pooling forward and
// backward. One thread per output element; col2im and the pooling backward gather (no atomics), adding each input
// position's contributions in the order the CPU's scatter adds them, so the sums are bit-identical.
// Java's dev.stride.cuda.CudaBackend packs the geometry (dev.stride.backend.Window) and x's layout as `Win`.
struct Win {
    int n, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw;
    long long s0, s1, s2, s3, off;  // x's strides and offset, in elements
};

__device__ __forceinline__ int out_h(const Win& g) { return (g.h + 2 * g.ph - g.dh * (g.kh - 1) - 1) / g.sh + 1; }
__device__ __forceinline__ int out_w(const Win& g) { return (g.w + 2 * g.pw - g.dw * (g.kw - 1) - 1) / g.sw + 1; }

// cols [N, C, kh, kw, outH, outW] (contiguous): the input element each window position reads, pad where it is padding.
extern "C" __global__ void im2col(Win g, const float* __restrict__ x, float pad, float* __restrict__ cols) {
    int oh = out_h(g), ow = out_w(g);
    long long total = (long long) g.n * g.c * g.kh * g.kw * oh * ow;
    for (long long e = (long long) blockIdx.x * blockDim.x + threadIdx.x; e < total; e += (long long) blockDim.x * gridDim.x) {
        long long r = e;
        int xo = (int) (r % ow); r /= ow;
        int yo = (int) (r % oh); r /= oh;
        int j = (int) (r % g.kw); r /= g.kw;
        int i = (int) (r % g.kh); r /= g.kh;
        int c = (int) (r % g.c);
        int n = (int) (r / g.c);
        int iy = yo * g.sh - g.ph + i * g.dh;
        int ix = xo * g.sw - g.pw + j * g.dw;
        bool inside = iy >= 0 && iy < g.h && ix >= 0 && ix < g.w;
        cols[e] = inside ? x[g.off + n * g.s0 + c * g.s1 + iy * g.s2 + ix * g.s3] : pad;
    }
}

// dx [N, C, H, W] (contiguous) = the sum of every column entry that read each position, in (i, j) order from 0.
extern "C" __global__ void col2im(Win g, const float* __restrict__ cols, float* __restrict__ dx) {
    int oh = out_h(g), ow = out_w(g);
    long long total = (long long) g.n * g.c * g.h * g.w;
    for (long long e = (long long) blockIdx.x * blockDim.x + threadIdx.x; e < total; e += (long long) blockDim.x * gridDim.x) {
        int ix = (int) (e % g.w);
        int iy = (int) (e / g.w % g.h);
        long long nc = e / ((long long) g.h * g.w);
        float acc = 0.0f;
        for (int i = 0; i < g.kh; i++) {
            int ty = iy + g.ph - i * g.dh;
            if (ty < 0 || ty % g.sh != 0 || ty / g.sh >= oh) continue;
            for (int j = 0; j < g.kw; j++) {
                int tx = ix + g.pw - j * g.dw;
                if (tx < 0 || tx % g.sw != 0 || tx / g.sw >= ow) continue;
                acc = __fadd_rn(acc, cols[((nc * g.kh + i) * g.kw + j) * oh * ow + (long long) (ty / g.sh) * ow + tx / g.sw]);
            }
        }
        dx[e] = acc;
    }
}

// out [N, C, outH, outW] and the I32 index in [0, kh*kw) of the first maximum of each window; padding never wins, a
// NaN wins at once.
extern "C" __global__ void max_pool(Win g, const float* __restrict__ x, float* __restrict__ out, int* __restrict__ indices) {
    int oh = out_h(g), ow = out_w(g);
    long long total = (long long) g.n * g.c * oh * ow;
    for (long long e = (long long) blockIdx.x * blockDim.x + threadIdx.x; e < total; e += (long long) blockDim.x * gridDim.x) {
        int xo = (int) (e % ow);
        int yo = (int) (e / ow % oh);
        long long nc = e / ((long long) oh * ow);
        int n = (int) (nc / g.c);
        int c = (int) (nc % g.c);
        float best = __int_as_float(0xff800000);
        int arg = 0;
        bool nan = false;
        for (int i = 0; i < g.kh && !nan; i++) {
            for (int j = 0; j < g.kw; j++) {
                int iy = yo * g.sh - g.ph + i * g.dh;
                int ix = xo * g.sw - g.pw + j * g.dw;
                float v = iy >= 0 && iy < g.h && ix >= 0 && ix < g.w ? x[g.off + n * g.s0 + c * g.s1 + iy * g.s2 + ix * g.s3]
                                                                     : __int_as_float(0xff800000);
                if (v > best || v != v) {
                    best = v;
                    arg = i * g.kw + j;
                    if (v != v) {
                        nan = true;
                        break;
                    }
                }
            }
        }
        out[e] = best;
        indices[e] = arg;
    }
}

// dx [N, C, H, W] (contiguous): each position gathers dy of the windows whose winner it was, in the order of the
// windows (rows, then columns), as the CPU's scatter adds them.
extern "C" __global__ void max_pool_backward(Win g, const float* __restrict__ dy, const int* __restrict__ indices,
                                             float* __restrict__ dx) {
    int oh = out_h(g), ow = out_w(g);
    long long total = (long long) g.n * g.c * g.h * g.w;
    for (long long e = (long long) blockIdx.x * blockDim.x + threadIdx.x; e < total; e += (long long) blockDim.x * gridDim.x) {
        int ix = (int) (e % g.w);
        int iy = (int) (e / g.w % g.h);
        long long nc = e / ((long long) g.h * g.w);
        float acc = 0.0f;
        for (int i = g.kh - 1; i >= 0; i--) {
            int ty = iy + g.ph - i * g.dh;
            if (ty < 0 || ty % g.sh != 0 || ty / g.sh >= oh) continue;
            for (int j = g.kw - 1; j >= 0; j--) {
                int tx = ix + g.pw - j * g.dw;
                if (tx < 0 || tx % g.sw != 0 || tx / g.sw >= ow) continue;
                long long o = nc * oh * ow + (long long) (ty / g.sh) * ow + tx / g.sw;
                if (indices[o] == i * g.kw + j) acc = __fadd_rn(acc, dy[o]);
            }
        }
        dx[e] = acc;
    }
}
