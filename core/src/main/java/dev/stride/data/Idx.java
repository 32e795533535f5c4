package dev.stride.data;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;

/**
 * Reads IDX files (the MNIST format), plain or gzip-compressed (detected by content, not name).
 * Header: two zero bytes, a type code (0x08 unsigned byte, 0x09 signed byte, 0x0C int32, 0x0D float32),
 * the rank, then one big-endian int32 per dimension, then the data big-endian.
 */
public final class Idx {
    private Idx() {}

    /** An IDX array: its dimensions and its values widened to float. */
    public record Array(int[] dims, float[] values) {
        public int count() {
            return dims[0];
        }

        /** Values as ints (labels). */
        public int[] ints() {
            int[] out = new int[values.length];
            for (int i = 0; i < out.length; i++) out[i] = (int) values[i];
            return out;
        }
    }

    public static Array read(Path file) throws IOException {
        try (InputStream raw = open(file); DataInputStream in = new DataInputStream(new BufferedInputStream(raw, 1 << 16))) {
            return read(file, in);
        } catch (NoSuchFileException e) {
            throw new IOException(file + ": no such IDX file", e);
        } catch (java.util.zip.ZipException e) {
            throw new IOException(file + ": starts like gzip but is not valid gzip (" + e.getMessage() + ")", e);
        }
    }

    private static InputStream open(Path file) throws IOException {
        InputStream in = new BufferedInputStream(Files.newInputStream(file));
        in.mark(2);
        int b0 = in.read();
        int b1 = in.read();
        in.reset();
        return b0 == 0x1f && b1 == 0x8b ? new GZIPInputStream(in, 1 << 16) : in;
    }

    private static Array read(Path file, DataInputStream in) throws IOException {
        byte[] magic = new byte[4];
        readFully(file, in, magic, 0, "the 4-byte magic number");
        if (magic[0] != 0 || magic[1] != 0) {
            throw new IOException(file + ": bad IDX magic " + hex(magic) + " at offset 0 (expected 00 00 <type> <rank>)");
        }
        int type = magic[2] & 0xff;
        int width = switch (type) {
            case 0x08, 0x09 -> 1;
            case 0x0C, 0x0D -> 4;
            default -> throw new IOException(file + ": unsupported IDX type code 0x" + Integer.toHexString(type)
                    + " at offset 2 (Stride reads 0x08, 0x09, 0x0C, 0x0D)");
        };
        int rank = magic[3] & 0xff;
        if (rank == 0) throw new IOException(file + ": IDX rank is 0 at offset 3");
        int[] dims = new int[rank];
        long count = 1;
        for (int i = 0; i < rank; i++) {
            byte[] d = new byte[4];
            readFully(file, in, d, 4 + 4L * i, "dimension " + i);
            dims[i] = ((d[0] & 0xff) << 24) | ((d[1] & 0xff) << 16) | ((d[2] & 0xff) << 8) | (d[3] & 0xff);
            if (dims[i] < 0) throw new IOException(file + ": negative dimension " + dims[i] + " at offset " + (4 + 4L * i));
            count *= dims[i];
        }
        if (count * width > Integer.MAX_VALUE - 8) throw new IOException(file + ": " + Arrays.toString(dims) + " is too large");
        long dataStart = 4 + 4L * rank;
        byte[] data = new byte[(int) (count * width)];
        readFully(file, in, data, dataStart, count + " values of shape " + Arrays.toString(dims));
        if (in.read() != -1) {
            throw new IOException(file + ": trailing bytes after offset " + (dataStart + data.length) + " (shape " + Arrays.toString(dims) + ")");
        }
        return new Array(dims, decode(type, data, (int) count));
    }

    private static float[] decode(int type, byte[] data, int count) {
        float[] out = new float[count];
        for (int i = 0; i < count; i++) {
            out[i] = switch (type) {
                case 0x08 -> data[i] & 0xff;
                case 0x09 -> data[i];
                default -> {
                    int v = ((data[4 * i] & 0xff) << 24) | ((data[4 * i + 1] & 0xff) << 16) | ((data[4 * i + 2] & 0xff) << 8) | (data[4 * i + 3] & 0xff);
                    yield type == 0x0C ? v : Float.intBitsToFloat(v);
                }
            };
        }
        return out;
    }

    private static void readFully(Path file, DataInputStream in, byte[] buf, long offset, String what) throws IOException {
        int got = 0;
        while (got < buf.length) {
            int n;
            try {
                n = in.read(buf, got, buf.length - got);
            } catch (EOFException e) {
                n = -1;
            }
            if (n < 0) {
                throw new IOException(file + ": truncated at offset " + (offset + got) + " while reading " + what
                        + " (needed " + buf.length + " bytes, got " + got + ")");
            }
            got += n;
        }
    }

    private static String hex(byte[] b) {
        StringBuilder sb = new StringBuilder();
        for (byte x : b) sb.append(String.format("%02x ", x & 0xff));
        return sb.toString().trim();
    }

    /** Writes an unsigned-byte IDX file, gzip-compressed when the name ends in {@code .gz}. */
    public static void writeUbyte(Path file, int[] dims, byte[] data) throws IOException {
        try (var os = Files.newOutputStream(file);
             var out = new java.io.DataOutputStream(file.toString().endsWith(".gz") ? new java.util.zip.GZIPOutputStream(os) : os)) {
            out.writeShort(0);
            out.writeByte(0x08);
            out.writeByte(dims.length);
            for (int d : dims) out.writeInt(d);
            out.write(data);
        }
    }
}
