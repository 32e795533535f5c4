package dev.stride.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stride.backend.Window;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The stride-1 convolution that reads a padded image in place, against the unfolding one and a direct sum. */
class CpuConvTest {
    private static float[] fill(int n, long seed) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            seed = seed * 6364136223846793005L + 1442695040888963407L;
            v[i] = ((seed >>> 41) % 2001 - 1000) / 1000f;
        }
        return v;
    }

    /**
     * n, c, h, w, kh, kw, ph, pw, dh, dw, cout: more than one k block (K > 256) and row block (cout > 72), uneven
     * kernels, padding and dilation, the CNN's first layer.
     */
    @ParameterizedTest
    @CsvSource({"2,30,7,9,3,3,1,1,1,1,80", "1,3,8,5,2,4,0,2,1,1,5", "3,2,6,6,3,3,2,2,2,2,7", "2,1,28,28,3,3,1,1,1,1,16",
                "1,4,5,5,5,5,0,0,1,1,3"})
    void implicitMatchesUnfoldedBitForBitAndTheDirectSum(int n, int c, int h, int w, int kh, int kw, int ph, int pw, int dh,
                                                       int dw, int cout) {
        Window g = new Window(n, c, h, w, kh, kw, 1, 1, ph, pw, dh, dw);
        int offset = 5;
        float[] x = fill(offset + n * c * h * w, 1);
        float[] wt = fill(cout * g.patch(), 2);
        int out = n * cout * g.positions();
        float[] implicit = fill(out, 3);
        float[] unfolded = fill(out, 4);
        CpuConv.implicitForward(x, offset, wt, g, cout, implicit);
        CpuConv.unfoldedForward(x, offset, wt, g, cout, unfolded);
        int oh = g.outH();
        int ow = g.outW();
        for (int i = 0; i < out; i++) {
            assertEquals(Float.floatToRawIntBits(unfolded[i]), Float.floatToRawIntBits(implicit[i]), "output " + i);
            int b = i / (cout * oh * ow);
            int o = i / (oh * ow) % cout;
            int y = i / ow % oh;
            int xx = i % ow;
            double sum = 0;
            for (int ci = 0; ci < c; ci++) {
                for (int u = 0; u < kh; u++) {
                    for (int v = 0; v < kw; v++) {
                        int iy = y - ph + u * dh;
                        int ix = xx - pw + v * dw;
                        if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
                        sum += (double) x[offset + ((b * c + ci) * h + iy) * w + ix] * wt[((o * c + ci) * kh + u) * kw + v];
                    }
                }
            }
            assertEquals(sum, implicit[i], 1e-5 * g.patch(), "output " + i);
        }
    }

    /** n, c, h, w, cout: K = 144 runs as a GEMM, K = 9 as dot products; 20 images make uneven groups. */
    @ParameterizedTest
    @CsvSource({"20,16,6,5,10", "3,1,5,5,4", "1,16,3,3,7"})
    void weightGradientMatchesTheDirectSum(int n, int c, int h, int w, int cout) {
        Window g = new Window(n, c, h, w, 3, 3, 1, 1, 1, 1, 1, 1);
        float[] x = fill(n * c * h * w, 5);
        float[] dy = fill(n * cout * g.positions(), 6);
        float[] dw = fill(cout * g.patch(), 7);
        CpuConv.backwardWeight(x, 0, dy, g, cout, dw);
        for (int o = 0; o < cout; o++) {
            for (int ci = 0; ci < c; ci++) {
                for (int u = 0; u < 3; u++) {
                    for (int v = 0; v < 3; v++) {
                        double sum = 0;
                        for (int b = 0; b < n; b++) {
                            for (int y = 0; y < h; y++) {
                                for (int xx = 0; xx < w; xx++) {
                                    int iy = y - 1 + u;
                                    int ix = xx - 1 + v;
                                    if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
                                    sum += (double) dy[((b * cout + o) * h + y) * w + xx] * x[((b * c + ci) * h + iy) * w + ix];
                                }
                            }
                        }
                        assertEquals(sum, dw[((o * c + ci) * 3 + u) * 3 + v], 1e-5 * n * h * w, "dw " + o + "," + ci + "," + u + "," + v);
                    }
                }
            }
        }
    }

    /** An image's 1 or 3 channels fold the input gradient; 4 and more, as in the CNN's second layer (16), flip. */
    @Test
    void theInputGradientFoldsOnlyForFewChannels() {
        for (int c : new int[] {1, 2, 3}) assertTrue(CpuConv.fewRows(c), c + " channels");
        for (int c : new int[] {4, 6, 16, 32, 64}) assertFalse(CpuConv.fewRows(c), c + " channels");
    }
}
