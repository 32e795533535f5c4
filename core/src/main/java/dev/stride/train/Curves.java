package dev.stride.train;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;

/**
 * Loss and accuracy curves, train and validation, per epoch: {@code curves.csv}, {@code loss.png} and
 * {@code accuracy.png} in a folder, rewritten (atomically) after every epoch so a running job can be watched.
 */
public final class Curves implements Callback {
    private final Path dir;
    private final List<double[]> rows = new ArrayList<>();

    public Curves(Path dir) {
        this.dir = dir;
        if (System.getProperty("java.awt.headless") == null) System.setProperty("java.awt.headless", "true");
    }

    @Override
    public void epochEnd(Trainer trainer, Trainer.EpochStats train, Trainer.Evaluation validation) throws IOException {
        rows.add(new double[] {train.epoch() + 1, train.loss(), train.accuracy(), validation.loss(), validation.accuracy(),
                trainer.optimizer().learningRate()});
        write();
    }

    public void write() throws IOException {
        Files.createDirectories(dir);
        StringBuilder csv = new StringBuilder("epoch,train_loss,train_accuracy,val_loss,val_accuracy,lr\n");
        for (double[] r : rows) {
            csv.append((long) r[0]);
            for (int i = 1; i < r.length; i++) csv.append(',').append(r[i]);
            csv.append('\n');
        }
        atomically(dir.resolve("curves.csv"), out -> out.write(csv.toString().getBytes(StandardCharsets.UTF_8)));
        atomically(dir.resolve("loss.png"), out -> BitmapEncoder.saveBitmap(chart("loss", 1, 3), out, BitmapEncoder.BitmapFormat.PNG));
        atomically(dir.resolve("accuracy.png"), out -> BitmapEncoder.saveBitmap(chart("accuracy", 2, 4), out, BitmapEncoder.BitmapFormat.PNG));
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

    @FunctionalInterface
    private interface Writer {
        void write(OutputStream out) throws IOException;
    }

    private static void atomically(Path file, Writer w) throws IOException {
        Path tmp = Files.createTempFile(file.toAbsolutePath().getParent(), file.getFileName().toString(), ".tmp");
        try (OutputStream out = Files.newOutputStream(tmp)) {
            w.write(out);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
