package dev.stride.bench;

import dev.stride.train.Models;
import picocli.CommandLine;

/**
 * Option values checked while the command line is parsed, so that a wrong one is a usage error (exit status 2, with
 * the usage printed) like an unknown --optimizer, not a failure of the run (status 1).
 */
final class Checked {
    private Checked() {}

    /** A model name the command line knows. */
    static final class ModelName implements CommandLine.ITypeConverter<String> {
        @Override
        public String convert(String value) {
            if (!Models.NAMES_LIST.contains(value)) {
                throw new CommandLine.TypeConversionException("unknown model '" + value + "' (choose from " + Models.NAMES + ")");
            }
            return value;
        }
    }

    /** A number greater than 0. */
    static final class Positive implements CommandLine.ITypeConverter<Double> {
        @Override
        public Double convert(String value) {
            double v = number(value);
            if (!(v > 0) || Double.isInfinite(v)) throw new CommandLine.TypeConversionException("must be a finite number > 0, got " + value);
            return v;
        }
    }

    /** A whole number of at least 0. */
    static final class NonNegative implements CommandLine.ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            long v;
            try {
                v = Long.parseLong(value);
            } catch (NumberFormatException e) {
                throw new CommandLine.TypeConversionException("must be a whole number, got " + value);
            }
            if (v < 0) throw new CommandLine.TypeConversionException("must be >= 0, got " + value);
            return v;
        }
    }

    /** One of the preprocessing forms: global, mean-image, per-channel, standardize, pca-K, whiten-K. */
    static final class Preprocess implements CommandLine.ITypeConverter<String> {
        @Override
        public String convert(String value) {
            if (java.util.List.of("none", "global", "mean-image", "per-channel", "standardize").contains(value)) return value;
            String[] p = value.split("-", -1);
            if (p.length == 2 && (p[0].equals("pca") || p[0].equals("whiten")) && p[1].matches("[1-9][0-9]*")) return value;
            throw new CommandLine.TypeConversionException("unknown '" + value
                    + "' (none, global, mean-image, per-channel, standardize, pca-K, whiten-K with K a positive integer)");
        }
    }

    private static double number(String value) {
        try {
            return Double.parseDouble(value);
        } catch (NumberFormatException e) {
            throw new CommandLine.TypeConversionException("must be a number, got " + value);
        }
    }
}
