package dev.stride.train;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;

/**
 * Loss and accuracy curves, train and validation, per epoch: {@code curves.csv} in a folder, rewritten (atomically)
 * after every epoch so a running job can be watched, and unless left out, {@code loss.png} and {@code accuracy.png},
 * drawn when training ends and at most every {@link #PNG_SECONDS} seconds before: drawing them every epoch cost a
 * short run a fifth of its time (measured: 1.3 s on a 5 s MLP run), and even once, at the end, Java2D's and the
 * chart library's first use took 0.35–0.52 s of a 4 s run.
 */
public final class Curves implements Callback {
    private final Path dir;
    /** The least time between two drawings of the PNGs while training runs. */
    public static final double PNG_SECONDS = 30;

    private final List<double[]> rows = new ArrayList<>();
    private long lastPng = System.nanoTime();
    private int drawnRows = -1;
    private final List<java.util.Map<String, Trainer.LayerStat>> layerRows = new ArrayList<>();
    private final List<java.util.Map<String, Double>> extraRows = new ArrayList<>();

    private final boolean pngs;

    /** The CSV and both PNGs. */
    public Curves(Path dir) {
        this(dir, true);
    }

    /** The CSV, and the PNGs when {@code pngs}. */
    public Curves(Path dir, boolean pngs) {
        this.dir = dir;
        this.pngs = pngs;
        if (pngs && System.getProperty("java.awt.headless") == null) System.setProperty("java.awt.headless", "true");
    }

    @Override
    public void epochEnd(Trainer trainer, Trainer.EpochStats train, Trainer.Evaluation validation) throws IOException {
        rows.add(new double[] {train.epoch() + 1, train.loss(), train.accuracy(), validation.loss(), validation.accuracy(),
                trainer.optimizer().learningRate()});
        layerRows.add(trainer.layerStats());
        java.util.Map<String, Double> extra = new java.util.LinkedHashMap<>();
        trainer.deadRelus().forEach((k, v) -> extra.put("dead_relu." + k, v));
        trainer.spectralRadii().forEach((k, v) -> extra.put("spectral_radius." + k, v));
        trainer.timeGradients().forEach((k, v) -> {
            extra.put("grad_h_first." + k, v[0]);
            extra.put("grad_h_last." + k, v[v.length - 1]);
        });
        extraRows.add(extra);
        writeCsv();
        if (pngs && (System.nanoTime() - lastPng) / 1e9 >= PNG_SECONDS) writePngs();
    }

    @Override
    public void trainEnd(Trainer trainer) throws IOException {
        if (pngs && drawnRows != rows.size() && !rows.isEmpty()) writePngs();
    }

    /** The CSV and, unless left out, both PNGs as they stand. */
    public void write() throws IOException {
        writeCsv();
        if (pngs) writePngs();
    }

    private void writePngs() throws IOException {
        Files.createDirectories(dir);
        dev.stride.io.AtomicFile.write(dir.resolve("loss.png"), out -> BitmapEncoder.saveBitmap(chart("loss", 1, 3), out, BitmapEncoder.BitmapFormat.PNG));
        dev.stride.io.AtomicFile.write(dir.resolve("accuracy.png"), out -> BitmapEncoder.saveBitmap(chart("accuracy", 2, 4), out, BitmapEncoder.BitmapFormat.PNG));
        lastPng = System.nanoTime();
        drawnRows = rows.size();
    }

    private void writeCsv() throws IOException {
        Files.createDirectories(dir);
        // Per-layer columns (with --layer-stats): grad_norm.<layer> and update_ratio.<layer> for every layer seen.
        java.util.Set<String> layers = new java.util.LinkedHashSet<>();
        for (var m : layerRows) layers.addAll(m.keySet());
        StringBuilder csv = new StringBuilder("epoch,train_loss,train_accuracy,val_loss,val_accuracy,lr");
        for (String l : layers) csv.append(",grad_norm.").append(l).append(",update_ratio.").append(l);
        java.util.Set<String> extras = new java.util.LinkedHashSet<>();
        for (var m : extraRows) extras.addAll(m.keySet());
        for (String x : extras) csv.append(',').append(x);
        csv.append('\n');
        for (int r = 0; r < rows.size(); r++) {
            double[] row = rows.get(r);
            csv.append((long) row[0]);
            for (int i = 1; i < row.length; i++) csv.append(',').append(row[i]);
            for (String l : layers) {
                Trainer.LayerStat st = layerRows.get(r).get(l);
                csv.append(',').append(st == null ? "" : st.gradNorm()).append(',').append(st == null ? "" : st.updateRatio());
            }
            for (String x : extras) {
                Double v = extraRows.get(r).get(x);
                csv.append(',').append(v == null ? "" : v.toString());
            }
            csv.append('\n');
        }
        dev.stride.io.AtomicFile.write(dir.resolve("curves.csv"), out -> out.write(csv.toString().getBytes(StandardCharsets.UTF_8)));
    }

    private XYChart chart(String what, int trainColumn, int valColumn) {
        XYChart chart = new XYChartBuilder().width(640).height(400).title(what).xAxisTitle("epoch").yAxisTitle(what).build();
        double[] x = new double[rows.size()];
        double[] train = new double[rows.size()];
        double[] val = new double[rows.size()];
        for (int i = 0; i < rows.size(); i++) {
            x[i] = rows.get(i)[0];
            train[i] = rows.get(i)[trainColumn];
            val[i] = rows.get(i)[valColumn];
        }
        chart.addSeries("train", x, train);
        chart.addSeries("validation", x, val);
        return chart;
    }
}
