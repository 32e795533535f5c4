package dev.stride.cuda;

/** The conformance checks on the PTX emulator, in every CI run. */
class CudaBackendTest extends CudaConformance {
    static final CudaBackend EMULATED = new CudaBackend(new EmulatedGpu(256L << 20));

    @Override
    CudaBackend cuda() {
        return EMULATED;
    }

    static void close(String what, float[] cpu, float[] cuda, long maxUlps, float atol) {
        CudaConformance.close(what, cpu, cuda, maxUlps, atol);
    }
}
