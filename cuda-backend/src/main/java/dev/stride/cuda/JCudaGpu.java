package dev.stride.cuda;

import static jcuda.driver.JCudaDriver.cuCtxCreate;
import static jcuda.driver.JCudaDriver.cuCtxSetCurrent;
import static jcuda.driver.JCudaDriver.cuDeviceGet;
import static jcuda.driver.JCudaDriver.cuDeviceGetAttribute;
import static jcuda.driver.JCudaDriver.cuDeviceGetCount;
import static jcuda.driver.JCudaDriver.cuDeviceGetName;
import static jcuda.driver.JCudaDriver.cuDeviceTotalMem;
import static jcuda.driver.JCudaDriver.cuDriverGetVersion;
import static jcuda.driver.JCudaDriver.cuInit;
import static jcuda.driver.JCudaDriver.cuLaunchKernel;
import static jcuda.driver.JCudaDriver.cuMemAlloc;
import static jcuda.driver.JCudaDriver.cuMemFree;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoDAsync;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoH;
import static jcuda.driver.JCudaDriver.cuMemcpyHtoDAsync;
import static jcuda.driver.JCudaDriver.cuMemsetD8Async;
import static jcuda.driver.JCudaDriver.cuModuleGetFunction;
import static jcuda.driver.JCudaDriver.cuModuleLoadData;
import static jcuda.driver.JCudaDriver.cuStreamCreate;
import static jcuda.driver.JCudaDriver.cuStreamSynchronize;

import dev.stride.kernels.Kernels;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;
import jcuda.CudaException;
import jcuda.Pointer;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdevice_attribute;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUfunction;
import jcuda.driver.CUmodule;
import jcuda.driver.CUresult;
import jcuda.driver.CUstream;
import jcuda.driver.JCudaDriver;

/**
 * A real NVIDIA GPU through JCuda's driver API: one context and one stream on device 0, exceptions enabled, and
 * every driver error rethrown naming the call and its sizes. Everything queues on that one stream (uploads too,
 * see {@link #toDevice}); a download waits for the stream first.
 */
final class JCudaGpu implements Gpu {
    /** A device pointer whose address Java can read. */
    private static final class DevicePointer extends CUdeviceptr {
        long address() {
            return getNativePointer();
        }
    }

    private final CUcontext context = new CUcontext();
    private final CUstream stream = new CUstream();
    private final String description;
    private final long total;
    private final int multiprocessors;
    private final TreeMap<Long, DevicePointer> allocations = new TreeMap<>();
    private final Map<Object, Map<String, CUfunction>> functions = new HashMap<>();
    private final int driverVersion;
    /** The last thread that made the context current: a context is current per thread, and Cleaner-driven or
     *  user threads may call too. */
    private volatile Thread current;

    /** Why no GPU can be used here, or null when one can. Never throws. */
    static String unavailableReason() {
        try {
            JCudaDriver.setExceptionsEnabled(true);
            cuInit(0);
            int[] count = {0};
            cuDeviceGetCount(count);
            return count[0] == 0 ? "the NVIDIA driver found no CUDA device" : null;
        } catch (LinkageError e) {
            String m = String.valueOf(e.getMessage());
            return m.contains("libcuda.so")
                    ? "no NVIDIA driver here (libcuda.so.1 is not installed)"
                    : "JCuda's native library did not load: " + m.lines().findFirst().orElse(m);
        } catch (CudaException e) {
            return "cuInit failed: " + e.getMessage();
        } catch (RuntimeException e) {
            return "JCuda failed to start: " + e;
        }
    }

    JCudaGpu() {
        JCudaDriver.setExceptionsEnabled(true);
        try {
            cuInit(0);
            CUdevice device = new CUdevice();
            cuDeviceGet(device, 0);
            cuCtxCreate(context, 0, device);
            current = Thread.currentThread();
            cuStreamCreate(stream, 0);
            long[] mem = {0};
            cuDeviceTotalMem(mem, device);
            total = mem[0];
            byte[] name = new byte[256];
            cuDeviceGetName(name, name.length, device);
            int[] major = {0};
            int[] minor = {0};
            cuDeviceGetAttribute(major, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, device);
            cuDeviceGetAttribute(minor, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, device);
            int[] sms = {0};
            cuDeviceGetAttribute(sms, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT, device);
            multiprocessors = sms[0];
            int[] version = {0};
            cuDriverGetVersion(version);
            driverVersion = version[0];
            String n = new String(name, java.nio.charset.StandardCharsets.US_ASCII).trim().replace("\0", "");
            description = n + " (sm_" + major[0] + minor[0] + ", " + (total >> 20) + " MiB), CUDA driver "
                    + version[0] / 1000 + "." + version[0] % 1000 / 10;
        } catch (CudaException e) {
            throw new GpuException("starting the GPU: " + e.getMessage(), e);
        }
    }

    @Override
    public String describe() {
        return description;
    }

    @Override
    public long totalMemory() {
        return total;
    }

    @Override
    public int multiprocessors() {
        return multiprocessors;
    }

    @Override
    public long malloc(long bytes) {
        current();
        DevicePointer p = new DevicePointer();
        try {
            cuMemAlloc(p, Math.max(bytes, 1));
        } catch (CudaException e) {
            if (e.getMessage() != null && e.getMessage().contains("OUT_OF_MEMORY")) {
                throw new GpuException.OutOfMemory("cuMemAlloc of " + bytes + " bytes: " + e.getMessage());
            }
            throw new GpuException("cuMemAlloc of " + bytes + " bytes: " + e.getMessage(), e);
        }
        allocations.put(p.address(), p);
        return p.address();
    }

    @Override
    public void free(long address) {
        DevicePointer p = allocations.remove(address);
        if (p == null) throw new GpuException("cuMemFree: 0x" + Long.toHexString(address) + " is not an allocation");
        call(() -> "cuMemFree", () -> cuMemFree(p));
    }

    /** A driver pointer to {@code address}, which lies inside one of our allocations. */
    private CUdeviceptr at(long address) {
        Map.Entry<Long, DevicePointer> e = allocations.floorEntry(address);
        if (e == null) throw new GpuException("0x" + Long.toHexString(address) + " is not device memory of this backend");
        return e.getValue().withByteOffset(address - e.getKey());
    }

    /**
     * Uploads go through our stream, staged in pageable native memory that the driver copies out before
     * cuMemcpyHtoDAsync returns. A synchronous cuMemcpyHtoD from a Java array runs on the legacy stream, and on an
     * H200 (CUDA 13, driver 580) kernels queued on our stream right after it read the fresh allocation's zeros.
     */
    @Override
    public void toDevice(long address, float[] src, int offset, int n) {
        upload(address, n, (b, from, len) -> b.asFloatBuffer().put(src, offset + from, len));
    }

    @Override
    public void toDevice(long address, int[] src, int offset, int n) {
        upload(address, n, (b, from, len) -> b.asIntBuffer().put(src, offset + from, len));
    }

    /** Puts words [from, from + len) of the caller's array at the start of a staging buffer. */
    private interface Stage {
        void into(ByteBuffer b, int from, int len);
    }

    /** Words staged per upload call (64 MiB). */
    private static final int STAGED = 16 << 20;
    private ByteBuffer staging = ByteBuffer.allocateDirect(0);

    private synchronized void upload(long address, int n, Stage stage) {
        for (int done = 0; done < n; done += STAGED) {
            int len = Math.min(STAGED, n - done);
            if (staging.capacity() < len * 4) {
                staging = ByteBuffer.allocateDirect(Math.min(STAGED, Integer.highestOneBit(Math.max(len - 1, 1)) << 1) * 4)
                        .order(ByteOrder.nativeOrder());
            }
            stage.into(staging.clear(), done, len);
            long dst = address + done * 4L;
            long bytes = len * 4L;
            call(() -> "cuMemcpyHtoDAsync of " + bytes + " bytes", () -> cuMemcpyHtoDAsync(at(dst), Pointer.to(staging), bytes, stream));
        }
    }

    @Override
    public void toHost(long address, float[] dst, int offset, int n) {
        synchronize();
        call(() -> "cuMemcpyDtoH of " + n * 4L + " bytes", () -> cuMemcpyDtoH(Pointer.to(dst).withByteOffset(offset * 4L), at(address), n * 4L));
    }

    @Override
    public void toHost(long address, int[] dst, int offset, int n) {
        synchronize();
        call(() -> "cuMemcpyDtoH of " + n * 4L + " bytes", () -> cuMemcpyDtoH(Pointer.to(dst).withByteOffset(offset * 4L), at(address), n * 4L));
    }

    @Override
    public void copy(long dst, long src, long bytes) {
        if (bytes > 0) call(() -> "cuMemcpyDtoDAsync of " + bytes + " bytes", () -> cuMemcpyDtoDAsync(at(dst), at(src), bytes, stream));
    }

    @Override
    public void zero(long address, long bytes) {
        if (bytes > 0) call(() -> "cuMemsetD8Async of " + bytes + " bytes", () -> cuMemsetD8Async(at(address), (byte) 0, bytes, stream));
    }

    @Override
    public Object load(String name, String ptx) {
        current();
        CUmodule module = new CUmodule();
        try {
            cuModuleLoadData(module, ptx);
        } catch (CudaException e) {
            if (e.getMessage() != null && e.getMessage().contains(CUresult.stringFor(CUresult.CUDA_ERROR_UNSUPPORTED_PTX_VERSION))) {
                throw new GpuException("loading PTX module " + name + ": the driver (CUDA " + driverVersion / 1000 + "."
                        + driverVersion % 1000 / 10 + ") rejects PTX ISA " + Kernels.isaVersion(ptx)
                        + " (error 222, CUDA_ERROR_UNSUPPORTED_PTX_VERSION); a driver for CUDA 12.0 or newer loads it", e);
            }
            throw new GpuException("loading PTX module " + name + ": " + e.getMessage(), e);
        }
        functions.put(module, new HashMap<>());
        return module;
    }

    @Override
    public void launch(Object module, String kernel, int[] grid, int[] block, int sharedBytes, Object... args) {
        CUfunction f = functions.get(module).computeIfAbsent(kernel, k -> {
            CUfunction fn = new CUfunction();
            call(() -> "cuModuleGetFunction " + k, () -> cuModuleGetFunction(fn, (CUmodule) module, k));
            return fn;
        });
        Pointer[] params = new Pointer[args.length];
        for (int i = 0; i < args.length; i++) params[i] = argument(args[i]);
        call(() -> "cuLaunchKernel " + kernel + " (grid " + Arrays.toString(grid) + ", block " + Arrays.toString(block)
                + ", " + sharedBytes + " shared bytes)", () -> cuLaunchKernel(f, grid[0], grid[1], grid[2],
                block[0], block[1], block[2], sharedBytes, stream, Pointer.to(params), null));
    }

    private static Pointer argument(Object a) {
        if (a instanceof Integer v) return Pointer.to(new int[] {v});
        if (a instanceof Long v) return Pointer.to(new long[] {v});
        if (a instanceof Float v) return Pointer.to(new float[] {v});
        if (a instanceof byte[] v) return Pointer.to(v);
        throw new IllegalArgumentException("kernel argument of type " + a.getClass().getSimpleName());
    }

    /** cuBLAS, probed on first use: its handle, or the reason it did not load. */
    private Object blas;

    private jcuda.jcublas.cublasHandle blas() {
        if (blas == null) {
            if ("stride".equals(System.getProperty("stride.cuda.gemm"))) {
                blas = "-Dstride.cuda.gemm=stride asks for Stride's kernel";
            } else {
                try {
                    jcuda.jcublas.JCublas2.setExceptionsEnabled(true);
                    jcuda.jcublas.cublasHandle h = new jcuda.jcublas.cublasHandle();
                    jcuda.jcublas.JCublas2.cublasCreate(h);
                    jcuda.jcublas.JCublas2.cublasSetStream(h, new jcuda.runtime.cudaStream_t(stream));
                    blas = h;
                } catch (LinkageError | CudaException e) {
                    String m = String.valueOf(e.getMessage());
                    blas = m.contains("libcublas") ? "libcublas.so.12 is not installed" : "cuBLAS did not start: " + m.lines().findFirst().orElse(m);
                }
            }
        }
        return blas instanceof jcuda.jcublas.cublasHandle h ? h : null;
    }

    @Override
    public String gemmPath() {
        return blas() != null ? "cuBLAS (cublasSgemmStridedBatched)" : "Stride's SGEMM kernel (" + blas + ")";
    }

    /** Row-major C = op(A)·op(B) is column-major Cᵀ = op(B)ᵀ·op(A)ᵀ: B and A swap places, n and m too. */
    @Override
    public boolean libraryGemm(boolean transA, boolean transB, int m, int n, int k, float alpha, long a, int lda, long strideA,
                               long b, int ldb, long strideB, float beta, long c, int ldc, long strideC, int batch) {
        jcuda.jcublas.cublasHandle h = blas();
        if (h == null) return false;
        int opB = transB ? jcuda.jcublas.cublasOperation.CUBLAS_OP_T : jcuda.jcublas.cublasOperation.CUBLAS_OP_N;
        int opA = transA ? jcuda.jcublas.cublasOperation.CUBLAS_OP_T : jcuda.jcublas.cublasOperation.CUBLAS_OP_N;
        call(() -> "cublasSgemmStridedBatched (m " + m + ", n " + n + ", k " + k + ", batch " + batch + ")",
                () -> jcuda.jcublas.JCublas2.cublasSgemmStridedBatched(h, opB, opA, n, m, k, Pointer.to(new float[] {alpha}),
                        at(b), ldb, strideB, at(a), lda, strideA, Pointer.to(new float[] {beta}), at(c), ldc, strideC, batch));
        return true;
    }

    @Override
    public void synchronize() {
        call(() -> "cuStreamSynchronize (a kernel queued earlier failed)", () -> cuStreamSynchronize(stream));
    }

    /** Makes the context current on the calling thread when another thread used it last. */
    private void current() {
        Thread t = Thread.currentThread();
        if (current != t) {
            call0(() -> "cuCtxSetCurrent", () -> cuCtxSetCurrent(context));
            current = t;
        }
    }

    private void call(Supplier<String> what, Runnable r) {
        current();
        call0(what, r);
    }

    /** Runs a driver call; its description is built only when it fails (launches are hot). */
    private static void call0(Supplier<String> what, Runnable r) {
        try {
            r.run();
        } catch (CudaException e) {
            throw new GpuException(what.get() + ": " + e.getMessage(), e);
        }
    }
}
