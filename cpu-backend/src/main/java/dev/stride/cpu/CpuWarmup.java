package dev.stride.cpu;

import dev.stride.backend.Backend;
import dev.stride.backend.BinaryOp;
import dev.stride.backend.Distribution;
import dev.stride.backend.Gemm;
import dev.stride.backend.ReduceOp;
import dev.stride.backend.Storage;
import dev.stride.backend.UnaryOp;
import dev.stride.backend.Update;
import dev.stride.backend.View;
import dev.stride.backend.Window;
import dev.stride.tensor.DType;
import java.util.List;

/**
 * Runs the hot kernels on tiny inputs in a background thread, so that C2 has compiled them before the first
 * training step needs them. Vector API code is fast only once C2 compiles it; before that each vector operation
 * is an object, and the first CNN step took 1.6–2.1 s against 50 ms for a later one (its conv and batch-norm
 * kernels ran thousands of times in the slow tiers on full-size data). Tiny inputs reach the compile thresholds
 * with a fraction of that work, on the core that is idle while the data loads. The thread uses its own storages
 * and no random generator or shared state, so what a run computes is unchanged; its results are discarded.
 * The trainer waits for it ({@link CpuBackend#ready()}) before its first step: on two cores, warm-up and steps
 * competing slowed both (a 5-epoch CNN run: 2,350–2,530 samples/s and 18.5–19.9 s wall, against 2,560–2,690 and
 * 17.6–18.5 s waiting, the wait counted in the epoch). {@code -Dstride.cpu.warmup=false} turns it off;
 * {@code =sync} runs it to the end before the backend is returned, for benchmarks: without it, after a GEMM
 * benchmark C2 compiled the softmax kernel without its Vector API store intrinsics, at a third of the speed it has
 * in a run with the warm-up (why the JIT's history matters was not found).
 */
final class CpuWarmup {
    private CpuWarmup() {}

    private static final String MODE = System.getProperty("stride.cpu.warmup", "true");
    /**
     * Enough rounds for C2 to have compiled the kernels, not just queued them: at 400, rounds still took 0.8–1.0 ms
     * against 0.3–0.45 from round 700 on (the tiers' compiles land in steps, C2 behind its queue on two busy cores),
     * and the first CNN step then ran batch norm in C1 code, 160 ms against 6. A 5-epoch run with 700 against 400
     * (alternating): CNN 14.4–15.1 s against 14.9–15.9 s of training, MLP 3.2–3.7 against 3.5–4.1; 1000 gained nothing.
     */
    private static final int ROUNDS = 700;
    /** 2×2 pooling of the CNN's 28- and 14-wide rows, in a few rows each ({@link #run}). */
    static final Window[] POOLS = {
        new Window(1, 4, 8, 28, 2, 2, 2, 2, 0, 0, 1, 1), new Window(1, 4, 8, 14, 2, 2, 2, 2, 0, 0, 1, 1)};
    private static boolean started;
    /** Whether rounds include convolution, pooling, batch norm and dropout ({@link CpuBackend#expect}). */
    static volatile boolean spatial = true;
    /** The background warm-up; tests put a stand-in here. */
    static Thread thread;

    /** Starts the warm-up once per JVM, when the Vector API kernels are the ones that run. */
    static synchronized void start() {
        if (started || MODE.equals("false") || !CpuGemm.VECTOR) return;
        started = true;
        if (MODE.equals("sync")) {
            run(new CpuBackend(), ROUNDS);
            return;
        }
        Thread t = new Thread(() -> run(new CpuBackend(), ROUNDS), "stride-cpu-warmup");
        t.setDaemon(true);
        t.setPriority(Thread.MIN_PRIORITY);
        t.start();
        thread = t;
    }

    /** Waits for the background warm-up, if one runs. */
    static void await() {
        Thread t;
        synchronized (CpuWarmup.class) {
            t = thread;
        }
        if (t == null) return;
        try {
            t.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static Storage filled(Backend be, long n, float lo, float hi) {
        Storage s = be.allocate(DType.F32, n);
        float[] v = new float[(int) n];
        for (int i = 0; i < v.length; i++) v[i] = lo + (hi - lo) * ((i * 37) % 101) / 100f;
        be.write(s, 0, v, 0, v.length);
        return s;
    }

    /** Every op a conv net or an MLP step uses, {@code rounds} times, on shapes that take the same branches. */
    static void run(Backend be, int rounds) {
        int n = 2;
        int c = 4;
        int cout = 8;
        // 6×5 images, as the CNN's second layer: the forward unfolds (its product would gain more padding columns
        // than the unfold costs) and the input gradient reads its padded image in place (CpuConv.implicitPays).
        int hh = 6;
        int ww = 5;
        int plane = hh * ww;
        Window g = new Window(n, c, hh, ww, 3, 3, 1, 1, 1, 1, 1, 1);
        Window pool = new Window(n, cout, hh, ww, 2, 2, 2, 2, 0, 0, 1, 1);
        long in = (long) n * c * plane;
        long act = (long) n * cout * plane;
        long pooled = (long) n * cout * pool.positions();
        int rows = 16;
        int hidden = 40;
        int classes = 10;
        Storage x = filled(be, in, -1, 1);
        Storage w = filled(be, (long) cout * g.patch(), -0.5f, 0.5f);
        Storage y = be.allocate(DType.F32, act);
        Storage dy = filled(be, act, -1, 1);
        Storage dx = be.allocate(DType.F32, in);
        Storage dw = be.allocate(DType.F32, (long) cout * g.patch());
        Storage gamma = filled(be, cout, 0.5f, 1.5f);
        Storage beta = filled(be, cout, -0.5f, 0.5f);
        Storage mean = be.allocate(DType.F32, cout);
        Storage var = filled(be, cout, 1, 1);
        Storage saveMean = be.allocate(DType.F32, cout);
        Storage saveInv = be.allocate(DType.F32, cout);
        Storage norm = be.allocate(DType.F32, act);
        Storage dgamma = be.allocate(DType.F32, cout);
        Storage dbeta = be.allocate(DType.F32, cout);
        Storage relu = be.allocate(DType.F32, act);
        Storage mask = be.allocate(DType.F32, act);
        Storage out = be.allocate(DType.F32, pooled);
        Storage idx = be.allocate(DType.I32, pooled);
        Storage back = be.allocate(DType.F32, act);
        Storage dropped = be.allocate(DType.F32, pooled);
        Storage exp = be.allocate(DType.F32, (long) rows * classes);
        Storage a = filled(be, (long) rows * hidden, -1, 1);
        Storage wl = filled(be, (long) classes * hidden, -0.3f, 0.3f);
        Storage logits = be.allocate(DType.F32, (long) rows * classes);
        Storage labels = be.allocate(DType.I32, rows);
        Storage loss = be.allocate(DType.F32, rows);
        Storage probs = be.allocate(DType.F32, (long) rows * classes);
        Storage ones = filled(be, rows, 1, 1);
        Storage dlogits = be.allocate(DType.F32, (long) rows * classes);
        Storage dwl = be.allocate(DType.F32, (long) classes * hidden);
        Storage da = be.allocate(DType.F32, (long) rows * hidden);
        Storage bias = be.allocate(DType.F32, classes);
        Storage biased = be.allocate(DType.F32, (long) rows * classes);
        Storage biasStep = be.allocate(DType.F32, classes);
        // A hidden layer's bias add (broadcast over rows) and ReLU backward: the first MLP step spent 10-16 ms in
        // each when only same-shape ops had run here.
        Storage hb = filled(be, hidden, -0.1f, 0.1f);
        Storage h = be.allocate(DType.F32, (long) rows * hidden);
        Storage dh = be.allocate(DType.F32, (long) rows * hidden);
        View hv = View.contiguous(h, rows, hidden);
        View hbv = new View(hb, 0, new int[] {rows, hidden}, new long[] {0, 1});
        // The trainer's accuracy count: argmax over classes, to float, compared with the labels, summed.
        Storage picked = be.allocate(DType.I32, rows);
        Storage pickedF = be.allocate(DType.F32, rows);
        Storage labelsF = be.allocate(DType.F32, rows);
        Storage hits = be.allocate(DType.F32, rows);
        Storage count = be.allocate(DType.F32, 1);
        // The trainer's evaluation after each epoch, top-5 and the summed loss: first seen there, their branches
        // deoptimized the elementwise and reduction kernels at the start of epoch 2, which then ran slow until
        // C2 had compiled them again.
        Storage target = be.allocate(DType.F32, rows);
        Storage above = be.allocate(DType.F32, (long) rows * classes);
        Storage perRow = be.allocate(DType.F32, rows);
        Storage inTop = be.allocate(DType.F32, rows);
        Storage scaled = be.allocate(DType.F32, 1);
        // The trainer's update monitor, which runs on the first step: a parameter's copy, the difference after the
        // step, squares, whole-tensor sums and their total (step 1 of an MLP run spent 30-40 ms in these cold).
        Storage snap = be.allocate(DType.F32, (long) classes * hidden);
        Storage diff = be.allocate(DType.F32, (long) classes * hidden);
        Storage total = be.allocate(DType.F32, 1);
        Storage part = be.allocate(DType.F32, 1);
        Storage m1 = be.allocate(DType.F32, (long) classes * hidden);
        Storage m2 = be.allocate(DType.F32, (long) classes * hidden);
        // A single-channel layer whose positions fill whole vectors (64), and a GEMM taller than a row block and deeper
        // than a k block: branches the shapes above never take, which a training run's first steps did, each costing
        // a deoptimization and a recompile of a big kernel.
        Window g1 = new Window(n, 1, 8, 8, 3, 3, 1, 1, 1, 1, 1, 1);
        Storage x1 = filled(be, (long) n * 64, -1, 1);
        Storage w1 = filled(be, (long) cout * g1.patch(), -0.5f, 0.5f);
        Storage y1 = be.allocate(DType.F32, (long) n * cout * 64);
        Storage dw1 = be.allocate(DType.F32, (long) cout * g1.patch());
        // Sixteen input channels: a weight gradient with K = 144 runs as a GEMM, not as dot products. Its 20 positions
        // are no whole number of 8-float steps, as the CNN's 196 are not: over 16, the transposed packing's tail loop,
        // first entered in epoch 1, deoptimized it there.
        Window g16 = new Window(n, 16, 4, 5, 3, 3, 1, 1, 1, 1, 1, 1);
        Storage x16 = filled(be, (long) n * 16 * 20, -1, 1);
        Storage dy16 = filled(be, (long) n * cout * 20, -1, 1);
        Storage dw16 = be.allocate(DType.F32, (long) cout * g16.patch());
        // Each of two threads' halves stays taller than a row block.
        int tall = 2 * VectorGemm.MC + VectorGemm.MR;
        int deep = VectorGemm.KC + 8;
        int thin = 30;
        Storage ta = filled(be, (long) tall * deep, -1, 1);
        Storage tb = filled(be, (long) deep * thin, -1, 1);
        Storage tc = be.allocate(DType.F32, (long) tall * thin);
        // The CNN's own row widths, in a few rows: 2×2 pooling of 28- and 14-wide rows (vector windows, and a row of
        // 7 that spills into the next), dropout over whole blocks of Philox counters, and batch norm over 16 samples
        // (its blocks of statistics) with rows past two vectors. At the toy shapes above these loops ran a few lanes
        // or none, and the first CNN step spent 0.6-0.8 s in max pooling and 0.1-0.3 s in each of the others, cold.
        Storage poolIn = filled(be, 4 * 8 * 28, -1, 1);
        Storage poolOut = be.allocate(DType.F32, 4 * 4 * 14);
        Storage poolIdx = be.allocate(DType.I32, 4 * 4 * 14);
        Storage poolBack = be.allocate(DType.F32, 4 * 8 * 28);
        int dropN = 4096;
        Storage dropIn = filled(be, dropN, -1, 1);
        Storage dropOut = be.allocate(DType.F32, dropN);
        View bnv = View.contiguous(filled(be, 16 * 4 * 20, -2, 2), 16, 4, 20);
        Storage bnDy = filled(be, 16 * 4 * 20, -1, 1);
        Storage bnOut = be.allocate(DType.F32, 16 * 4 * 20);
        Storage bnDx = be.allocate(DType.F32, 16 * 4 * 20);
        Storage g4 = filled(be, 4, 0.5f, 1.5f);
        Storage b4 = filled(be, 4, -0.5f, 0.5f);
        Storage rm4 = be.allocate(DType.F32, 4);
        Storage rv4 = filled(be, 4, 1, 1);
        Storage sm4 = be.allocate(DType.F32, 4);
        Storage si4 = be.allocate(DType.F32, 4);
        Storage dg4 = be.allocate(DType.F32, 4);
        Storage db4 = be.allocate(DType.F32, 4);
        View xv = View.contiguous(x, n, c, hh, ww);
        View nv = View.contiguous(norm, n, cout, plane);
        for (int r = 0; r < rounds; r++) {
            boolean images = spatial;
            if (images) {
                // Conv nets' BatchNorm-ReLU pairs run fused (Sequential); plain batchNorm shares CpuNorm's code.
                be.conv2d(xv, w, g, cout, y);
                be.batchNormRelu(View.contiguous(y, n, cout, plane), gamma, beta, mean, var, true, 0.1f, 1e-5f, relu, saveMean, saveInv);
            } else {
                be.unary(UnaryOp.RELU, nv, relu);
            }
            if (images) {
                be.maxPool2d(View.contiguous(relu, n, cout, hh, ww), pool, out, idx);
                be.dropout(View.contiguous(out, (int) pooled), 0.25f, 7, r, dropped);
            }
            be.gemm(new Gemm(1, rows, classes, hidden, 1f, a, 0, hidden, 0, false, wl, 0, hidden, 0, true, 0f, logits, 0, classes, 0));
            be.softmaxCrossEntropy(View.contiguous(logits, rows, classes), labels, loss, probs);
            be.softmaxCrossEntropyBackward(probs, labels, ones, dlogits, rows, classes);
            be.gemm(new Gemm(1, classes, hidden, rows, 1f, dlogits, 0, classes, 0, true, a, 0, hidden, 0, false, 0f, dwl, 0, hidden, 0));
            be.gemm(new Gemm(1, rows, hidden, classes, 1f, dlogits, 0, classes, 0, false, wl, 0, hidden, 0, false, 0f, da, 0, hidden, 0));
            be.reduce(ReduceOp.SUM, View.contiguous(dlogits, rows, classes), new int[] {0}, bias);
            // Rows of 10, no whole number of vectors: the output layer's bias add and the update monitor's difference
            // and square take the row kernels' tail loops, which, never entered here, deoptimized them in epoch 1.
            be.binary(BinaryOp.ADD, View.contiguous(logits, rows, classes),
                    new View(bias, 0, new int[] {rows, classes}, new long[] {0, 1}), biased);
            be.binary(BinaryOp.SUB, View.contiguous(bias, classes), View.contiguous(hb, classes), biasStep);
            be.unary(UnaryOp.SQUARE, View.contiguous(biasStep, classes), biasStep);
            // Copies that are no array copy: autograd makes a repeated gradient dense, and the update monitor writes
            // one value into a stride-0 slot.
            be.copy(new View(count, 0, new int[] {rows}, new long[] {0}), View.contiguous(inTop, rows));
            be.copy(new View(count, 0, new int[] {1}, new long[] {0}), new View(scaled, 0, new int[] {1}, new long[] {0}));
            be.binary(BinaryOp.ADD, View.contiguous(a, rows, hidden), hbv, h);
            be.unary(UnaryOp.RELU, hv, h);
            be.reluBackward(View.contiguous(da, rows, hidden), hv, dh);
            be.reduce(ReduceOp.SUM, View.contiguous(dh, rows, hidden), new int[] {0}, hb);
            be.reduce(ReduceOp.ARGMAX, View.contiguous(logits, rows, classes), new int[] {1}, picked);
            be.copy(View.contiguous(picked, rows), View.contiguous(pickedF, rows));
            be.copy(View.contiguous(labels, rows), View.contiguous(labelsF, rows));
            be.binary(BinaryOp.EQ, View.contiguous(pickedF, rows), View.contiguous(labelsF, rows), hits);
            be.reduce(ReduceOp.SUM, View.contiguous(hits, rows), new int[] {0}, count);
            be.gather(logits, labels, target, rows, classes);
            be.binary(BinaryOp.GT, View.contiguous(logits, rows, classes),
                    new View(target, 0, new int[] {rows, classes}, new long[] {1, 0}), above);
            be.reduce(ReduceOp.SUM, View.contiguous(above, rows, classes), new int[] {1}, perRow);
            be.binary(BinaryOp.LT, View.contiguous(perRow, rows), 5f, inTop);
            be.binary(BinaryOp.MUL, View.contiguous(count, 1), 16f, scaled);
            // The loss's mean: a division the rounds had not taken deoptimized the elementwise kernels at step 1.
            be.binary(BinaryOp.DIV, View.contiguous(count, 1), 16f, scaled);
            if (images) be.maxPool2dBackward(out, idx, pool, back);
            be.binary(BinaryOp.MUL, View.contiguous(back, (int) act), View.contiguous(relu, (int) act), mask);
            if (images) {
                be.batchNormReluBackward(View.contiguous(y, n, cout, plane), relu, dy, gamma, beta, saveMean, saveInv, true, norm,
                        dgamma, dbeta);
                be.conv2dBackwardData(norm, w, g, cout, dx);
                be.conv2dBackwardWeight(xv, norm, g, cout, dw);
            }
            View wlv = View.contiguous(wl, classes, hidden);
            be.copy(wlv, View.contiguous(snap, classes, hidden));
            be.optimizerStep(new Update.Adam(1e-3f, 0.9f, 0.999f, 1e-8f, 0, false, false, 0.1, 0.001),
                    List.of(wl), List.of(dwl), List.<Storage[]>of(new Storage[] {m1, m2}));
            be.binary(BinaryOp.SUB, wlv, View.contiguous(snap, classes, hidden), diff);
            be.unary(UnaryOp.SQUARE, View.contiguous(diff, classes, hidden), diff);
            be.reduce(ReduceOp.SUM, View.contiguous(diff, classes, hidden), new int[] {0, 1}, part);
            be.reduce(ReduceOp.SUM, View.contiguous(hb, hidden), new int[] {0}, total);
            be.binary(BinaryOp.ADD, View.contiguous(total, 1), View.contiguous(part, 1), total);
            be.unary(UnaryOp.EXP, View.contiguous(probs, rows * classes), exp);
            be.random(Distribution.UNIFORM, 3, r, 0, 1, mask, act);
            if (images) {
                be.batchNormRelu(View.contiguous(y, n, cout, plane), gamma, beta, mean, var, false, 0.1f, 1e-5f, norm, saveMean, saveInv);
                // Plain batch norm takes the kernels' other branch (no ReLU step): unprofiled, its first use
                // deoptimized them and ran 40-110 ms steps until C2 compiled them again.
                View yv = View.contiguous(y, n, cout, plane);
                be.batchNorm(yv, gamma, beta, mean, var, true, 0.1f, 1e-5f, norm, saveMean, saveInv);
                be.batchNormBackward(yv, dy, gamma, saveMean, saveInv, true, norm, dgamma, dbeta);
                View x1v = View.contiguous(x1, n, 1, 8, 8);
                be.conv2d(x1v, w1, g1, cout, y1);
                be.conv2dBackwardWeight(x1v, y1, g1, cout, dw1);
                be.conv2dBackwardWeight(View.contiguous(x16, n, 16, 4, 5), dy16, g16, cout, dw16);
                for (Window pw : POOLS) {
                    be.maxPool2d(View.contiguous(poolIn, 1, 4, 8, pw.w()), pw, poolOut, poolIdx);
                    be.maxPool2dBackward(poolOut, poolIdx, pw, poolBack);
                }
                be.dropout(View.contiguous(dropIn, dropN), 0.25f, 7, r, dropOut);
                be.dropout(View.contiguous(dropIn, dropN), 0.25f, 7, r, dropOut);
                be.batchNormRelu(bnv, g4, b4, rm4, rv4, true, 0.1f, 1e-5f, bnOut, sm4, si4);
                be.batchNormReluBackward(bnv, bnOut, bnDy, g4, b4, sm4, si4, true, bnDx, dg4, db4);
                be.batchNorm(bnv, g4, b4, rm4, rv4, true, 0.1f, 1e-5f, bnOut, sm4, si4);
                be.batchNormBackward(bnv, bnDy, g4, sm4, si4, true, bnDx, dg4, db4);
            }
            if (r % 8 == 0) {
                be.gemm(new Gemm(1, tall, thin, deep, 1f, ta, 0, deep, 0, false, tb, 0, thin, 0, false, 0f, tc, 0, thin, 0));
            }
        }
    }
}
