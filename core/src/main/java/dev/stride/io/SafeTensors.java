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
 *
 * <p>Stride writes F32 and I32. It reads what PyTorch writes too: F64, F16 and BF16 become F32; I64, I16, I8, U8,
 * U16, U32 and BOOL become I32. A value that does not fit (an I64 beyond the I32 range, a finite F64 beyond the F32
 * range) is an error naming the tensor, its dtype, the element and the value; other dtypes (FP8, complex) are
 * named as not loadable, never as a corrupt file.
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
        // Named and created as AtomicFile's are; written through a channel here so the data can be forced to disk.
        Path tmp = AtomicFile.temporaryFor(file);
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
    private static long checkedBytes(Path file, String name, int[] shape, int width) throws IOException {
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
        return n * width;
    }

    /** A dtype as files name it, its width, and what Stride holds it as. */
    private enum FileType {
        F32(4, true), F64(8, true), F16(2, true), BF16(2, true),
        I32(4, false), I64(8, false), I16(2, false), I8(1, false), U8(1, false), U16(2, false), U32(4, false),
        BOOL(1, false);

        final int bytes;
        final boolean floating;

        FileType(int bytes, boolean floating) {
            this.bytes = bytes;
            this.floating = floating;
        }

        DType target() {
            return floating ? DType.F32 : DType.I32;
        }

        static FileType named(String name) {
            for (FileType t : values()) {
                if (t.name().equals(name)) return t;
            }
            return null;
        }
    }

    private static Tensor readTensor(Path file, FileChannel ch, String name, JsonElement spec, long dataStart, long size,
                                     Backend backend) throws IOException {
        FileType dtype;
        String dtypeName;
        int[] shape;
        long begin;
        long end;
        try {
            JsonObject o = spec.getAsJsonObject();
            dtypeName = o.get("dtype").getAsString();
            dtype = FileType.named(dtypeName);
            JsonArray s = o.getAsJsonArray("shape");
            shape = new int[s.size()];
            for (int i = 0; i < shape.length; i++) shape[i] = s.get(i).getAsInt();
            JsonArray r = o.getAsJsonArray("data_offsets");
            begin = r.get(0).getAsLong();
            end = r.get(1).getAsLong();
        } catch (RuntimeException e) {
            throw new IOException(file + ": corrupt header entry for tensor '" + name + "': " + e.getMessage(), e);
        }
        if (dtype == null) {
            throw new IOException(file + ": tensor '" + name + "' has dtype " + dtypeName + ", which Stride does not load "
                    + "(it loads " + java.util.Arrays.toString(FileType.values()) + ")");
        }
        long bytes = checkedBytes(file, name, shape, dtype.bytes);
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
        if (dtype.floating) {
            float[] v = new float[n];
            for (int i = 0; i < n; i++) {
                v[i] = switch (dtype) {
                    case F32 -> b.getFloat();
                    case F16 -> halfToFloat(b.getShort());
                    case BF16 -> Float.intBitsToFloat((b.getShort() & 0xffff) << 16);
                    default -> {
                        double d = b.getDouble();
                        float f = (float) d;
                        if (Double.isFinite(d) && Float.isInfinite(f)) throw doesNotFit(file, name, dtype, i, String.valueOf(d));
                        yield f;
                    }
                };
            }
            return Tensor.of(backend, v, shape);
        }
        int[] v = new int[n];
        for (int i = 0; i < n; i++) {
            v[i] = switch (dtype) {
                case I32 -> b.getInt();
                case I16 -> b.getShort();
                case U16 -> b.getShort() & 0xffff;
                case I8 -> b.get();
                case U8, BOOL -> b.get() & 0xff;
                default -> {
                    long x = dtype == FileType.U32 ? b.getInt() & 0xffffffffL : b.getLong();
                    if (x != (int) x) throw doesNotFit(file, name, dtype, i, String.valueOf(x));
                    yield (int) x;
                }
            };
        }
        return Tensor.ofInts(backend, v, shape);
    }

    private static IOException doesNotFit(Path file, String name, FileType dtype, int element, String value) {
        return new IOException(file + ": tensor '" + name + "' (" + dtype + ") holds " + value + " at element " + element
                + ", which does not fit in Stride's " + dtype.target());
    }

    /** IEEE binary16 to float, subnormals, infinities and NaN included (Float.float16ToFloat arrives in Java 20). */
    static float halfToFloat(short h) {
        int sign = (h >>> 15) & 1;
        int exp = (h >>> 10) & 0x1f;
        int mant = h & 0x3ff;
        float magnitude;
        if (exp == 0) {
            magnitude = mant * 0x1p-24f;
        } else if (exp == 31) {
            magnitude = mant == 0 ? Float.POSITIVE_INFINITY : Float.NaN;
        } else {
            magnitude = Float.intBitsToFloat(((exp + 112) << 23) | (mant << 13));
        }
        return sign == 0 ? magnitude : -magnitude;
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
