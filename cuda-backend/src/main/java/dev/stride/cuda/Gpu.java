package dev.stride.cuda;

/**
 * The device below everything the CUDA backend shares: memory, host transfers, modules and kernel launches, all on
 * one stream of one device. {@link JCudaGpu} drives a real GPU through JCuda's driver API; {@link EmulatedGpu} runs
 * the same PTX on the CPU. Device addresses are plain longs; kernel arguments are Integer, Long (64-bit values and
 * addresses), Float, or byte[] for a struct passed by value. Calls come from one thread.
 */
interface Gpu {
    /** What this is, for logs and errors: the device and driver, or the emulator. */
    String describe();

    /** Device memory in bytes. */
    long totalMemory();

    /** Streaming multiprocessors, for choosing how large a tile a kernel's block takes. */
    int multiprocessors();

    /** Fresh device memory; {@link GpuException.OutOfMemory} when the device has none left. */
    long malloc(long bytes);

    void free(long address);

    void toDevice(long address, float[] src, int offset, int n);

    void toDevice(long address, int[] src, int offset, int n);

    /** Waits for queued work, then copies. */
    void toHost(long address, float[] dst, int offset, int n);

    void toHost(long address, int[] dst, int offset, int n);

    void copy(long dst, long src, long bytes);

    /** Sets {@code bytes} bytes at {@code address} to zero (queued). */
    void zero(long address, long bytes);

    /** A module of kernels from PTX text. */
    Object load(String name, String ptx);

    /** Queues {@code kernel} of {@code module} over {@code grid} blocks of {@code block} threads. */
    void launch(Object module, String kernel, int[] grid, int[] block, int sharedBytes, Object... args);

    /** Waits for queued work; a device error surfaces here at the latest. */
    void synchronize();

    /**
     * Row-major batched {@code C = alpha·op(A)·op(B) + beta·C} through a vendor library (cuBLAS), queued on this
     * device's stream; false when there is none, and the backend launches its own SGEMM kernel.
     */
    default boolean libraryGemm(boolean transA, boolean transB, int m, int n, int k, float alpha, long a, int lda, long strideA,
                                long b, int ldb, long strideB, float beta, long c, int ldc, long strideC, int batch) {
        return false;
    }

    /** Which GEMM runs, for the log: the library, or why not. */
    default String gemmPath() {
        return "Stride's SGEMM kernel";
    }
}
