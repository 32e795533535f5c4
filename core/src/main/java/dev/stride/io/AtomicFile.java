package dev.stride.io;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Files written whole or not at all: through a temporary beside the target, renamed into place, so a reader (or a
 * crash) never sees half a file, and a failed write leaves the previous file as it was. The temporary is created as
 * any file is, so the umask decides its mode (not {@code createTempFile}'s 0600); its name carries the process id and
 * a counter, so concurrent writers of one target stay apart and a killed writer's leftover can be recognised.
 */
public final class AtomicFile {
    private static final AtomicLong TEMPORARIES = new AtomicLong();

    private AtomicFile() {}

    /** What writes the content. */
    @FunctionalInterface
    public interface Writer {
        void write(OutputStream out) throws IOException;
    }

    /** {@code <name>.<pid>-<n>.tmp} beside {@code file}. */
    static Path temporaryFor(Path file) {
        Path dir = file.toAbsolutePath().getParent();
        return dir.resolve(file.getFileName() + "." + ProcessHandle.current().pid() + "-" + TEMPORARIES.incrementAndGet() + ".tmp");
    }

    public static void write(Path file, Writer w) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        Path tmp = temporaryFor(file);
        try (OutputStream out = Files.newOutputStream(tmp, StandardOpenOption.WRITE, StandardOpenOption.CREATE_NEW)) {
            w.write(out);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
