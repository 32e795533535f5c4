package dev.stride.kernels.emu;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** The committed fixture PTX (built from kernels/src/test/cuda/fixtures.cu), parsed once. */
final class Fixtures {
    private static PtxModule module;

    private Fixtures() {}

    static synchronized PtxModule module() {
        if (module == null) {
            try (InputStream in = Fixtures.class.getResourceAsStream("/dev/stride/kernels/fixtures/fixtures.ptx")) {
                module = PtxModule.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), "fixtures.ptx");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return module;
    }
}
