package dev.stride.cuda;

import dev.stride.backend.Backend;
import dev.stride.backend.BackendProvider;

/**
 * Registers {@code cuda}: a real GPU when JCuda finds a driver and a device, or the PTX emulator when
 * {@code -Dstride.cuda.device=emulated} (or {@code STRIDE_CUDA_DEVICE=emulated}) asks for it. Without either it is
 * unavailable and says why: asking for {@code cuda} never falls back to the CPU.
 */
public final class CudaBackendProvider implements BackendProvider {
    private static final String HOW = "-Dstride.cuda.device=emulated (or STRIDE_CUDA_DEVICE=emulated) runs the CUDA "
            + "backend on the PTX emulator instead";
    private static volatile String probed;

    @Override
    public String name() {
        return "cuda";
    }

    @Override
    public int priority() {
        return 10;
    }

    /** Whether the emulator was asked for. */
    static boolean emulated() {
        String p = System.getProperty("stride.cuda.device");
        if (p == null || p.isBlank()) p = System.getenv("STRIDE_CUDA_DEVICE");
        return "emulated".equals(p);
    }

    @Override
    public String unavailableReason() {
        if (emulated()) return null;
        String why = probed;
        if (why == null) {
            String r = JCudaGpu.unavailableReason();
            why = r == null ? "" : r + "; " + HOW;
            probed = why;
        }
        return why.isEmpty() ? null : why;
    }

    /** Emulated device memory in MiB: {@code -Dstride.cuda.emulated.mib}, 1024 by default. */
    private static long emulatedBytes() {
        return Long.getLong("stride.cuda.emulated.mib", 1024) << 20;
    }

    @Override
    public Backend create() {
        if (emulated()) {
            org.slf4j.LoggerFactory.getLogger(CudaBackendProvider.class).warn(
                    "cuda: running on the PTX emulator, which interprets every kernel on the CPU: correct, and slow");
            return new CudaBackend(new EmulatedGpu(emulatedBytes()));
        }
        String why = unavailableReason();
        if (why != null) throw new IllegalStateException("cuda is not available: " + why);
        return new CudaBackend(new JCudaGpu());
    }
}
