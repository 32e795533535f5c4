package dev.stride.backend;

import dev.stride.autograd.NoGrad;
import dev.stride.tensor.DType;
import dev.stride.tensor.MemoryScope;
import dev.stride.tensor.Tensor;

/**
 * The composite definitions of the fused window and normalization ops, built only from primitives:
 * the reference a new backend starts from and that the overrides are tested against.
 */
final class Composites {
    private Composites() {}

    private static View image(Storage s, long offset, Window g, int h, int w) {
        long plane = (long) h * w;
        return new View(s, offset, new int[] {g.n(), g.c(), g.h(), g.w()}, new long[] {g.c() * plane, plane, w, 1});
    }

    /** The input as a zero- (or padValue-) padded copy, and its 6-D window view. */
    static void im2col(Backend b, View x, Window g, float padValue, Storage cols) {
        int hp = g.paddedH();
        int wp = g.paddedW();
        long plane = (long) hp * wp;
        try (Storage padded = b.allocate(DType.F32, g.n() * g.c() * plane)) {
            if (padValue != 0) b.fill(padded, 0, padded.numel(), padValue);
            b.copy(x, image(padded, (long) g.ph() * wp + g.pw(), g, hp, wp));
            int[] shape = {g.n(), g.c(), g.kh(), g.kw(), g.outH(), g.outW()};
            long[] strides = {g.c() * plane, plane, (long) g.dh() * wp, g.dw(), (long) g.sh() * wp, g.sw()};
            b.copy(new View(padded, 0, shape, strides), View.contiguous(cols, shape));
        }
    }

    static void col2im(Backend b, Storage cols, Window g, Storage dx) {
        int[] shape = {g.n(), g.c(), g.outH(), g.outW()};
        try (Storage padded = b.allocate(DType.F32, (long) g.n() * g.c() * g.paddedH() * g.paddedW());
             Storage sum = b.allocate(DType.F32, (long) g.n() * g.c() * g.positions())) {
            col2im(b, cols, g, dx, padded, sum, shape);
        }
    }

    private static void col2im(Backend b, Storage cols, Window g, Storage dx, Storage padded, Storage sum, int[] shape) {
        int wp = g.paddedW();
        long plane = (long) g.paddedH() * wp;
        int ow = g.outW();
        long l = (long) g.outH() * ow;
        for (int i = 0; i < g.kh(); i++) {
            for (int j = 0; j < g.kw(); j++) {
                View dst = new View(padded, (long) i * g.dh() * wp + (long) j * g.dw(), shape,
                        new long[] {g.c() * plane, plane, (long) g.sh() * wp, g.sw()});
                View src = new View(cols, (i * g.kw() + j) * l, shape,
                        new long[] {(long) g.patch() * l, (long) g.kh() * g.kw() * l, ow, 1});
                b.binary(BinaryOp.ADD, dst, src, sum);
                b.copy(View.contiguous(sum, shape), dst);
            }
        }
        b.copy(image(padded, (long) g.ph() * wp + g.pw(), g, g.paddedH(), wp), View.contiguous(dx, g.n(), g.c(), g.h(), g.w()));
    }

    /** im2col, then one GEMM per image: {@code y[n] = w · cols[n]}. */
    static void conv2d(Backend b, View x, Storage w, Window g, int cout, Storage y) {
        int k = g.patch();
        int p = g.positions();
        try (Storage cols = b.allocate(DType.F32, (long) g.n() * k * p)) {
            b.im2col(x, g, 0f, cols);
            b.gemm(new Gemm(g.n(), cout, p, k, 1f, w, 0, k, 0, false, cols, 0, p, (long) k * p, false,
                    0f, y, 0, p, (long) cout * p));
        }
    }

    /** {@code cols[n] = wᵀ · dy[n]}, folded back by col2im. */
    static void conv2dBackwardData(Backend b, Storage dy, Storage w, Window g, int cout, Storage dx) {
        int k = g.patch();
        int p = g.positions();
        try (Storage cols = b.allocate(DType.F32, (long) g.n() * k * p)) {
            b.gemm(new Gemm(g.n(), k, p, cout, 1f, w, 0, k, 0, true, dy, 0, p, (long) cout * p, false,
                    0f, cols, 0, p, (long) k * p));
            b.col2im(cols, g, dx);
        }
    }

    /** {@code dw = Σₙ dy[n] · cols[n]ᵀ}: one product per image, then a sum over images. */
    static void conv2dBackwardWeight(Backend b, View x, Storage dy, Window g, int cout, Storage dw) {
        int k = g.patch();
        int p = g.positions();
        try (Storage cols = b.allocate(DType.F32, (long) g.n() * k * p);
             Storage each = b.allocate(DType.F32, (long) g.n() * cout * k)) {
            b.im2col(x, g, 0f, cols);
            b.gemm(new Gemm(g.n(), cout, k, p, 1f, dy, 0, p, (long) cout * p, false, cols, 0, p, (long) k * p, true,
                    0f, each, 0, k, (long) cout * k));
            b.reduce(ReduceOp.SUM, View.contiguous(each, g.n(), cout * k), new int[] {0}, dw);
        }
    }

    /** Windows as rows {@code [N·C·outH·outW, kh·kw]}: im2col with -inf padding, then a transpose. */
    private static Tensor windows(Backend b, View x, Window g) {
        Storage cols = b.allocate(DType.F32, (long) g.n() * g.patch() * g.positions());
        b.im2col(x, g, Float.NEGATIVE_INFINITY, cols);
        int k = g.kh() * g.kw();
        return Tensor.adopt(cols, DType.F32, g.n(), g.c(), k, g.positions()).transpose(2, 3).contiguous()
                .reshape(g.n() * g.c() * g.positions(), k);
    }

    static void maxPool2d(Backend b, View x, Window g, Storage out, Storage indices) {
        try (NoGrad ignored = NoGrad.enter(); MemoryScope scope = MemoryScope.open()) {
            Tensor rows = windows(b, x, g);
            rows.max(1, false).copyTo(out);
            rows.argmax(1, false).copyTo(indices);
        }
    }

    static void maxPool2dBackward(Backend b, Storage dy, Storage indices, Window g, Storage dx) {
        try (NoGrad ignored = NoGrad.enter(); MemoryScope scope = MemoryScope.open()) {
            int k = g.kh() * g.kw();
            int rows = g.n() * g.c() * g.positions();
            Storage routed = b.allocate(DType.F32, (long) rows * k);
            b.scatterAdd(dy, indices, routed, rows, k);
            Tensor cols = Tensor.adopt(routed, DType.F32, g.n(), g.c(), g.positions(), k).transpose(2, 3).contiguous();
            b.col2im(cols.storage(), g, dx);
        }
    }

    private static Tensor perChannel(Storage s, int c) {
        return Tensor.wrap(s, DType.F32, 1, c, 1);
    }

    static void batchNorm(Backend b, View x, Storage gamma, Storage beta, Storage runningMean, Storage runningVar,
                          boolean training, float momentum, float eps, Storage out, Storage saveMean, Storage saveInvStd) {
        try (NoGrad ignored = NoGrad.enter(); MemoryScope scope = MemoryScope.open()) {
            Tensor t = Tensor.fromView(x);
            int c = x.shape()[1];
            long m = (long) x.shape()[0] * x.shape()[2];
            Tensor mean;
            Tensor invStd;
            if (training) {
                // About a shift (each channel's first element): values at 4096 ± 0.01 keep their variance in float.
                Tensor shift = t.slice(0, 0, 1).slice(2, 0, 1);
                Tensor d = t.sub(shift);
                Tensor dMean = d.mean(new int[] {0, 2}, true);
                mean = shift.add(dMean);
                Tensor var = d.sub(dMean).square().mean(new int[] {0, 2}, true);
                invStd = var.add(eps).sqrt().reciprocal();
                Tensor rm = perChannel(runningMean, c);
                Tensor rv = perChannel(runningVar, c);
                rm.mul(1 - momentum).add(mean.mul(momentum)).copyTo(runningMean);
                rv.mul(1 - momentum).add(var.mul(momentum * (float) m / Math.max(m - 1, 1))).copyTo(runningVar);
            } else {
                mean = perChannel(runningMean, c).mul(1f);
                invStd = perChannel(runningVar, c).add(eps).sqrt().reciprocal();
            }
            mean.copyTo(saveMean);
            invStd.copyTo(saveInvStd);
            t.sub(mean).mul(invStd).mul(perChannel(gamma, c)).add(perChannel(beta, c)).copyTo(out);
        }
    }

    static void batchNormBackward(Backend b, View x, Storage dy, Storage gamma, Storage saveMean, Storage saveInvStd,
                                  boolean training, Storage dx, Storage dgamma, Storage dbeta) {
        try (NoGrad ignored = NoGrad.enter(); MemoryScope scope = MemoryScope.open()) {
            int c = x.shape()[1];
            int[] axes = {0, 2};
            Tensor g = Tensor.wrap(dy, DType.F32, x.shape());
            Tensor invStd = perChannel(saveInvStd, c);
            Tensor xhat = Tensor.fromView(x).sub(perChannel(saveMean, c)).mul(invStd);
            g.sum(axes, false).copyTo(dbeta);
            g.mul(xhat).sum(axes, false).copyTo(dgamma);
            Tensor scale = perChannel(gamma, c).mul(invStd);
            Tensor d = training ? g.sub(g.mean(axes, true)).sub(xhat.mul(g.mul(xhat).mean(axes, true))) : g;
            d.mul(scale).copyTo(dx);
        }
    }
}
