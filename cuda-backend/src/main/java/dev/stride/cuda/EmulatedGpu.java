package dev.stride.cuda;

import dev.stride.kernels.emu.Emulator;
import dev.stride.kernels.emu.PtxException;
import dev.stride.kernels.emu.PtxModule;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The PTX emulator behind the {@link Gpu} interface: every kernel the backend launches runs instruction by
 * instruction on the CPU, with bounds-checked memory whose errors name kernel, thread and address. Synchronous,
 * and slow (tens of millions of thread-instructions a second): for tests and for trying the backend anywhere.
 */
final class EmulatedGpu implements Gpu {
    private final Emulator emu;
    private final long memory;
    private final int multiprocessors;
    private long used;
    private final java.util.Map<Long, Long> sizes = new java.util.HashMap<>();

    private Emulator.Counters last;

    /** {@code memory}: the device size to emulate, in bytes (held in the Java heap as it is used). */
    EmulatedGpu(long memory) {
        this(memory, false);
    }

    /** With {@code countSectors}, every launch also counts the 32-byte sectors of each warp request (slower). */
    EmulatedGpu(long memory, boolean countSectors) {
        this(memory, countSectors, 80);
    }

    /** {@code multiprocessors}: what the device claims to have (the backend sizes GEMM tiles and batch-norm runs by it). */
    EmulatedGpu(long memory, boolean countSectors, int multiprocessors) {
        this.memory = memory;
        this.emu = new Emulator().countSectors(countSectors);
        this.multiprocessors = multiprocessors;
    }

    @Override
    public int multiprocessors() {
        return multiprocessors;
    }

    /** Runs each block's threads in a fresh random order at every scheduling pass (seeded), to shake out races. */
    EmulatedGpu shuffled(long seed) {
        emu.randomizeThreadOrder(seed);
        return this;
    }

    /** The counters of the most recent launch. */
    Emulator.Counters lastLaunch() {
        return last;
    }

    /** The counters of every launch so far, added up: an op of several launches is the difference across it. */
    Emulator.Counters launched() {
        return total;
    }

    private Emulator.Counters total = Emulator.Counters.NONE;

    @Override
    public String describe() {
        return "PTX emulator (" + (memory >> 20) + " MiB device memory)";
    }

    @Override
    public long totalMemory() {
        return memory;
    }

    @Override
    public long malloc(long bytes) {
        if (used + bytes > memory) {
            throw new GpuException.OutOfMemory("emulated device: " + bytes + " bytes requested, " + (memory - used) + " of " + memory + " free");
        }
        long a = emu.malloc(Math.max(bytes, 1));
        sizes.put(a, bytes);
        used += bytes;
        return a;
    }

    @Override
    public void free(long address) {
        Long bytes = sizes.remove(address);
        if (bytes == null) throw new GpuException("cuMemFree: 0x" + Long.toHexString(address) + " is not an allocation");
        used -= bytes;
        emu.free(address);
    }

    private static ByteBuffer buffer(int n) {
        return ByteBuffer.allocate(n * 4).order(ByteOrder.LITTLE_ENDIAN);
    }

    @Override
    public void toDevice(long address, float[] src, int offset, int n) {
        ByteBuffer b = buffer(n);
        b.asFloatBuffer().put(src, offset, n);
        emu.write(address, b.array(), 0, n * 4);
    }

    @Override
    public void toDevice(long address, int[] src, int offset, int n) {
        ByteBuffer b = buffer(n);
        b.asIntBuffer().put(src, offset, n);
        emu.write(address, b.array(), 0, n * 4);
    }

    @Override
    public void toHost(long address, float[] dst, int offset, int n) {
        ByteBuffer b = buffer(n);
        emu.read(address, b.array(), 0, n * 4);
        b.asFloatBuffer().get(dst, offset, n);
    }

    @Override
    public void toHost(long address, int[] dst, int offset, int n) {
        ByteBuffer b = buffer(n);
        emu.read(address, b.array(), 0, n * 4);
        b.asIntBuffer().get(dst, offset, n);
    }

    @Override
    public void copy(long dst, long src, long bytes) {
        if (bytes > 0) emu.copy(dst, src, bytes);
    }

    @Override
    public void zero(long address, long bytes) {
        if (bytes > 0) emu.memset(address, (byte) 0, bytes);
    }

    @Override
    public Object load(String name, String ptx) {
        return emu.load(ptx, name);
    }

    /** Launches and thread-instructions per kernel so far: where emulated time goes. */
    java.util.Map<String, long[]> profile() {
        return java.util.Collections.unmodifiableMap(profile);
    }

    private final java.util.Map<String, long[]> profile = new java.util.TreeMap<>();

    @Override
    public void launch(Object module, String kernel, int[] grid, int[] block, int sharedBytes, Object... args) {
        try {
            Emulator.Counters c = emu.launch((PtxModule) module, kernel, grid, block, sharedBytes, args);
            last = c;
            total = total.plus(c);
            long[] p = profile.computeIfAbsent(kernel, k -> new long[2]);
            p[0]++;
            p[1] += c.instructions();
        } catch (PtxException e) {
            throw new GpuException("launch of " + kernel + " (grid " + java.util.Arrays.toString(grid) + ", block "
                    + java.util.Arrays.toString(block) + ") failed: " + e.getMessage(), e);
        }
    }

    @Override
    public void synchronize() {}
}
