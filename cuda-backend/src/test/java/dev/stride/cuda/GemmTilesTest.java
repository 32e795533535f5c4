package dev.stride.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stride.backend.Backend;
import dev.stride.backend.Gemm;
import dev.stride.backend.Storage;
import dev.stride.tensor.DType;
import dev.stride.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** The two SGEMM kernels on the emulator: the 128-wide tiles give the 64-wide tiles' bits, edges and all. */
class GemmTilesTest {
    /** A one-multiprocessor device takes the wide tiles for any product that fills them well enough. */
    private static final CudaBackend WIDE = new CudaBackend(new EmulatedGpu(64L << 20, false, 1));

    @Test
    void wideTilesGiveTheSameBitsWithTransposesBatchesPaddingAndBeta() {
        // 200 x 250 needs partial tiles in both directions; k = 19 ends inside a staged step of 8.
        int m = 200;
        int n = 250;
        int k = 19;
        assertTrue(CudaBackend.wideTiles(m, n, 2, 1));
        for (int flags = 0; flags < 4; flags++) {
            boolean ta = (flags & 1) != 0;
            boolean tb = (flags & 2) != 0;
            float[] narrow = product(CudaBackendTest.EMULATED, m, n, k, ta, tb);
            float[] wide = product(WIDE, m, n, k, ta, tb);
            assertArrayEquals(narrow, wide, "transA " + ta + " transB " + tb);
            CudaConformance.close("wide tiles against the CPU, transA " + ta + " transB " + tb,
                    product(CudaConformance.CPU, m, n, k, ta, tb), wide, 16, 1e-5f);
        }
    }

    @Test
    void bothTilesGiveTheSameBitsInAnyThreadOrder() {
        // The emulator otherwise runs one fixed schedule; a missing barrier shows as different bits in another.
        for (long seed = 1; seed <= 2; seed++) {
            CudaBackend wide = new CudaBackend(new EmulatedGpu(64L << 20, false, 1).shuffled(seed));
            CudaBackend narrow = new CudaBackend(new EmulatedGpu(64L << 20).shuffled(seed));
            assertTrue(CudaBackend.wideTiles(120, 125, 2, 1));
            assertArrayEquals(product(WIDE, 120, 125, 21, true, false), product(wide, 120, 125, 21, true, false), "seed " + seed);
            assertArrayEquals(product(CudaBackendTest.EMULATED, 70, 90, 21, false, true), product(narrow, 70, 90, 21, false, true),
                    "seed " + seed);
        }
    }

    /** Two batch entries of C (0.5 everywhere, beta 2) = 1.5·op(A)·op(B) + 2·C, with padded leading dimensions. */
    static float[] product(Backend be, int m, int n, int k, boolean ta, boolean tb) {
        int lda = (ta ? m : k) + 3;
        int ldb = (tb ? k : n) + 1;
        int aSize = (ta ? k : m) * lda;
        int bSize = (tb ? n : k) * ldb;
        Storage a = Tensor.of(be, CudaConformance.ramp(2 * aSize, 1f), 2 * aSize).storage();
        Storage b = Tensor.of(be, CudaConformance.ramp(2 * bSize, 1f), 2 * bSize).storage();
        Storage c = be.allocate(DType.F32, 2L * m * n);
        be.fill(c, 0, 2L * m * n, 0.5f);
        be.gemm(new Gemm(2, m, n, k, 1.5f, a, 0, lda, aSize, ta, b, 0, ldb, bSize, tb, 2f, c, 0, n, (long) m * n));
        return Tensor.wrap(c, DType.F32, 2 * m * n).toFloatArray();
    }

    @Test
    void aPropertyPinsTheTileAndRejectsOtherSizes() {
        // A 5 x 7 product on 128-wide tiles: four times the multiply-adds per thread, all on padding (2.7 times the
        // instructions in all).
        long narrow = instructions(null);
        long wide = instructions("128");
        assertTrue(wide > 2 * narrow, wide + " instructions against " + narrow);
        assertEquals(narrow, instructions("64"));
        System.setProperty("stride.cuda.gemm.tile", "96");
        try {
            var e = assertThrows(IllegalArgumentException.class, () -> new CudaBackend(new EmulatedGpu(1L << 20)));
            assertTrue(e.getMessage().contains("stride.cuda.gemm.tile=96"), e.getMessage());
        } finally {
            System.clearProperty("stride.cuda.gemm.tile");
        }
    }

    private static long instructions(String tile) {
        if (tile != null) System.setProperty("stride.cuda.gemm.tile", tile);
        EmulatedGpu gpu = new EmulatedGpu(1L << 20);
        CudaBackend be;
        try {
            be = new CudaBackend(gpu);
        } finally {
            System.clearProperty("stride.cuda.gemm.tile");
        }
        Storage a = be.allocate(DType.F32, 45);
        Storage b = be.allocate(DType.F32, 63);
        Storage c = be.allocate(DType.F32, 35);
        be.gemm(new Gemm(1, 5, 7, 9, 1f, a, 0, 9, 0, false, b, 0, 7, 0, false, 0f, c, 0, 7, 0));
        return gpu.lastLaunch().instructions();
    }

    @Test
    void wideTilesOnlyWhereTheyAreFilledAndFillTheDevice() {
        assertTrue(CudaBackend.wideTiles(4096, 4096, 1, 132));
        assertFalse(CudaBackend.wideTiles(1024, 1024, 1, 132), "64 blocks for 132 multiprocessors");
        assertTrue(CudaBackend.wideTiles(1024, 1024, 3, 132), "three of them: 192 blocks");
        assertFalse(CudaBackend.wideTiles(16, 784, 128, 132), "a convolution's 16 output channels would fill an eighth");
        assertFalse(CudaBackend.wideTiles(129, 4096, 8, 132), "129 rows take two tiles, half of them padding");
        assertTrue(CudaBackend.wideTiles(128, 256, 1, 1));
        assertFalse(CudaBackend.wideTiles(1000, 1000, 1, 80), "the emulator's default keeps even large products on 64-wide tiles");
    }
}
