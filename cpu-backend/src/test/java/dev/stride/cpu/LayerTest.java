package dev.stride.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stride.backend.Backend;
import dev.stride.backend.Backends;
import dev.stride.backend.Storage;
import dev.stride.backend.View;
import dev.stride.backend.Window;
import dev.stride.nn.Activation;
import dev.stride.nn.BatchNorm;
import dev.stride.nn.Conv2d;
import dev.stride.nn.Dropout;
import dev.stride.nn.Functional;
import dev.stride.nn.Init;
import dev.stride.nn.Linear;
import dev.stride.nn.MaxPool2d;
import dev.stride.random.Generator;
import dev.stride.random.Philox;
import dev.stride.tensor.DType;
import dev.stride.tensor.Tensor;
import dev.stride.testing.PrimitivesOnly;
import dev.stride.testing.Tolerance;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Known answers for the layers, their fused CPU ops against the composites, and their errors. */
class LayerTest {
    static final Backend CPU = Backends.get("cpu");
    static final Backend REF = new PrimitivesOnly(CPU);

    @BeforeAll
    static void cpuDefault() {
        Backends.setDefault(CPU);
    }

    @Test
    void aBatchNormReluPairInASequentialRunsFusedWithTheSameBitsAndCountsDeadUnits() {
        Generator gen = new Generator(11);
        Tensor x0 = Tensor.rand(CPU, gen, -2, 3, 4, 3, 5, 5);
        Tensor dy = Tensor.rand(CPU, gen, -1, 1, 4, 3, 5, 5);
        float[][][] runs = new float[2][][];
        double[] dead = new double[2];
        for (int fused = 0; fused < 2; fused++) {
            dev.stride.testing.CountingBackend counted = new dev.stride.testing.CountingBackend(CPU);
            BatchNorm bn = BatchNorm.batchNorm2d(3, 0.1f, 1e-5f, counted);
            Tensor.of(counted, new float[] {0.5f, 1.5f, -1f}, 3).copyTo(bn.weight().storage());
            Tensor.of(counted, new float[] {0.2f, -0.3f, 0f}, 3).copyTo(bn.bias().storage());
            Activation relu = Activation.relu().trackDead(true);
            Tensor x = x0.to(counted).requiresGrad(true);
            Tensor y = fused == 1 ? new dev.stride.nn.Sequential(bn, relu).forward(x) : relu.forward(bn.forward(x));
            y.backward(dy.to(counted));
            runs[fused] = new float[][] {y.toFloatArray(), x.grad().toFloatArray(), bn.weight().grad().toFloatArray(),
                    bn.bias().grad().toFloatArray(), bn.runningMean().toFloatArray(), bn.runningVar().toFloatArray()};
            dead[fused] = relu.deadFraction();
            java.util.Set<String> ops = counted.nanosByOp().keySet();
            assertEquals(fused == 1, ops.contains("batchNormRelu") && ops.contains("batchNormReluBackward"), ops.toString());
            assertEquals(fused == 0, ops.contains("reluBackward"), ops.toString());
        }
        String[] names = {"output", "input gradient", "weight gradient", "bias gradient", "running mean", "running var"};
        for (int i = 0; i < names.length; i++) assertArrayEquals(runs[0][i], runs[1][i], names[i]);
        // Channel 2 has gamma -1 and beta 0: some units there are below zero for all four samples.
        assertTrue(dead[0] > 0, "dead fraction " + dead[0]);
        assertEquals(dead[0], dead[1]);
    }

    @Test
    void batchNormThreeTrainingStepsByHand() {
        BatchNorm bn = BatchNorm.batchNorm1d(2);
        float[][] batches = {{1, 10, 2, 20, 3, 30, 6, 40}, {0, 0, 4, 8, 0, 0, 4, 8}, {5, -1, 5, 1, 5, -1, 5, 1}};
        double[] rm = {0, 0};
        double[] rv = {1, 1};
        float[] out = null;
        for (float[] b : batches) {
            out = bn.forward(Tensor.of(CPU, b, 4, 2)).toFloatArray();
            for (int c = 0; c < 2; c++) {
                double mean = 0;
                for (int i = 0; i < 4; i++) mean += b[i * 2 + c] / 4.0;
                double var = 0;
                for (int i = 0; i < 4; i++) var += Math.pow(b[i * 2 + c] - mean, 2) / 4.0;
                rm[c] = 0.9 * rm[c] + 0.1 * mean;
                rv[c] = 0.9 * rv[c] + 0.1 * var * 4 / 3;
                for (int i = 0; i < 4; i++) {
                    assertEquals((b[i * 2 + c] - mean) / Math.sqrt(var + 1e-5), out[i * 2 + c], 1e-5);
                }
            }
        }
        // Step 1, channel 0: mean 3, var 3.5 -> running mean 0.3, running var 0.9 + 0.1·14/3.
        assertEquals(0.9 * 0.9 * 0.3 + 0.9 * 0.1 * 2 + 0.1 * 5, rm[0], 1e-12);
        assertArrayEquals(new float[] {(float) rm[0], (float) rm[1]}, bn.runningMean().toFloatArray(), 1e-6f);
        assertArrayEquals(new float[] {(float) rv[0], (float) rv[1]}, bn.runningVar().toFloatArray(), 1e-5f);
        bn.eval();
        float[] e = bn.forward(Tensor.of(CPU, new float[] {1, 2}, 1, 2)).toFloatArray();
        assertEquals((1 - rm[0]) / Math.sqrt(rv[0] + 1e-5), e[0], 1e-5);
        assertEquals((2 - rm[1]) / Math.sqrt(rv[1] + 1e-5), e[1], 1e-5);
    }

    @Test
    void convolutionMatchesNaiveDirectConvolution() {
        Generator g = new Generator(2);
        int n = 2, cin = 4, h = 9, w = 7, cout = 6, k = 3;
        for (int[] cfg : new int[][] {{1, 0, 1, 1}, {2, 1, 1, 1}, {1, 2, 2, 1}, {2, 1, 2, 2}}) {
            int stride = cfg[0], pad = cfg[1], dil = cfg[2], groups = cfg[3];
            Conv2d conv = new Conv2d(cin, cout, k, stride, pad, dil, groups, true, Init.Scheme.HE_UNIFORM, CPU, g);
            Tensor.rand(CPU, g, -1, 1, cout).copyTo(conv.bias().storage());
            Tensor x = Tensor.rand(CPU, g, -1, 1, n, cin, h, w);
            Tensor y = conv.forward(x);
            float[] xs = x.toFloatArray();
            float[] ws = conv.weight().toFloatArray();
            float[] bs = conv.bias().toFloatArray();
            int oh = (h + 2 * pad - dil * (k - 1) - 1) / stride + 1;
            int ow = (w + 2 * pad - dil * (k - 1) - 1) / stride + 1;
            assertArrayEquals(new int[] {n, cout, oh, ow}, y.shape());
            float[] ys = y.toFloatArray();
            int per = cin / groups;
            for (int b = 0; b < n; b++) {
                for (int o = 0; o < cout; o++) {
                    int grp = o / (cout / groups);
                    for (int i = 0; i < oh; i++) {
                        for (int j = 0; j < ow; j++) {
                            double acc = bs[o];
                            for (int c = 0; c < per; c++) {
                                for (int u = 0; u < k; u++) {
                                    for (int v = 0; v < k; v++) {
                                        int iy = i * stride - pad + u * dil;
                                        int ix = j * stride - pad + v * dil;
                                        if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
                                        int ci = grp * per + c;
                                        acc += xs[((b * cin + ci) * h + iy) * w + ix] * ws[((o * per + c) * k + u) * k + v];
                                    }
                                }
                            }
                            assertEquals(acc, ys[((b * cout + o) * oh + i) * ow + j], 1e-4,
                                    "config " + java.util.Arrays.toString(cfg) + " at " + b + "," + o + "," + i + "," + j);
                        }
                    }
                }
            }
        }
    }

    @Test
    void dropoutMaskIsPhiloxBitForBit() {
        // Seed 1234, offset 0 (a fresh generator), p = 0.5: element i is kept iff word i of counter i/4 is >= 2^31.
        Generator g = new Generator(1234);
        Dropout d = new Dropout(0.5f, g);
        float[] y = d.forward(Tensor.full(CPU, 1f, 10)).toFloatArray();
        int[] w = new int[4];
        for (int i = 0; i < 10; i++) {
            Philox.words(1234, 0, i / 4, w);
            float expected = (w[i % 4] & 0xFFFFFFFFL) >= (1L << 31) ? 2f : 0f;
            assertEquals(expected, y[i], "element " + i);
        }
        assertEquals(3, g.offset(), "10 elements use 3 counters");
        float[] y2 = d.forward(Tensor.full(CPU, 1f, 10)).toFloatArray();
        assertTrue(!java.util.Arrays.equals(y, y2), "the next call draws a new mask");
        d.eval();
        assertArrayEquals(new float[] {1, 1}, d.forward(Tensor.full(CPU, 1f, 2)).toFloatArray());
    }

    @Test
    void dropoutOverManyChunksIsPhiloxBitForBit() {
        // Several parallel ranges, each ending in counters the vector groups leave, and a ragged last counter.
        int n = 5 * 8192 + 7;
        long threshold = Philox.dropThreshold(0.3);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = i - 1000f;
        Storage out = CPU.allocate(DType.F32, n);
        CPU.dropout(Tensor.of(CPU, x, n).view(), 0.3f, 99, 12345, out);
        float[] y = read(out);
        // The backward: the same key on dy, which reuses the forward's kept bits.
        float[] dy = new float[n];
        for (int i = 0; i < n; i++) dy[i] = 0.5f * i + 3;
        Storage dx = CPU.allocate(DType.F32, n);
        CPU.dropout(Tensor.of(CPU, dy, n).view(), 0.3f, 99, 12345, dx);
        float[] g = read(dx);
        int[] w = new int[4];
        for (int i = 0; i < n; i++) {
            Philox.words(99, 12345, i / 4, w);
            boolean keep = (w[i % 4] & 0xFFFFFFFFL) >= threshold;
            assertEquals(keep ? x[i] * (1 / 0.7f) : 0f, y[i], Math.abs(x[i]) * 1e-6f, "element " + i);
            assertEquals(keep ? dy[i] * (1 / 0.7f) : 0f, g[i], Math.abs(dy[i]) * 1e-6f, "gradient " + i);
        }
    }

    @Test
    void dropoutKeepRateIsWithinThreeSigma() {
        int n = 1_000_000;
        float p = 0.3f;
        float[] y = new Dropout(p, new Generator(99)).forward(Tensor.full(CPU, 1f, n)).toFloatArray();
        long kept = 0;
        for (float v : y) {
            if (v != 0) {
                kept++;
                assertEquals(1 / (1 - p), v, 1e-6);
            }
        }
        double sigma = Math.sqrt(n * p * (1 - p));
        assertTrue(Math.abs(kept - n * (1 - p)) < 3 * sigma, "kept " + kept + " of " + n);
    }

    private static float[] read(Storage s) {
        float[] v = new float[(int) s.numel()];
        CPU.read(s, 0, v, 0, v.length);
        return v;
    }

    private static Storage stored(Tensor t) {
        return t.contiguous().storage();
    }

    @Test
    void batchNormStatisticsStayAccurateFarFromZero() {
        int n = 16;
        int c = 2;
        int s = 301;
        float[] v = new float[n * c * s];
        java.util.SplittableRandom r = new java.util.SplittableRandom(3);
        for (int i = 0; i < v.length; i++) v[i] = 4096f + (float) r.nextGaussian() * 0.01f;
        double[] mean = new double[c];
        double[] var = new double[c];
        for (int ch = 0; ch < c; ch++) {
            for (int i = 0; i < n; i++) for (int k = 0; k < s; k++) mean[ch] += v[(i * c + ch) * s + k];
            mean[ch] /= n * s;
            for (int i = 0; i < n; i++) for (int k = 0; k < s; k++) var[ch] += Math.pow(v[(i * c + ch) * s + k] - mean[ch], 2);
            var[ch] /= n * s;
        }
        Storage saveMean = CPU.allocate(DType.F32, c);
        Storage saveInv = CPU.allocate(DType.F32, c);
        CPU.batchNorm(Tensor.of(CPU, v, n, c, s).view(), stored(Tensor.of(CPU, new float[] {1, 1}, 2)),
                stored(Tensor.of(CPU, new float[] {0, 0}, 2)), CPU.allocate(DType.F32, c), CPU.allocate(DType.F32, c), true,
                0.1f, 0f, CPU.allocate(DType.F32, v.length), saveMean, saveInv);
        float[] gotMean = read(saveMean);
        float[] gotInv = read(saveInv);
        for (int ch = 0; ch < c; ch++) {
            assertEquals(mean[ch], gotMean[ch], 1e-3, "mean of channel " + ch);
            assertEquals(1 / Math.sqrt(var[ch]), gotInv[ch], 1e-3 / Math.sqrt(var[ch]), "inverse std of channel " + ch);
        }
    }

    @Test
    void twoByTwoMaxPoolBreaksTiesAndPropagatesNaNLikeTheComposite() {
        float[] v = new float[2 * 3 * 6 * 8];
        for (int i = 0; i < v.length; i++) v[i] = (i * 13 % 7) / 3;
        v[9] = Float.NaN;
        v[100] = Float.NaN;
        v[101] = Float.NaN;
        Tensor x = Tensor.of(CPU, v, 2, 3, 6, 8);
        Window w = new Window(2, 3, 6, 8, 2, 2, 2, 2, 0, 0, 1, 1);
        long outs = (long) w.n() * w.c() * w.positions();
        Storage pa = CPU.allocate(DType.F32, outs);
        Storage pb = CPU.allocate(DType.F32, outs);
        Storage ia = CPU.allocate(DType.I32, outs);
        Storage ib = CPU.allocate(DType.I32, outs);
        CPU.maxPool2d(x.view(), w, pa, ia);
        REF.maxPool2d(x.view(), w, pb, ib);
        assertArrayEquals(read(pb), read(pa));
        int[] got = new int[(int) outs];
        int[] want = new int[(int) outs];
        CPU.read(ia, 0, got, 0, got.length);
        CPU.read(ib, 0, want, 0, want.length);
        assertArrayEquals(want, got);
    }

    @Test
    void fusedWindowAndNormOpsMatchTheComposites() {
        Generator g = new Generator(8);
        Tensor x = Tensor.rand(CPU, g, -1, 1, 2, 3, 7, 6);
        View strided = x.transpose(2, 3).transpose(2, 3).view();
        Tolerance exact = new Tolerance(0, 0);
        for (Window w : new Window[] {new Window(2, 3, 7, 6, 3, 3, 1, 1, 1, 1, 1, 1), new Window(2, 3, 7, 6, 3, 2, 2, 1, 1, 0, 2, 1),
                new Window(2, 3, 7, 6, 2, 2, 2, 2, 0, 0, 1, 1), new Window(2, 3, 7, 6, 2, 3, 1, 1, 0, 3, 1, 2)}) {
            long cols = (long) w.n() * w.patch() * w.positions();
            Storage a = CPU.allocate(DType.F32, cols);
            Storage b = CPU.allocate(DType.F32, cols);
            CPU.im2col(strided, w, -5f, a);
            REF.im2col(strided, w, -5f, b);
            exact.check("im2col " + w, read(a), read(b));
            Storage da = CPU.allocate(DType.F32, x.numel());
            Storage db = CPU.allocate(DType.F32, x.numel());
            CPU.col2im(a, w, da);
            REF.col2im(a, w, db);
            new Tolerance(1e-6, 1e-6).check("col2im " + w, read(da), read(db));
            long outs = (long) w.n() * w.c() * w.positions();
            Storage pa = CPU.allocate(DType.F32, outs);
            Storage pb = CPU.allocate(DType.F32, outs);
            Storage ia = CPU.allocate(DType.I32, outs);
            Storage ib = CPU.allocate(DType.I32, outs);
            CPU.maxPool2d(x.view(), w, pa, ia);
            REF.maxPool2d(x.view(), w, pb, ib);
            exact.check("maxPool " + w, read(pa), read(pb));
            Storage dy = stored(Tensor.rand(CPU, g, -1, 1, (int) outs));
            CPU.maxPool2dBackward(dy, ia, w, da);
            REF.maxPool2dBackward(dy, ib, w, db);
            new Tolerance(1e-6, 1e-6).check("maxPool backward " + w, read(da), read(db));
        }
        batchNormMatchesTheComposite(x.reshape(2, 3, 42));
        // More samples than the CPU kernel's sixteen blocks of statistics, and not a multiple of them.
        batchNormMatchesTheComposite(Tensor.rand(CPU, g, -2, 3, 37, 5, 13));
        Storage a = CPU.allocate(DType.F32, x.numel());
        Storage b = CPU.allocate(DType.F32, x.numel());
        CPU.dropout(strided, 0.4f, 77, 5, a);
        REF.dropout(strided, 0.4f, 77, 5, b);
        exact.check("dropout", read(a), read(b));
    }

    private static void batchNormMatchesTheComposite(Tensor x) {
        int c = x.shape()[1];
        float[] runMean = new float[c];
        float[] runVar = new float[c];
        float[] gammas = new float[c];
        float[] betas = new float[c];
        for (int ch = 0; ch < c; ch++) {
            runMean[ch] = 0.1f * (ch + 1) * (ch % 2 == 0 ? 1 : -1);
            runVar[ch] = 0.5f + 0.5f * ch;
            gammas[ch] = ch % 3 == 2 ? -0.4f : 1.2f - 0.5f * ch;
            betas[ch] = 0.1f * (ch + 1);
        }
        for (boolean training : new boolean[] {true, false}) {
            View v = x.view();
            Storage[] outs = new Storage[2];
            Storage[][] grads = new Storage[2][];
            Backend[] backends = {CPU, REF};
            for (int i = 0; i < 2; i++) {
                Storage rm = stored(Tensor.of(CPU, runMean, c));
                Storage rv = stored(Tensor.of(CPU, runVar, c));
                Storage gamma = stored(Tensor.of(CPU, gammas, c));
                Storage beta = stored(Tensor.of(CPU, betas, c));
                Storage mean = CPU.allocate(DType.F32, c);
                Storage inv = CPU.allocate(DType.F32, c);
                outs[i] = CPU.allocate(DType.F32, x.numel());
                backends[i].batchNorm(v, gamma, beta, rm, rv, training, 0.1f, 1e-5f, outs[i], mean, inv);
                Storage dy = stored(Tensor.rand(CPU, new Generator(3), -1, 1, x.shape()));
                grads[i] = new Storage[] {CPU.allocate(DType.F32, x.numel()), CPU.allocate(DType.F32, c),
                        CPU.allocate(DType.F32, c), rm, rv};
                backends[i].batchNormBackward(v, dy, gamma, mean, inv, training, grads[i][0], grads[i][1], grads[i][2]);
            }
            Tolerance tol = new Tolerance(1e-5, 1e-5);
            String shape = java.util.Arrays.toString(x.shape()) + (training ? " training" : " eval");
            tol.check("batchNorm out " + shape, read(outs[0]), read(outs[1]));
            String[] names = {"dx", "dgamma", "dbeta", "running mean", "running var"};
            for (int k = 0; k < 5; k++) {
                tol.check("batchNorm " + names[k] + " " + shape, read(grads[0][k]), read(grads[1][k]));
            }
        }
    }

    private static void rejects(String part, Executable e) {
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, e);
        assertTrue(ex.getMessage().contains(part), ex.getMessage());
    }

    @Test
    void misuseIsNamed() {
        Conv2d conv = new Conv2d(3, 8, 3, 1, 1);
        rejects("Conv2d(3, 8): expects input [N, 3, H, W], got [2, 4, 8, 8]", () -> conv.forward(Tensor.zeros(CPU, 2, 4, 8, 8)));
        rejects("Conv2d(3, 8): expects input [N, 3, H, W], got [3, 8, 8]", () -> conv.forward(Tensor.zeros(CPU, 3, 8, 8)));
        rejects("kernel 5x5 (dilation 1x1) is larger than the padded input 4x4",
                () -> new Conv2d(1, 1, 5, 1, 0).forward(Tensor.zeros(CPU, 1, 1, 4, 4)));
        rejects("MaxPool2d(2): expects input [N, C, H, W], got [4, 4]", () -> new MaxPool2d(2).forward(Tensor.zeros(CPU, 4, 4)));
        rejects("BatchNorm2d(3): expects input [N, 3, H, W], got [2, 3]", () -> BatchNorm.batchNorm2d(3).forward(Tensor.zeros(CPU, 2, 3)));
        rejects("BatchNorm1d(4): expects input [N, 4] or [N, 4, L], got [2, 3]", () -> BatchNorm.batchNorm1d(4).forward(Tensor.zeros(CPU, 2, 3)));
        rejects("more than one value per channel", () -> BatchNorm.batchNorm1d(3).forward(Tensor.zeros(CPU, 1, 3)));
        rejects("Linear(4, 2): expects input [..., 4] of rank >= 2, got [3, 5]", () -> new Linear(4, 2).forward(Tensor.zeros(CPU, 3, 5)));
        rejects("Linear(4, 2): expects input [..., 4] of rank >= 2, got [4]", () -> new Linear(4, 2).forward(Tensor.zeros(CPU, 4)));
        rejects("Dropout: p must be in [0, 1), got 1.0", () -> new Dropout(1f));
        rejects("Dropout: p must be in [0, 1), got -0.1", () -> new Dropout(-0.1f));
        // The functional form checks too, in evaluation as well: at p = 1 it wrote x·(1/0)·0, NaN, everywhere.
        Tensor ones = Tensor.full(CPU, 1f, 8);
        rejects("dropout: p must be in [0, 1), got 1.0", () -> Functional.dropout(ones, 1f, true, new Generator(1)));
        rejects("dropout: p must be in [0, 1), got NaN", () -> Functional.dropout(ones, Float.NaN, false, new Generator(1)));
        rejects("LeakyReLU: negative slope must be finite, got NaN", () -> Activation.leakyRelu(Float.NaN));
        rejects("ELU: alpha must be >= 0", () -> Activation.elu(-1f));
        rejects("groups 3 must divide both channel counts", () -> new Conv2d(4, 6, 3, 1, 1, 1, 3, true, Init.Scheme.HE_NORMAL, CPU, new Generator(1)));
        rejects("stride and dilation must be positive", () -> new Conv2d(1, 1, 3, 0, 1));
        rejects("padding at most half the kernel", () -> new MaxPool2d(2, 2, 2, 1));
        rejects("PReLU(3): expects input with 3 channels", () -> new dev.stride.nn.PReLU(3, 0.25f).forward(Tensor.zeros(CPU, 2, 4)));
    }

    @Test
    void initializersHaveTheirStatedSpread() {
        Generator g = new Generator(4);
        int[] shape = {256, 128, 3, 3};
        double fanIn = 128 * 9;
        double fanOut = 256 * 9;
        assertEquals(Math.sqrt(2 / fanIn), std(Init.kaimingNormal(CPU, g, 0, shape)), 0.02 * Math.sqrt(2 / fanIn));
        assertEquals(Math.sqrt(2 / fanOut), std(Init.kaimingNormal(CPU, g, 0, Init.FanMode.FAN_OUT, shape)), 0.02 * Math.sqrt(2 / fanOut));
        assertEquals(Math.sqrt(2 / (fanIn + fanOut)), std(Init.xavierNormal(CPU, g, 1, shape)), 0.02 * Math.sqrt(2 / (fanIn + fanOut)));
        assertEquals(Math.sqrt(1 / fanIn), std(Init.Scheme.LECUN_NORMAL.create(CPU, g, shape)), 0.02 * Math.sqrt(1 / fanIn));
        float[] u = Init.Scheme.XAVIER_UNIFORM.create(CPU, g, shape).toFloatArray();
        double bound = Math.sqrt(6 / (fanIn + fanOut));
        for (float v : u) assertTrue(Math.abs(v) <= bound);
        assertEquals(bound / Math.sqrt(3), std(Tensor.of(CPU, u, u.length)), 0.02 * bound);
        assertArrayEquals(new float[] {0.5f, 0.5f}, Init.constant(CPU, 0.5f, 2).toFloatArray());
        assertEquals(Math.sqrt(2 / (1 + 0.01)), Init.leakyReluGain(0.1), 1e-12);
    }

    private static double std(Tensor t) {
        float[] v = t.toFloatArray();
        double s = 0;
        double sq = 0;
        for (float x : v) {
            s += x;
            sq += (double) x * x;
        }
        double m = s / v.length;
        return Math.sqrt(sq / v.length - m * m);
    }

    @Test
    void avgPoolAndMaxPoolKnownValues() {
        Tensor x = Tensor.of(CPU, new float[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}, 1, 1, 4, 4);
        assertArrayEquals(new float[] {6, 8, 14, 16}, Functional.maxPool2d(x, 2, 2, 0, 1).toFloatArray());
        assertArrayEquals(new float[] {3.5f, 5.5f, 11.5f, 13.5f}, Functional.avgPool2d(x, 2, 2, 0).toFloatArray());
        // Padding 1, stride 2, kernel 3: the corner window sees 1, 2, 5, 6 and five zeros of padding.
        assertEquals(14f / 9, Functional.avgPool2d(x, 3, 2, 1).toFloatArray()[0], 1e-6);
        assertEquals(6f, Functional.maxPool2d(x, 3, 2, 1, 1).toFloatArray()[0]);
    }
}
