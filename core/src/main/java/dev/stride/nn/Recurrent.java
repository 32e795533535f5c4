package dev.stride.nn;

import dev.stride.backend.Backend;
import dev.stride.tensor.Shape;
import dev.stride.tensor.Tensor;
import java.util.List;

/**
 * The recurrent layers, {@code torch.nn.RNN}, {@code LSTM} and {@code GRU}: batch-first input {@code [N, T, F]},
 * {@code layers} stacked layers, PyTorch's parameter names ({@code weight_ih_l0}, {@code weight_hh_l0},
 * {@code bias_ih_l0}, {@code bias_hh_l0}, ...), gate order (LSTM i, f, g, o; GRU r, z, n) and initialization
 * (every weight and bias from U(-1/√H, 1/√H)), so a PyTorch state dict loads. The input projections of all T steps
 * are one GEMM per layer; the recurrence is a loop of small GEMMs and elementwise ops on the autograd tape, so
 * backpropagation through time runs on every backend without kernels of its own.
 */
public abstract class Recurrent extends Module {
    /** The cell a layer runs. */
    public enum Cell { RNN_TANH, RNN_RELU, LSTM, GRU }

    /** What a run returns: every step's top-layer output {@code [N, T, H]}, and each layer's last state {@code [L, N, H]}. */
    public record Result(Tensor output, Tensor hidden, Tensor cell) {}

    private final String name;
    private final Cell cellKind;
    private final int input;
    private final int hidden;
    private final int layers;
    private final int gates;
    private final Tensor[] weightIh;
    private final Tensor[] weightHh;
    private final Tensor[] biasIh;
    private final Tensor[] biasHh;

    Recurrent(String name, Cell cell, int input, int hidden, int layers, boolean bias, Backend backend,
              dev.stride.random.Generator gen) {
        this.name = name + "(" + input + ", " + hidden + (layers > 1 ? ", layers=" + layers : "") + ")";
        if (input <= 0 || hidden <= 0 || layers <= 0) {
            throw new IllegalArgumentException(this.name + ": input size, hidden size and layer count must be positive");
        }
        this.cellKind = cell;
        this.input = input;
        this.hidden = hidden;
        this.layers = layers;
        this.gates = switch (cell) {
            case LSTM -> 4;
            case GRU -> 3;
            default -> 1;
        };
        float bound = (float) (1 / Math.sqrt(hidden));
        weightIh = new Tensor[layers];
        weightHh = new Tensor[layers];
        biasIh = new Tensor[layers];
        biasHh = new Tensor[layers];
        for (int k = 0; k < layers; k++) {
            weightIh[k] = registerParameter("weight_ih_l" + k, Tensor.rand(backend, gen, -bound, bound, gates * hidden, k == 0 ? input : hidden));
            weightHh[k] = registerParameter("weight_hh_l" + k, Tensor.rand(backend, gen, -bound, bound, gates * hidden, hidden));
            if (bias) {
                biasIh[k] = registerParameter("bias_ih_l" + k, Tensor.rand(backend, gen, -bound, bound, gates * hidden));
                biasHh[k] = registerParameter("bias_hh_l" + k, Tensor.rand(backend, gen, -bound, bound, gates * hidden));
            }
        }
    }

    public int hiddenSize() {
        return hidden;
    }

    public int layers() {
        return layers;
    }

    /** Layer {@code k}'s recurrent weight {@code W_hh [gates·H, H]}. */
    public Tensor weightHh(int k) {
        return weightHh[k];
    }

    private List<Tensor> captured;

    /**
     * Makes the next {@link #forward} keep a probe on each top-layer hidden state, so that after its backward pass
     * {@link #timeGradientNorms()} gives {@code ‖dL/dh_t‖} for every step t (the trainer's layer statistics use it).
     */
    public void captureTimeGradients() {
        captured = new java.util.ArrayList<>();
    }

    /**
     * {@code ‖dL/dh_t‖} for t = 1..T of the captured run, one tensor {@code [T]} on the backend (no host read); null
     * when nothing was captured or the backward pass has not reached the probes. Ends the capture.
     */
    public Tensor timeGradientNorms() {
        List<Tensor> probes = captured;
        captured = null;
        if (probes == null || probes.isEmpty() || probes.get(0).grad() == null) return null;
        try (dev.stride.autograd.NoGrad ignored = dev.stride.autograd.NoGrad.enter()) {
            Tensor[] norms = new Tensor[probes.size()];
            for (int t = 0; t < norms.length; t++) norms[t] = probes.get(t).grad().square().sum().sqrt().reshape(1);
            return Tensor.cat(0, norms);
        }
    }

    /** Every step's output {@code [N, T, H]}, from zero initial states. */
    @Override
    public Tensor forward(Tensor x) {
        List<Tensor> probes = captured != null && captured.isEmpty() && dev.stride.autograd.NoGrad.isGradEnabled() ? captured : null;
        return run(x, null, null, probes).output();
    }

    /** A run from initial states {@code h0} (and {@code c0} for LSTM), each {@code [L, N, H]} or null for zeros. */
    public Result run(Tensor x, Tensor h0, Tensor c0) {
        return run(x, h0, c0, null);
    }

    /**
     * A run that also hands back, in {@code probes}, one zero leaf added to each top-layer hidden state: after
     * {@code backward()} their gradients are {@code dL/dh_t}, how the gradient decays or grows back through time.
     */
    public Result run(Tensor x, Tensor h0, Tensor c0, List<Tensor> probes) {
        if (x.rank() != 3 || x.dim(2) != input || x.dim(1) == 0) {
            throw new IllegalArgumentException(name + ": expects input [N, T, " + input + "] with T >= 1, got " + Shape.str(x.shape()));
        }
        int n = x.dim(0);
        int steps = x.dim(1);
        checkState("initial hidden state", h0, n);
        if (cellKind == Cell.LSTM) checkState("initial cell state", c0, n);
        else if (c0 != null) throw new IllegalArgumentException(name + ": only an LSTM takes a cell state");
        Tensor in = x;
        Tensor[] lastH = new Tensor[layers];
        Tensor[] lastC = new Tensor[layers];
        for (int k = 0; k < layers; k++) {
            int width = k == 0 ? input : hidden;
            Tensor xg = in.reshape(n * steps, width).matmul(weightIh[k].t());
            if (biasIh[k] != null) xg = xg.add(biasIh[k]);
            xg = xg.reshape(n, steps, gates * hidden);
            Tensor h = h0 == null ? Tensor.zeros(x.backend(), n, hidden) : h0.slice(0, k, k + 1).reshape(n, hidden);
            Tensor c = cellKind != Cell.LSTM ? null : c0 == null ? Tensor.zeros(x.backend(), n, hidden) : c0.slice(0, k, k + 1).reshape(n, hidden);
            Tensor[] outs = new Tensor[steps];
            for (int t = 0; t < steps; t++) {
                Tensor xt = xg.slice(1, t, t + 1).reshape(n, gates * hidden);
                Tensor hh = h.matmul(weightHh[k].t());
                if (biasHh[k] != null) hh = hh.add(biasHh[k]);
                switch (cellKind) {
                    case RNN_TANH -> h = xt.add(hh).tanh();
                    case RNN_RELU -> h = xt.add(hh).relu();
                    case LSTM -> {
                        Tensor g = xt.add(hh);
                        Tensor i = g.slice(1, 0, hidden).sigmoid();
                        Tensor f = g.slice(1, hidden, 2 * hidden).sigmoid();
                        Tensor cand = g.slice(1, 2 * hidden, 3 * hidden).tanh();
                        Tensor o = g.slice(1, 3 * hidden, 4 * hidden).sigmoid();
                        c = f.mul(c).add(i.mul(cand));
                        h = o.mul(c.tanh());
                    }
                    case GRU -> {
                        Tensor r = xt.slice(1, 0, hidden).add(hh.slice(1, 0, hidden)).sigmoid();
                        Tensor z = xt.slice(1, hidden, 2 * hidden).add(hh.slice(1, hidden, 2 * hidden)).sigmoid();
                        Tensor cand = xt.slice(1, 2 * hidden, 3 * hidden).add(r.mul(hh.slice(1, 2 * hidden, 3 * hidden))).tanh();
                        h = z.rsub(1f).mul(cand).add(z.mul(h));
                    }
                }
                if (probes != null && k == layers - 1) {
                    Tensor probe = Tensor.zeros(x.backend(), n, hidden).requiresGrad(true);
                    probes.add(probe);
                    h = h.add(probe);
                }
                outs[t] = h.reshape(n, 1, hidden);
            }
            in = steps == 1 ? outs[0] : Tensor.cat(1, outs);
            lastH[k] = h.reshape(1, n, hidden);
            lastC[k] = c == null ? null : c.reshape(1, n, hidden);
        }
        Tensor hN = layers == 1 ? lastH[0] : Tensor.cat(0, lastH);
        Tensor cN = cellKind != Cell.LSTM ? null : layers == 1 ? lastC[0] : Tensor.cat(0, lastC);
        return new Result(in, hN, cN);
    }

    private void checkState(String what, Tensor s, int n) {
        if (s != null && (s.rank() != 3 || s.dim(0) != layers || s.dim(1) != n || s.dim(2) != hidden)) {
            throw new IllegalArgumentException(name + ": " + what + " must be [" + layers + ", " + n + ", " + hidden + "], got "
                    + Shape.str(s.shape()));
        }
    }

    /** The largest |eigenvalue| of layer {@code k}'s {@code W_hh} (its first gate block for LSTM/GRU), by power iteration. */
    public double spectralRadius(int k) {
        float[] w = weightHh[k].toFloatArray();
        return spectralRadius(w, hidden);
    }

    /**
     * Power iteration on the square matrix {@code w [h, h]} (row-major); for a complex dominant pair it reports the
     * growth rate of ‖Wᵏv‖, which is the modulus as well.
     */
    public static double spectralRadius(float[] w, int h) {
        double[] v = new double[h];
        for (int i = 0; i < h; i++) v[i] = 1 + 0.01 * i;
        double norm = 0;
        for (int it = 0; it < 500; it++) {
            double[] next = new double[h];
            for (int i = 0; i < h; i++) {
                double s = 0;
                for (int j = 0; j < h; j++) s += w[i * h + j] * v[j];
                next[i] = s;
            }
            double len = 0;
            for (double x : next) len += x * x;
            len = Math.sqrt(len);
            double vlen = 0;
            for (double x : v) vlen += x * x;
            norm = len / Math.sqrt(vlen);
            if (len == 0) return 0;
            for (int i = 0; i < h; i++) v[i] = next[i] / len;
        }
        return norm;
    }

}
