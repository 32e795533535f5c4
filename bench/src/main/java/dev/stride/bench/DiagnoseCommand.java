package dev.stride.bench;

import dev.stride.backend.Backend;
import dev.stride.nn.Init;
import dev.stride.nn.Lstm;
import dev.stride.nn.Recurrent;
import dev.stride.nn.Rnn;
import dev.stride.random.Generator;
import dev.stride.tensor.Tensor;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code stride diagnose}: the backpropagation lesson about recurrent nets, measured. A vanilla ReLU RNN whose
 * {@code W_hh} is a random permutation scaled to spectral radius 0.9, 1.0 and 1.1 (orthogonal and non-negative, so
 * with positive inputs every unit stays on and the backward pass is exactly {@code dh_{t-1} = W_hhᵀ dh_t}), and an
 * LSTM beside it whose forget gates stand open (bias 5, as training leaves them for what a sequence must carry):
 * {@code ‖dL/dh_t‖} for every step t of a T-step sequence, the loss read at the last step.
 */
@Command(name = "diagnose", mixinStandardHelpOptions = true,
        description = "Show exploding and vanishing gradients through time: ||dL/dh_t|| for a ReLU RNN with W_hh of spectral "
                + "radius 0.9, 1.0 and 1.1, and for an LSTM; prints a table and writes gradient-through-time.png.")
final class DiagnoseCommand implements Callable<Integer> {
    @Option(names = "--steps", defaultValue = "50", description = "Sequence length T (default ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--hidden", defaultValue = "32", description = "Hidden units (default ${DEFAULT-VALUE}).")
    int hidden;

    @Option(names = "--seed", defaultValue = "0", description = "Seed (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--backend", description = RunOptions.BACKEND_HELP)
    String backend;

    @Option(names = "--out", defaultValue = "runs/diagnose", description = "Folder for the plot (default ${DEFAULT-VALUE}).")
    Path out;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    static final double[] RADII = {0.9, 1.0, 1.1};
    static final int INPUTS = 4;
    static final int BATCH = 16;

    @Override
    public Integer call() throws Exception {
        if (steps < 2 || hidden < 1) throw new IllegalArgumentException("--steps must be >= 2 and --hidden >= 1");
        Files.createDirectories(out);
        Backend be = dev.stride.backend.Backends.select(backend);
        PrintWriter o = spec.commandLine().getOut();
        Generator gen = new Generator(seed);
        Tensor x = Tensor.rand(be, gen, 0, 1, BATCH, steps, INPUTS);
        List<String> names = new ArrayList<>();
        List<double[]> norms = new ArrayList<>();
        for (double rho : RADII) {
            Rnn rnn = new Rnn(INPUTS, hidden, 1, true, true, be, new Generator(seed + 1));
            permutation(rnn.weightHh(0), rho, new Generator(seed + 2));
            // Positive input weights and bias keep every unit on, so the ReLU masks pass the whole gradient.
            var p = rnn.namedParameters();
            Init.uniform_(p.get("weight_ih_l0"), new Generator(seed + 3), 0, 0.5f);
            Init.constant_(p.get("bias_ih_l0"), 1f);
            Init.zeros_(p.get("bias_hh_l0"));
            names.add(String.format("ReLU RNN, radius %.1f", rho));
            norms.add(throughTime(rnn, x));
        }
        Lstm lstm = new Lstm(INPUTS, hidden, 1, true, be, new Generator(seed + 4));
        // Gate order i, f, g, o: the forget gate's biases are rows H..2H of bias_ih.
        Tensor bias = lstm.namedParameters().get("bias_ih_l0");
        float[] b = bias.toFloatArray();
        for (int i = hidden; i < 2 * hidden; i++) b[i] = 5f;
        Tensor.of(be, b, b.length).copyTo(bias.storage());
        names.add("LSTM, forget bias 5");
        norms.add(throughTime(lstm, x));
        o.printf("%5s", "t");
        for (String n : names) o.printf("  %22s", n);
        o.println();
        for (int t = 0; t < steps; t++) {
            if (t % 5 != 0 && t != steps - 1) continue;
            o.printf("%5d", t + 1);
            for (double[] n : norms) o.printf("  %22.3e", n[t]);
            o.println();
        }
        o.printf("%5s", "1/T");
        for (double[] n : norms) o.printf("  %22.3e", n[0] / n[steps - 1]);
        o.println("   (||dL/dh_1|| / ||dL/dh_T||)");
        o.printf("%5s", "1/T-1");
        for (double[] n : norms) o.printf("  %22.3e", n[0] / n[steps - 2]);
        o.println("   (||dL/dh_1|| / ||dL/dh_T-1||: the decay after the step the loss reads)");
        plot(names, norms, out.resolve("gradient-through-time.png"));
        spec.commandLine().getErr().println("wrote " + out.resolve("gradient-through-time.png"));
        o.flush();
        return 0;
    }

    /** {@code w} becomes {@code rho} times a random permutation matrix. */
    private static void permutation(Tensor w, double rho, Generator gen) {
        int h = w.dim(0);
        float[] keys = Tensor.rand(w.backend(), gen, 0, 1, h).toFloatArray();
        Integer[] order = new Integer[h];
        for (int i = 0; i < h; i++) order[i] = i;
        java.util.Arrays.sort(order, (a, b) -> Float.compare(keys[a], keys[b]));
        float[] m = new float[h * h];
        for (int i = 0; i < h; i++) m[i * h + order[i]] = (float) rho;
        Tensor.of(w.backend(), m, h, h).copyTo(w.storage());
    }

    /** {@code ‖dL/dh_t‖} for t = 1..T with the loss {@code mean over the batch of Σ h_T}. */
    private double[] throughTime(Recurrent layer, Tensor x) {
        List<Tensor> probes = new ArrayList<>();
        Recurrent.Result r = layer.run(x, null, null, probes);
        r.hidden().sum().div((float) x.dim(0)).backward();
        double[] norms = new double[probes.size()];
        for (int t = 0; t < norms.length; t++) norms[t] = Math.sqrt(probes.get(t).grad().square().sum().item());
        return norms;
    }

    private static void plot(List<String> names, List<double[]> norms, Path png) throws java.io.IOException {
        XYChart chart = new XYChartBuilder().width(720).height(440).title("gradient norm through time")
                .xAxisTitle("time step t").yAxisTitle("||dL/dh_t||").build();
        chart.getStyler().setYAxisLogarithmic(true);
        for (int i = 0; i < names.size(); i++) {
            double[] n = norms.get(i);
            double[] t = new double[n.length];
            for (int k = 0; k < t.length; k++) t[k] = k + 1;
            chart.addSeries(names.get(i), t, n);
        }
        dev.stride.io.AtomicFile.write(png, os -> BitmapEncoder.saveBitmap(chart, os, BitmapEncoder.BitmapFormat.PNG));
    }
}
