package dev.stride.train;

import dev.stride.random.Philox;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Hyper-parameter search: random or grid over declared spaces, then optionally a second, finer random stage
 * around the best trial (coarse to fine). Trials that diverge are stopped early by the trainer's guard and
 * recorded as such. Draws use Philox keyed by the seed, so a search is reproducible.
 */
public final class Search {
    private Search() {}

    /** A search space for one hyper-parameter. */
    public sealed interface Space permits LogUniform, Uniform, Choice {
        /** The value at {@code u} in [0, 1). */
        double at(double u);

        /** A narrower space around {@code best} for the fine stage. */
        Space around(double best);

        /** {@code n} evenly spaced values for grid search. */
        double[] grid(int n);
    }

    /** Log-uniform on [lo, hi]: the usual space for rates and decays. */
    public record LogUniform(double lo, double hi) implements Space {
        public LogUniform {
            if (!(lo > 0 && hi > lo)) throw new IllegalArgumentException("log-uniform: need 0 < lo < hi, got " + lo + ", " + hi);
        }

        @Override
        public double at(double u) {
            return Math.exp(Math.log(lo) + u * (Math.log(hi) - Math.log(lo)));
        }

        @Override
        public Space around(double best) {
            double quarter = (Math.log(hi) - Math.log(lo)) / 8;
            return new LogUniform(Math.max(lo, best * Math.exp(-quarter)), Math.min(hi, best * Math.exp(quarter)));
        }

        @Override
        public double[] grid(int n) {
            double[] v = new double[n];
            for (int i = 0; i < n; i++) v[i] = at(n == 1 ? 0.5 : (double) i / (n - 1));
            return v;
        }
    }

    /** Uniform on [lo, hi]. */
    public record Uniform(double lo, double hi) implements Space {
        @Override
        public double at(double u) {
            return lo + u * (hi - lo);
        }

        @Override
        public Space around(double best) {
            double quarter = (hi - lo) / 8;
            return new Uniform(Math.max(lo, best - quarter), Math.min(hi, best + quarter));
        }

        @Override
        public double[] grid(int n) {
            double[] v = new double[n];
            for (int i = 0; i < n; i++) v[i] = at(n == 1 ? 0.5 : (double) i / (n - 1));
            return v;
        }
    }

    /** One of a fixed set of values. */
    public record Choice(double... values) implements Space {
        @Override
        public double at(double u) {
            return values[Math.min(values.length - 1, (int) (u * values.length))];
        }

        @Override
        public Space around(double best) {
            return new Choice(best);
        }

        @Override
        public double[] grid(int n) {
            return values.clone();
        }
    }

    /** What one trial reports; {@code diverged} trials carry NaN scores. */
    public record Score(double validationLoss, double validationAccuracy, boolean diverged) {}

    /** A finished trial. */
    public record Trial(int id, String stage, Map<String, Double> values, Score score) {}

    @FunctionalInterface
    public interface Objective {
        Score run(Map<String, Double> values) throws Exception;
    }

    private static Trial trial(int id, String stage, Map<String, Double> values, Objective f) throws Exception {
        return new Trial(id, stage, values, f.run(values));
    }

    /** {@code trials} random draws from {@code spaces}. */
    public static List<Trial> random(Map<String, Space> spaces, int trials, long seed, Objective f) throws Exception {
        return random(spaces, trials, seed, 0, "coarse", 0, f);
    }

    private static List<Trial> random(Map<String, Space> spaces, int trials, long seed, long offset, String stage, int firstId,
                                      Objective f) throws Exception {
        List<Trial> out = new ArrayList<>();
        int[] w = new int[4];
        for (int t = 0; t < trials; t++) {
            Map<String, Double> values = new LinkedHashMap<>();
            int j = 0;
            for (Map.Entry<String, Space> e : spaces.entrySet()) {
                long index = (long) t * spaces.size() + j++;
                Philox.words(seed, offset, index / 4, w);
                values.put(e.getKey(), e.getValue().at(Philox.uniform(w[(int) (index % 4)])));
            }
            out.add(trial(firstId + t, stage, values, f));
        }
        return out;
    }

    /** Every combination of {@code perAxis} values of each space (all values of a {@link Choice}). */
    public static List<Trial> grid(Map<String, Space> spaces, int perAxis, Objective f) throws Exception {
        List<Map<String, Double>> combos = new ArrayList<>();
        combos.add(new LinkedHashMap<>());
        for (Map.Entry<String, Space> e : spaces.entrySet()) {
            List<Map<String, Double>> next = new ArrayList<>();
            for (Map<String, Double> c : combos) {
                for (double v : e.getValue().grid(perAxis)) {
                    Map<String, Double> m = new LinkedHashMap<>(c);
                    m.put(e.getKey(), v);
                    next.add(m);
                }
            }
            combos = next;
        }
        List<Trial> out = new ArrayList<>();
        for (int i = 0; i < combos.size(); i++) out.add(trial(i, "grid", combos.get(i), f));
        return out;
    }

    /** A coarse random stage, then {@code fine} random trials in the spaces narrowed around the best coarse trial. */
    public static List<Trial> coarseToFine(Map<String, Space> spaces, int coarse, int fine, long seed, Objective f) throws Exception {
        List<Trial> all = new ArrayList<>(random(spaces, coarse, seed, 0, "coarse", 0, f));
        Trial best = sorted(all).get(0);
        if (fine > 0 && !best.score().diverged()) {
            Map<String, Space> narrow = new LinkedHashMap<>();
            spaces.forEach((k, s) -> narrow.put(k, s.around(best.values().get(k))));
            all.addAll(random(narrow, fine, seed, 1, "fine", coarse, f));
        }
        return all;
    }

    /** Best first: highest validation accuracy, then lowest loss; diverged trials last. */
    public static List<Trial> sorted(List<Trial> trials) {
        List<Trial> out = new ArrayList<>(trials);
        out.sort(Comparator.<Trial>comparingInt(t -> t.score().diverged() ? 1 : 0)
                .thenComparing(t -> -t.score().validationAccuracy())
                .thenComparing(t -> t.score().validationLoss()));
        return out;
    }

    /** The sorted table as CSV, written atomically. */
    public static void writeCsv(Path file, List<Trial> trials) throws IOException {
        List<Trial> s = sorted(trials);
        StringBuilder sb = new StringBuilder("rank,trial,stage");
        if (!s.isEmpty()) s.get(0).values().keySet().forEach(k -> sb.append(',').append(k));
        sb.append(",val_loss,val_accuracy,status\n");
        for (int i = 0; i < s.size(); i++) {
            Trial t = s.get(i);
            sb.append(i + 1).append(',').append(t.id()).append(',').append(t.stage());
            t.values().values().forEach(v -> sb.append(',').append(v));
            sb.append(',').append(t.score().validationLoss()).append(',').append(t.score().validationAccuracy())
                    .append(',').append(t.score().diverged() ? "diverged" : "ok").append('\n');
        }
        dev.stride.io.AtomicFile.write(file, out -> out.write(sb.toString().getBytes(StandardCharsets.UTF_8)));
    }
}
