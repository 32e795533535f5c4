package dev.stride.io;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import dev.stride.backend.Backend;
import dev.stride.tensor.DType;
import dev.stride.tensor.Shape;
import dev.stride.tensor.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The safetensors format, so weights move to and from PyTorch: an 8-byte little-endian header length, a JSON
 * header naming each tensor's dtype, shape and byte range, then the raw little-endian data.
 * Writes go to a temporary file in the same folder that is renamed into place, so a crash never leaves a
 * half-written checkpoint under the real name.
 */
public final class SafeTensors {
    private static final String METADATA = "__metadata__";
    private static final long MAX_HEADER = 100L << 20;

    private SafeTensors() {}

    /** What a file holds: tensors by name in file order, and the string metadata. */
    public record Contents(Map<String, Tensor> tensors, Map<String, String> metadata) {}

    public static void save(Path file, Map<String, Tensor> tensors, Map<String, String> metadata) throws IOException {
        JsonObject header = new JsonObject();
        if (metadata != null && !metadata.isEmpty()) {
            JsonObject meta = new JsonObject();
            // Sorted: the same state gives the same bytes (Map.of iterates in an order that changes between JVMs).
            new java.util.TreeMap<>(metadata).forEach(meta::addProperty);
            header.add(METADATA, meta);
        }
        long offset = 0;
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            Tensor t = e.getValue();
            JsonObject entry = new JsonObject();
            entry.addProperty("dtype", t.dtype().safetensorsName());
            JsonArray shape = new JsonArray();
            for (int d : t.shape()) shape.add(d);
            entry.add("shape", shape);
            JsonArray range = new JsonArray();
            long bytes = t.numel() * t.dtype().bytes();
            range.add(offset);
            range.add(offset + bytes);
            entry.add("data_offsets", range);
            header.add(e.getKey(), entry);
            offset += bytes;
        }
        byte[] json = new Gson().toJson(header).getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        removeStaleTemporaries(dir, file.getFileName().toString());
        // Created as any file is (the umask decides its mode), not with createTempFile's 0600; the pid and a counter
        // keep concurrent writers of one target apart.
        Path tmp = dir.resolve(file.getFileName() + "." + ProcessHandle.current().pid() + "-" + TEMPORARIES.incrementAndGet() + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.CREATE_NEW)) {
            ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
            head.putLong(padded).put(json);
            while (head.hasRemaining()) head.put((byte) ' ');
            head.flip();
            writeAll(ch, head);
            for (Tensor t : tensors.values()) writeAll(ch, encode(t));
            ch.force(true);
        } catch (IOException e) {
            IOException named = new IOException(file + ": could not be written (" + e.getMessage()
                    + "); the previous file, if any, is unchanged", e);
            discard(tmp, named);
            throw named;
        } catch (RuntimeException e) {
            discard(tmp, e);
            throw e;
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** Removes a failed save's temporary; a failure to remove it travels with the save's own error. */
    private static void discard(Path tmp, Throwable failure) {
        try {
            Files.deleteIfExists(tmp);
        } catch (IOException e) {
            failure.addSuppressed(e);
        }
    }

    private static final java.util.concurrent.atomic.AtomicLong TEMPORARIES = new java.util.concurrent.atomic.AtomicLong();

    /** Deletes {@code <name>.<pid>-<n>.tmp} files that a killed writer of the same target left behind. */
    private static void removeStaleTemporaries(Path dir, String name) throws IOException {
        String prefix = name + ".";
        try (java.util.stream.Stream<Path> files = Files.list(dir)) {
            for (Path p : files.toList()) {
                String f = p.getFileName().toString();
                if (!f.startsWith(prefix) || !f.endsWith(".tmp")) continue;
                String owner = f.substring(prefix.length(), f.length() - ".tmp".length());
                int dash = owner.indexOf('-');
                if (dash <= 0 || !owner.substring(0, dash).matches("[0-9]+")) continue;
                long pid = Long.parseLong(owner.substring(0, dash));
                if (pid != ProcessHandle.current().pid() && ProcessHandle.of(pid).isEmpty()) Files.deleteIfExists(p);
            }
        }
    }

    private static void writeAll(FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) ch.write(b);
    }

    private static ByteBuffer encode(Tensor t) {
        ByteBuffer b = ByteBuffer.allocate(Math.toIntExact(t.numel() * 4)).order(ByteOrder.LITTLE_ENDIAN);
        if (t.dtype() == DType.F32) b.asFloatBuffer().put(t.toFloatArray());
        else b.asIntBuffer().put(t.toIntArray());
        return b;
    }

    /** Reads every tensor onto {@code backend}; a corrupt or truncated file is reported with its name and offset. */
    public static Contents load(Path file, Backend backend) throws IOException {
        long size = Files.size(file);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            if (size < 8) throw new IOException(file + ": truncated safetensors file (" + size + " bytes, no header length)");
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readAll(ch, lenBuf, 0);
            long headerLen = lenBuf.getLong(0);
            if (headerLen < 2 || headerLen > MAX_HEADER || 8 + headerLen > size) {
                throw new IOException(file + ": corrupt or truncated safetensors header: length " + headerLen
                        + " at offset 0 but the file has " + size + " bytes");
            }
            ByteBuffer hb = ByteBuffer.allocate((int) headerLen);
            readAll(ch, hb, 8);
            JsonObject header;
            try {
                JsonElement parsed = JsonParser.parseString(new String(hb.array(), StandardCharsets.UTF_8));
                header = parsed.getAsJsonObject();
            } catch (JsonParseException | IllegalStateException e) {
                throw new IOException(file + ": corrupt safetensors header (bytes 8.." + (8 + headerLen) + "): " + e.getMessage(), e);
            }
            long dataStart = 8 + headerLen;
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            Map<String, String> metadata = new LinkedHashMap<>();
            for (Map.Entry<String, JsonElement> e : header.entrySet()) {
                if (e.getKey().equals(METADATA)) {
                    if (!e.getValue().isJsonObject()) throw new IOException(file + ": __metadata__ is not an object of strings");
                    for (Map.Entry<String, JsonElement> m : e.getValue().getAsJsonObject().entrySet()) {
                        if (!m.getValue().isJsonPrimitive() || !m.getValue().getAsJsonPrimitive().isString()) {
                            throw new IOException(file + ": metadata value '" + m.getKey() + "' is not a string (safetensors "
                                    + "metadata maps strings to strings)");
                        }
                        metadata.put(m.getKey(), m.getValue().getAsString());
                    }
                    continue;
                }
                tensors.put(e.getKey(), readTensor(file, ch, e.getKey(), e.getValue(), dataStart, size, backend));
            }
            return new Contents(tensors, metadata);
        }
    }

    /** The tensor's byte count; a negative dimension or more elements than one Java array holds is named as such. */
    private static long checkedBytes(Path file, String name, int[] shape, DType dtype) throws IOException {
        long n = 1;
        for (int d : shape) {
            if (d < 0) throw new IOException(file + ": tensor '" + name + "' has a negative dimension in shape " + Shape.str(shape));
            try {
                n = Math.multiplyExact(n, d);
            } catch (ArithmeticException e) {
                n = Long.MAX_VALUE;
            }
        }
        if (n > Integer.MAX_VALUE - 8) {
            throw new IOException(file + ": tensor '" + name + "' of shape " + Shape.str(shape) + " has more elements than "
                    + "Stride loads into one tensor (2^31 - 9)");
        }
        return n * dtype.bytes();
    }

    private static Tensor readTensor(Path file, FileChannel ch, String name, JsonElement spec, long dataStart, long size,
                                     Backend backend) throws IOException {
        DType dtype;
        int[] shape;
        long begin;
        long end;
        try {
            JsonObject o = spec.getAsJsonObject();
            dtype = DType.fromSafetensors(o.get("dtype").getAsString());
            JsonArray s = o.getAsJsonArray("shape");
            shape = new int[s.size()];
            for (int i = 0; i < shape.length; i++) shape[i] = s.get(i).getAsInt();
            JsonArray r = o.getAsJsonArray("data_offsets");
            begin = r.get(0).getAsLong();
            end = r.get(1).getAsLong();
        } catch (RuntimeException e) {
            throw new IOException(file + ": corrupt header entry for tensor '" + name + "': " + e.getMessage(), e);
        }
        long bytes = checkedBytes(file, name, shape, dtype);
        if (end - begin != bytes || begin < 0) {
            throw new IOException(file + ": tensor '" + name + "' of shape " + Shape.str(shape) + " " + dtype
                    + " needs " + bytes + " bytes but its data_offsets are [" + begin + ", " + end + "]");
        }
        if (dataStart + end > size) {
            throw new IOException(file + ": truncated: tensor '" + name + "' ends at offset " + (dataStart + end)
                    + " but the file has " + size + " bytes");
        }
        ByteBuffer b = ByteBuffer.allocate((int) bytes).order(ByteOrder.LITTLE_ENDIAN);
        readAll(ch, b, dataStart + begin);
        b.flip();
        int n = (int) Shape.numel(shape);
        if (dtype == DType.F32) {
            float[] v = new float[n];
            b.asFloatBuffer().get(v);
            return Tensor.of(backend, v, shape);
        }
        int[] v = new int[n];
        b.asIntBuffer().get(v);
        return Tensor.ofInts(backend, v, shape);
    }

    private static void readAll(FileChannel ch, ByteBuffer b, long position) throws IOException {
        long pos = position;
        while (b.hasRemaining()) {
            int n = ch.read(b, pos);
            if (n < 0) throw new IOException("unexpected end of file at offset " + pos);
            pos += n;
        }
    }
}
