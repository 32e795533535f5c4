package dev.stride.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stride.backend.Gemm;
import dev.stride.backend.Storage;
import dev.stride.tensor.DType;
import java.util.function.Consumer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** Both GEMM kernels against a naive triple loop, over shapes that straddle every block and register-tile edge. */
class CpuGemmTest {
    static final CpuBackend CPU = new CpuBackend();

    private static float[] fill(int n, int seed) {
        float[] v = new float[n];
        long s = seed;
        for (int i = 0; i < n; i++) {
            s = s * 6364136223846793005L + 1442695040888963407L;
            v[i] = ((s >>> 41) % 2001 - 1000) / 1000f;
        }
        return v;
    }

    private static Storage store(float[] v) {
        Storage s = CPU.allocate(DType.F32, v.length);
        CPU.write(s, 0, v, 0, v.length);
        return s;
    }

    @Test
    void vectorKernelRunsWhereTheModuleIsPresent() {
        assertTrue(CpuGemm.VECTOR, "surefire adds jdk.incubator.vector, so the Vector API kernel must be the one in use");
    }

    @ParameterizedTest
    @CsvSource({"1,1,1,1,false,false", "5,7,3,1,false,false", "67,130,257,1,false,true", "64,512,256,1,true,false",
                "33,515,300,3,true,true", "4,1,600,2,false,false", "130,9,1,1,true,true", "72,64,513,1,false,false",
                "17,33,9,2,true,false", "129,257,40,1,false,true", "150,40,300,1,true,false", "73,17,257,2,false,true",
                "256,784,128,1,true,false", "128,256,784,1,false,true", "40,801,20,1,false,false"})
    void matchesNaive(int m, int n, int k, int batch, boolean ta, boolean tb) {
        for (float beta : new float[] {0.5f, 0f}) {
            check(m, n, k, batch, ta, tb, beta, CpuGemm::gemm);
            check(m, n, k, batch, ta, tb, beta, CpuGemm::scalar);
        }
    }

    /** beta = 0 starts from a C full of NaN, which must not leak into the result. */
    private static void check(int m, int n, int k, int batch, boolean ta, boolean tb, float beta, Consumer<Gemm> kernel) {
        float[] a = fill(batch * m * k, 1);
        float[] b = fill(batch * k * n, 2);
        float[] c0 = fill(batch * m * n, 3);
        if (beta == 0f) java.util.Arrays.fill(c0, Float.NaN);
        float alpha = 0.75f;
        Storage cs = store(c0);
        kernel.accept(new Gemm(batch, m, n, k, alpha,
                store(a), 0, ta ? m : k, (long) m * k, ta,
                store(b), 0, tb ? k : n, (long) k * n, tb,
                beta, cs, 0, n, (long) m * n));
        float[] got = new float[batch * m * n];
        CPU.read(cs, 0, got, 0, got.length);
        for (int bi = 0; bi < batch; bi++) {
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    double acc = 0;
                    for (int p = 0; p < k; p++) {
                        float av = ta ? a[bi * m * k + p * m + i] : a[bi * m * k + i * k + p];
                        float bv = tb ? b[bi * k * n + j * k + p] : b[bi * k * n + p * n + j];
                        acc += (double) av * bv;
                    }
                    int o = bi * m * n + i * n + j;
                    double expected = alpha * acc + (beta == 0f ? 0 : beta * c0[o]);
                    assertEquals(expected, got[o], 1e-4 * Math.sqrt(k) + 1e-5, "C[" + bi + "," + i + "," + j + "]");
                }
            }
        }
    }

    @Test
    void betaZeroIgnoresNaNInOutput() {
        betaZeroIgnoresNaN(CpuGemm::gemm);
        betaZeroIgnoresNaN(CpuGemm::scalar);
    }

    private static void betaZeroIgnoresNaN(Consumer<Gemm> kernel) {
        Storage c = store(new float[] {Float.NaN, Float.NaN});
        kernel.accept(new Gemm(1, 1, 2, 1, 1f, store(new float[] {2}), 0, 1, 0, false,
                store(new float[] {3, 4}), 0, 2, 0, false, 0f, c, 0, 2, 0));
        float[] got = new float[2];
        CPU.read(c, 0, got, 0, 2);
        assertArrayEquals(new float[] {6, 8}, got);
    }
}
