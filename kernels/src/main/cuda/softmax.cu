// Row-wise softmax cross-entropy on logits [rows, cols] and its backward, twins of CpuBackend.softmaxCrossEntropy and
// softmaxCrossEntropyBackward. One block per row (grid-stride over rows) reduces the maximum and the sum of
// exponentials through shared memory. A label outside [0, cols) goes to `error` as index.cu reports it.
// Java's Math.max: a NaN anywhere makes the maximum NaN (fmaxf would drop it).
__device__ __forceinline__ float nan_max(float a, float b) {
    return a != a || b > a ? b : a;
}

extern "C" __global__ void softmax_xent(const float* __restrict__ x, const int* __restrict__ labels, float* __restrict__ loss,
                                        float* __restrict__ probs, int rows, int cols, int* error) {
    __shared__ float red[256];
    int t = threadIdx.x;
    for (int r = blockIdx.x; r < rows; r += gridDim.x) {
        const float* row = x + (long long) r * cols;
        float m = __int_as_float(0xff800000);
        for (int c = t; c < cols; c += blockDim.x) m = nan_max(m, row[c]);
        red[t] = m;
        __syncthreads();
        for (int h = blockDim.x / 2; h > 0; h >>= 1) {
            if (t < h) red[t] = nan_max(red[t], red[t + h]);
            __syncthreads();
        }
        m = red[0];
        __syncthreads();
        float sum = 0.0f;
        for (int c = t; c < cols; c += blockDim.x) {
            float ez = expf(row[c] - m);
            probs[(long long) r * cols + c] = ez;
            sum += ez;
        }
        red[t] = sum;
        __syncthreads();
        for (int h = blockDim.x / 2; h > 0; h >>= 1) {
            if (t < h) red[t] += red[t + h];
            __syncthreads();
        }
        sum = red[0];
        float inv = 1.0f / sum;
        for (int c = t; c < cols; c += blockDim.x) probs[(long long) r * cols + c] *= inv;
        if (t == 0) {
            int label = labels[r];
            if (label < 0 || label >= cols) {
                if (atomicCAS(error, 0, r + 1) == 0) error[1] = label;
                loss[r] = __int_as_float(0x7fc00000);
            } else {
                loss[r] = logf(sum) - (row[label] - m);
            }
        }
        __syncthreads();
    }
}

// gradLogits[r, c] = gradLoss[r] * (probs[r, c] - [c == labels[r]]), as the CPU rounds it: g*p, then minus g.
extern "C" __global__ void softmax_xent_backward(const float* __restrict__ probs, const int* __restrict__ labels,
                                                 const float* __restrict__ gradLoss, float* __restrict__ out, int rows, int cols) {
    long long total = (long long) rows * cols;
    for (long long e = (long long) blockIdx.x * blockDim.x + threadIdx.x; e < total; e += (long long) blockDim.x * gridDim.x) {
        int r = (int) (e / cols);
        float g = gradLoss[r];
        float v = __fmul_rn(g, probs[e]);
        out[e] = (int) (e - (long long) r * cols) == labels[r] ? __fsub_rn(v, g) : v;
    }
}
