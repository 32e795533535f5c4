package dev.stride.testing;

import dev.stride.backend.Backend;
import dev.stride.tensor.MemoryScope;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Runs one case on two backends from identical inputs, parameters and seeds, and compares every output, gradient
 * and state tensor it names. A report gives, per case, the largest absolute and relative errors and the worst
 * element with both values, so a failure reads as "maxPool2d indices[17]: cpu 3, cuda 4".
 */
public final class Parity {
    private Parity() {}

    /**
     * One comparison: {@code run} builds its inputs from fixed seeds on the backend it is given, runs, and returns its
     * outputs by name (indices and masks as exact floats). {@code why} justifies a tolerance wider than float32's.
     */
    public record Case(String name, String group, Tolerance tolerance, String why, Function<Backend, Map<String, float[]>> run) {
        public Case(String name, String group, Function<Backend, Map<String, float[]>> run) {
            this(name, group, Tolerance.F32, "", run);
        }
    }

    /** What one case gave: the errors, the tolerance, and the worst element or what failed. */
    public record Result(String name, String group, String a, String b, double maxAbs, double maxRel, Tolerance tolerance,
                         boolean pass, String worst) {}

    /** Runs {@code c} on both backends (each inside its own memory scope) and compares. */
    public static Result compare(Case c, Backend a, Backend b) {
        Map<String, float[]> x;
        Map<String, float[]> y;
        try {
            x = outputs(c, a);
            y = outputs(c, b);
        } catch (RuntimeException | AssertionError e) {
            return new Result(c.name(), c.group(), a.name(), b.name(), Double.NaN, Double.NaN, c.tolerance(), false,
                    "failed to run: " + e);
        }
        double maxAbs = 0;
        double maxRel = 0;
        double worstExcess = Double.NEGATIVE_INFINITY;
        String worst = "";
        boolean pass = true;
        for (Map.Entry<String, float[]> e : x.entrySet()) {
            float[] u = e.getValue();
            float[] v = y.get(e.getKey());
            if (v == null || v.length != u.length) {
                return new Result(c.name(), c.group(), a.name(), b.name(), Double.NaN, Double.NaN, c.tolerance(), false,
                        e.getKey() + ": " + u.length + " elements on " + a.name() + ", " + (v == null ? "none" : v.length) + " on " + b.name());
            }
            for (int i = 0; i < u.length; i++) {
                boolean ok = c.tolerance().close(v[i], u[i]);
                double abs = Double.isNaN(u[i]) || Double.isNaN(v[i]) ? (ok ? 0 : Double.POSITIVE_INFINITY) : Math.abs((double) u[i] - v[i]);
                if (Double.isNaN(abs)) abs = ok ? 0 : Double.POSITIVE_INFINITY;
                double rel = abs == 0 ? 0 : abs / Math.max(Math.abs(u[i]), Float.MIN_NORMAL);
                maxAbs = Math.max(maxAbs, abs);
                maxRel = Math.max(maxRel, rel);
                double excess = ok ? abs - (c.tolerance().atol() + c.tolerance().rtol() * Math.abs(u[i])) : Double.POSITIVE_INFINITY;
                if (!ok) pass = false;
                if (excess > worstExcess) {
                    worstExcess = excess;
                    worst = e.getKey() + "[" + i + "]: " + a.name() + " " + u[i] + ", " + b.name() + " " + v[i];
                }
            }
        }
        return new Result(c.name(), c.group(), a.name(), b.name(), maxAbs, maxRel, c.tolerance(), pass, worst);
    }

    private static Map<String, float[]> outputs(Case c, Backend be) {
        try (MemoryScope scope = MemoryScope.open()) {
            return new LinkedHashMap<>(c.run().apply(be));
        }
    }

    /** Every case whose name contains {@code filter} (all when it is null or empty), compared between a and b. */
    public static List<Result> run(List<Case> cases, Backend a, Backend b, String filter) {
        List<Result> out = new ArrayList<>();
        for (Case c : cases) {
            if (filter == null || filter.isEmpty() || c.name().contains(filter)) out.add(compare(c, a, b));
        }
        return out;
    }
}
