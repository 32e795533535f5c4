// gather and scatterAdd over rows of a contiguous rows x cols matrix; twins of CpuBackend.gather/scatterAdd.
// An index outside [0, cols) is not an exception on a device: the first bad row and its index go to `error`
// (error[0] = row + 1, error[1] = index), which the backend reads at its next synchronization and reports.
__device__ __forceinline__ bool check_index(int* error, int row, int index, int cols) {
    if (index >= 0 && index < cols) return true;
    if (atomicCAS(error, 0, row + 1) == 0) error[1] = index;
    return false;
}

extern "C" __global__ void gather(const float* __restrict__ x, const int* __restrict__ index, float* __restrict__ out,
                                  int rows, int cols, int* error) {
    for (int r = blockIdx.x * blockDim.x + threadIdx.x; r < rows; r += blockDim.x * gridDim.x) {
        int c = index[r];
        out[r] = check_index(error, r, c, cols) ? x[(long long) r * cols + c] : 0.0f;
    }
}

extern "C" __global__ void scatter_add(const float* __restrict__ src, const int* __restrict__ index, float* out,
                                       int rows, int cols, int* error) {
    for (int r = blockIdx.x * blockDim.x + threadIdx.x; r < rows; r += blockDim.x * gridDim.x) {
        int c = index[r];
        if (check_index(error, r, c, cols)) atomicAdd(out + (long long) r * cols + c, src[r]);
    }
}
