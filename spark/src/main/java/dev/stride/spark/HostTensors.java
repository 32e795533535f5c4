package dev.stride.spark;

import dev.stride.backend.Backend;
import dev.stride.tensor.DType;
import dev.stride.tensor.Tensor;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Named tensors copied to plain arrays, the form in which weights, gradients and optimizer state cross between the
 * driver and the executors. F32 values add up (weighted sums); I32 values are counters and merge by maximum.
 */
final class HostTensors implements Serializable {
    private static final long serialVersionUID = 1L;

    record Entry(int[] shape, float[] floats, int[] ints) implements Serializable {
        private static final long serialVersionUID = 1L;
    }

    transient LinkedHashMap<String, Entry> entries = new LinkedHashMap<>();

    /** Values as bulk bytes: Java serialization writes a float[] one element at a time, 5x slower for a model's weights. */
    private void writeObject(ObjectOutputStream out) throws IOException {
        out.writeInt(entries.size());
        for (Map.Entry<String, Entry> e : entries.entrySet()) {
            Entry v = e.getValue();
            out.writeUTF(e.getKey());
            out.writeObject(v.shape);
            out.writeBoolean(v.floats != null);
            int n = v.floats != null ? v.floats.length : v.ints.length;
            ByteBuffer b = ByteBuffer.allocate(4 * n);
            if (v.floats != null) b.asFloatBuffer().put(v.floats);
            else b.asIntBuffer().put(v.ints);
            out.writeObject(b.array());
        }
    }

    private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
        entries = new LinkedHashMap<>();
        int count = in.readInt();
        for (int i = 0; i < count; i++) {
            String name = in.readUTF();
            int[] shape = (int[]) in.readObject();
            boolean floats = in.readBoolean();
            ByteBuffer b = ByteBuffer.wrap((byte[]) in.readObject());
            if (floats) {
                float[] f = new float[b.capacity() / 4];
                b.asFloatBuffer().get(f);
                entries.put(name, new Entry(shape, f, null));
            } else {
                int[] v = new int[b.capacity() / 4];
                b.asIntBuffer().get(v);
                entries.put(name, new Entry(shape, null, v));
            }
        }
    }

    static HostTensors read(Map<String, Tensor> tensors) {
        HostTensors h = new HostTensors();
        tensors.forEach((k, t) -> h.entries.put(k, t.dtype() == DType.I32
                ? new Entry(t.shape(), null, t.toIntArray()) : new Entry(t.shape(), t.toFloatArray(), null)));
        return h;
    }

    Map<String, Tensor> tensors(Backend be) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        entries.forEach((k, e) -> out.put(k, e.floats != null ? Tensor.of(be, e.floats, e.shape) : Tensor.ofInts(be, e.ints, e.shape)));
        return out;
    }

    /** The entries whose names start with {@code prefix}, with the prefix removed. */
    HostTensors under(String prefix) {
        HostTensors h = new HostTensors();
        entries.forEach((k, e) -> {
            if (k.startsWith(prefix)) h.entries.put(k.substring(prefix.length()), e);
        });
        return h;
    }

    /** Adds {@code other}'s entries under {@code prefix}. */
    HostTensors with(String prefix, HostTensors other) {
        other.entries.forEach((k, e) -> entries.put(prefix + k, e));
        return this;
    }

    /** Multiplies every F32 value by {@code s}, in place. */
    HostTensors scale(float s) {
        for (Entry e : entries.values()) {
            if (e.floats != null) {
                for (int i = 0; i < e.floats.length; i++) e.floats[i] *= s;
            }
        }
        return this;
    }

    /** F32 sums and I32 maxima of two maps of the same names and shapes; an empty map is the identity. */
    static HostTensors merge(HostTensors a, HostTensors b) {
        if (a.entries.isEmpty()) return b;
        if (b.entries.isEmpty()) return a;
        if (!a.entries.keySet().equals(b.entries.keySet())) {
            throw new IllegalStateException("partial results name different tensors: " + a.entries.keySet() + " vs " + b.entries.keySet());
        }
        HostTensors out = new HostTensors();
        a.entries.forEach((k, x) -> {
            Entry y = b.entries.get(k);
            if (x.floats != null) {
                float[] s = new float[x.floats.length];
                for (int i = 0; i < s.length; i++) s[i] = x.floats[i] + y.floats[i];
                out.entries.put(k, new Entry(x.shape, s, null));
            } else {
                int[] m = new int[x.ints.length];
                for (int i = 0; i < m.length; i++) m[i] = Math.max(x.ints[i], y.ints[i]);
                out.entries.put(k, new Entry(x.shape, null, m));
            }
        });
        return out;
    }

    long bytes() {
        long n = 0;
        for (Entry e : entries.values()) n += 4L * (e.floats != null ? e.floats.length : e.ints.length);
        return n;
    }
}
