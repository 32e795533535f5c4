package dev.stride.kernels;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** The shipped PTX, one module per kernel family, read from this jar's resources. */
public final class Kernels {
    /** The families under {@code src/main/cuda}, one PTX module each. */
    public static final List<String> FAMILIES = List.of("elementwise", "reduce", "gemm", "index", "random", "optim", "batchnorm", "dropout", "window", "softmax");

    private Kernels() {}

    /** The PTX text of {@code family} ({@code elementwise}, {@code gemm}, ...). */
    public static String ptx(String family) {
        String path = "/dev/stride/kernels/" + family + ".ptx";
        try (InputStream in = Kernels.class.getResourceAsStream(path)) {
            if (in == null) throw new IllegalArgumentException("no shipped PTX module '" + family + "' (" + path + ")");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + path, e);
        }
    }

    /** The {@code .version} line's PTX ISA version of a module, e.g. "8.0". */
    public static String isaVersion(String ptx) {
        for (String line : ptx.split("\n", 64)) {
            if (line.startsWith(".version ")) return line.substring(".version ".length()).trim();
        }
        return "unknown";
    }
}
