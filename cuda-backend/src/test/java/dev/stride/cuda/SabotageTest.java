package dev.stride.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import dev.stride.testing.Parity;
import dev.stride.testing.ParityCatalog;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The harness catches the bugs other libraries shipped: a pooling index shifted by one, a dropout mask drawn at the
 * wrong Philox offset, Adam without its bias correction. Each is planted in a backend that otherwise forwards to the
 * emulated CUDA backend, and each must fail its case with a report naming the output, the index and both values.
 */
class SabotageTest {
    static final CudaBackend CUDA = ParityTest.CUDA;

    /** Forwards every SPI call to the CUDA backend; a test overrides the one it breaks. */
    static class Forwarding implements Backend {
        @Override public String name() { return "sabotaged"; }
        @Override public Storage allocate(DType t, long n) { return CUDA.allocate(t, n); }
        @Override public void write(Storage d, long o, float[] s, int so, int n) { CUDA.write(d, o, s, so, n); }
        @Override public void write(Storage d, long o, int[] s, int so, int n) { CUDA.write(d, o, s, so, n); }
        @Override public void read(Storage s, long o, float[] d, int dO, int n) { CUDA.read(s, o, d, dO, n); }
        @Override public void read(Storage s, long o, int[] d, int dO, int n) { CUDA.read(s, o, d, dO, n); }
        @Override public void fill(Storage d, long o, long n, float v) { CUDA.fill(d, o, n, v); }
        @Override public void copy(View s, View d) { CUDA.copy(s, d); }
        @Override public void unary(UnaryOp op, View x, Storage o) { CUDA.unary(op, x, o); }
        @Override public void binary(BinaryOp op, View a, View b, Storage o) { CUDA.binary(op, a, b, o); }
        @Override public void binary(BinaryOp op, View a, float b, Storage o) { CUDA.binary(op, a, b, o); }
        @Override public void reduce(ReduceOp op, View x, int[] axes, Storage o) { CUDA.reduce(op, x, axes, o); }
        @Override public void gemm(Gemm g) { CUDA.gemm(g); }
        @Override public void gather(Storage x, Storage i, Storage o, int r, int c) { CUDA.gather(x, i, o, r, c); }
        @Override public void scatterAdd(Storage s, Storage i, Storage o, int r, int c) { CUDA.scatterAdd(s, i, o, r, c); }
        @Override public void random(Distribution d, long s, long o, float a, float b, Storage out, long n) { CUDA.random(d, s, o, a, b, out, n); }
        @Override public void maxPool2d(View x, Window g, Storage o, Storage i) { CUDA.maxPool2d(x, g, o, i); }
        @Override public void dropout(View x, float p, long s, long o, Storage out) { CUDA.dropout(x, p, s, o, out); }
        @Override public void optimizerStep(Update r, List<Storage> p, List<Storage> g, List<Storage[]> s) { CUDA.optimizerStep(r, p, g, s); }
    }

    static Parity.Result only(Backend sabotaged, String filter) {
        List<Parity.Result> results = Parity.run(ParityCatalog.all(), ParityTest.CPU, sabotaged, filter);
        List<Parity.Result> failed = results.stream().filter(r -> !r.pass()).toList();
        assertTrue(!failed.isEmpty(), "the planted bug went unnoticed by " + results.size() + " cases matching '" + filter + "'");
        return failed.get(0);
    }

    @Test
    void aPoolingIndexShiftedByOneIsCaught() {
        Backend shifted = new Forwarding() {
            @Override
            public void maxPool2d(View x, Window g, Storage out, Storage indices) {
                super.maxPool2d(x, g, out, indices);
                int n = (int) indices.numel();
                int[] idx = new int[n];
                CUDA.read(indices, 0, idx, 0, n);
                for (int i = 0; i < n; i++) idx[i] = Math.min(idx[i] + 1, g.kh() * g.kw() - 1);
                CUDA.write(indices, 0, idx, 0, n);
            }
        };
        Parity.Result r = only(shifted, "maxPool2d");
        assertTrue(r.worst().startsWith("indices[") && r.worst().contains("cpu ") && r.worst().contains("sabotaged "), r.worst());
    }

    @Test
    void aDropoutMaskAtTheWrongOffsetIsCaught() {
        Backend offByOne = new Forwarding() {
            @Override
            public void dropout(View x, float p, long seed, long offset, Storage out) {
                super.dropout(x, p, seed, offset + 1, out);
            }
        };
        Parity.Result r = only(offByOne, "dropout");
        assertEquals("dropout", r.name());
        assertTrue(r.worst().matches("contiguous\\[\\d+]: cpu .*, sabotaged .*"), r.worst());
    }

    @Test
    void adamWithoutBiasCorrectionIsCaught() {
        Backend uncorrected = new Forwarding() {
            @Override
            public void optimizerStep(Update rule, List<Storage> params, List<Storage> grads, List<Storage[]> state) {
                Update r = rule instanceof Update.Adam a
                        ? new Update.Adam(a.lr(), a.beta1(), a.beta2(), a.eps(), a.weightDecay(), a.decoupled(), a.amsgrad(), 1, 1)
                        : rule;
                super.optimizerStep(r, params, grads, state);
            }
        };
        Parity.Result r = only(uncorrected, "optimizerStep Adam");
        assertTrue(r.name().startsWith("optimizerStep Adam") && r.worst().startsWith("parameter "), r.name() + ": " + r.worst());
    }
}
