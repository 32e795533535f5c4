package dev.stride.train;

import dev.stride.data.DataLoader;
import dev.stride.nn.Module;
import dev.stride.optim.Optimizer;
import dev.stride.tensor.Tensor;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;

/**
 * The learning-rate range test: raise the rate exponentially from {@code start} to {@code end} over
 * {@code steps} mini-batches, record the smoothed loss, stop once it exceeds 4x its minimum, and suggest the
 * rate where the loss falls fastest before its minimum. The model's weights are restored afterwards.
 */
public final class LrFinder {
    private LrFinder() {}

    /** The sweep and its suggestion. */
    public record Result(double[] rates, double[] losses, double suggested) {
        /** Writes the curve (log-scale rates) as PNG and CSV. */
        public void write(Path png, Path csv) throws IOException {
            if (System.getProperty("java.awt.headless") == null) System.setProperty("java.awt.headless", "true");
            Files.createDirectories(png.toAbsolutePath().getParent());
            XYChart chart = new XYChartBuilder().width(640).height(400).title("learning-rate finder")
                    .xAxisTitle("learning rate").yAxisTitle("smoothed loss").build();
            chart.getStyler().setXAxisLogarithmic(true);
            chart.addSeries("loss", rates, losses);
            try (OutputStream out = Files.newOutputStream(png)) {
                BitmapEncoder.saveBitmap(chart, out, BitmapEncoder.BitmapFormat.PNG);
            }
            StringBuilder sb = new StringBuilder("lr,smoothed_loss\n");
            for (int i = 0; i < rates.length; i++) sb.append(rates[i]).append(',').append(losses[i]).append('\n');
            Files.writeString(csv, sb.toString());
        }
    }

    public static Result run(Module model, Optimizer opt, DataLoader loader, BiFunction<Tensor, Tensor, Tensor> loss,
                             double start, double end, int steps) {
        if (!(start > 0 && end > start && steps >= 2)) {
            throw new IllegalArgumentException("lr finder: need 0 < start < end and steps >= 2, got " + start + ", " + end + ", " + steps);
        }
        Map<String, float[]> saved = Ensemble.snapshot(model);
        List<Double> rates = new ArrayList<>();
        List<Double> losses = new ArrayList<>();
        double avg = 0;
        double best = Double.POSITIVE_INFINITY;
        int step = 0;
        model.train();
        try {
            outer:
            for (int epoch = 0; ; epoch++) {
                for (DataLoader.Batch b : loader.epoch(epoch)) {
                    double lr = start * Math.pow(end / start, (double) step / (steps - 1));
                    opt.setLearningRate((float) lr);
                    Tensor l = loss.apply(model.forward(b.inputs()), b.labels());
                    double v = l.item();
                    avg = 0.98 * avg + 0.02 * v;
                    double smoothed = avg / (1 - Math.pow(0.98, step + 1));
                    if (!Double.isFinite(v) || smoothed > 4 * best) break outer;
                    best = Math.min(best, smoothed);
                    rates.add(lr);
                    losses.add(smoothed);
                    opt.zeroGrad();
                    l.backward();
                    opt.step();
                    if (++step >= steps) break outer;
                }
            }
        } finally {
            Ensemble.load(model, saved);
        }
        double[] r = rates.stream().mapToDouble(Double::doubleValue).toArray();
        double[] s = losses.stream().mapToDouble(Double::doubleValue).toArray();
        return new Result(r, s, steepest(r, s));
    }

    /**
     * The rate at the most negative slope of loss against log(rate), looking only between the first tenth of the
     * sweep (where the smoothed loss is still settling) and the minimum (past it the loss is rising).
     */
    private static double steepest(double[] r, double[] s) {
        if (r.length == 0) return Double.NaN;
        int min = 0;
        for (int i = 1; i < s.length; i++) if (s[i] < s[min]) min = i;
        int from = Math.max(1, r.length / 10);
        if (min - from < 2) return r[min] / 10;
        int best = from;
        double slope = Double.POSITIVE_INFINITY;
        for (int i = from; i < min; i++) {
            double d = (s[i + 1] - s[i - 1]) / (Math.log(r[i + 1]) - Math.log(r[i - 1]));
            if (d < slope) {
                slope = d;
                best = i;
            }
        }
        return r[best];
    }
}
