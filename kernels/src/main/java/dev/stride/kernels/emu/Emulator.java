package dev.stride.kernels.emu;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Runs PTX kernels on the CPU. Each thread has its own registers and program counter and runs until it reaches
 * {@code bar.sync} or exits; a block's barrier opens when every thread that has not exited is waiting at it.
 * Blocks run one after another. Every global and shared access is bounds- and alignment-checked, and an error
 * names the kernel, block, thread, PTX line and address. Counters record instructions, global bytes and the
 * 32-byte sectors each warp-level memory request touches.
 */
public final class Emulator {
    private static final VarHandle I32 = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle I64 = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long STEP_LIMIT = 100_000_000L;

    private final DeviceMemory memory = new DeviceMemory();
    private final Map<PtxModule, Map<String, Long>> moduleGlobals = new java.util.IdentityHashMap<>();
    private java.util.SplittableRandom order;
    private boolean sectorCounting = true;

    /**
     * Runs the threads of each block in a fresh random order at every scheduling pass, to shake out races that
     * one fixed order hides; {@code seed} makes a failing order reproducible.
     */
    public Emulator randomizeThreadOrder(long seed) {
        order = new java.util.SplittableRandom(seed);
        return this;
    }

    /**
     * Whether launches count the 32-byte sectors of each warp-level request (on by default). Counting groups every
     * global access into sets, which costs more than running the instruction; a backend that only needs results
     * turns it off.
     */
    public Emulator countSectors(boolean on) {
        sectorCounting = on;
        return this;
    }

    /** The device address of a module-level {@code .global} variable (zero-initialized on first use). */
    public long globalAddress(PtxModule module, String name) {
        Map<String, Long> g = moduleGlobals.computeIfAbsent(module, m -> {
            Map<String, Long> out = new HashMap<>();
            m.globals.forEach((n, size) -> out.put(n, memory.allocate(size)));
            return out;
        });
        Long addr = g.get(name);
        if (addr == null) throw new IllegalArgumentException(module.name() + ": no .global variable " + name);
        return addr;
    }

    /** What one launch did. {@code sectors} sums, over warp-level global requests, the distinct 32-byte sectors touched. */
    public record Counters(long instructions, long bytesRead, long bytesWritten, long requests, long sectors) {
        public static final Counters NONE = new Counters(0, 0, 0, 0, 0);

        /** This and {@code o} together: what two launches did. */
        public Counters plus(Counters o) {
            return new Counters(instructions + o.instructions, bytesRead + o.bytesRead, bytesWritten + o.bytesWritten,
                    requests + o.requests, sectors + o.sectors);
        }

        /** What was done since {@code earlier}, a total taken before this one. */
        public Counters minus(Counters earlier) {
            return new Counters(instructions - earlier.instructions, bytesRead - earlier.bytesRead,
                    bytesWritten - earlier.bytesWritten, requests - earlier.requests, sectors - earlier.sectors);
        }
    }

    public PtxModule load(String ptx, String name) {
        return PtxModule.parse(ptx, name);
    }

    public long malloc(long bytes) {
        return memory.allocate(bytes);
    }

    public void free(long ptr) {
        memory.free(ptr);
    }

    public void write(long ptr, float[] data) {
        byte[] b = memory.bytes(ptr);
        for (int i = 0; i < data.length; i++) I32.set(b, i * 4, Float.floatToRawIntBits(data[i]));
    }

    /** Device-to-device copy of {@code bytes} bytes; both ranges must lie inside allocations. */
    public void copy(long dst, long src, long bytes) {
        StringBuilder why = new StringBuilder();
        byte[] from = memory.find(src, (int) bytes, why);
        if (from == null) throw new IllegalArgumentException("emulator: copy source 0x" + Long.toHexString(src) + " of " + bytes + " bytes is " + why);
        byte[] to = memory.find(dst, (int) bytes, why);
        if (to == null) throw new IllegalArgumentException("emulator: copy destination 0x" + Long.toHexString(dst) + " of " + bytes + " bytes is " + why);
        System.arraycopy(from, (int) memory.offset(src), to, (int) memory.offset(dst), (int) bytes);
    }

    /** Sets {@code bytes} bytes from {@code ptr} to {@code value}. */
    public void memset(long ptr, byte value, long bytes) {
        StringBuilder why = new StringBuilder();
        byte[] to = memory.find(ptr, (int) bytes, why);
        if (to == null) throw new IllegalArgumentException("emulator: memset of 0x" + Long.toHexString(ptr) + ", " + bytes + " bytes is " + why);
        int at = (int) memory.offset(ptr);
        java.util.Arrays.fill(to, at, at + (int) bytes, value);
    }

    public void write(long ptr, long[] data) {
        byte[] b = memory.bytes(ptr);
        for (int i = 0; i < data.length; i++) I64.set(b, i * 8, data[i]);
    }

    public void write(long ptr, int[] data) {
        byte[] b = memory.bytes(ptr);
        for (int i = 0; i < data.length; i++) I32.set(b, i * 4, data[i]);
    }

    /** Copies {@code len} bytes from the host into device memory at {@code addr} (anywhere inside an allocation). */
    public void write(long addr, byte[] src, int off, int len) {
        System.arraycopy(src, off, range("write", addr, len), (int) memory.offset(addr), len);
    }

    /** Copies {@code len} bytes of device memory at {@code addr} to the host. */
    public void read(long addr, byte[] dst, int off, int len) {
        System.arraycopy(range("read", addr, len), (int) memory.offset(addr), dst, off, len);
    }

    private byte[] range(String op, long addr, int len) {
        StringBuilder why = new StringBuilder();
        byte[] b = memory.find(addr, len, why);
        if (b == null) throw new IllegalArgumentException("emulator: " + op + " of " + len + " bytes at 0x" + Long.toHexString(addr) + " is " + why);
        return b;
    }

    public float[] readFloats(long ptr, int n) {
        byte[] b = memory.bytes(ptr);
        float[] out = new float[n];
        for (int i = 0; i < n; i++) out[i] = Float.intBitsToFloat((int) I32.get(b, i * 4));
        return out;
    }

    /** A thread's state. */
    static final class Thread {
        final long[] r;
        final int[] id = new int[3];
        final int linear;
        final int[] occurrences;
        int pc;
        boolean exited;
        boolean waiting;
        boolean collective;

        Thread(int regs, int linear, int insns) {
            this.r = new long[regs];
            this.linear = linear;
            this.occurrences = insns == 0 ? null : new int[insns];
        }
    }

    /** Launch state shared by a block's threads. */
    final class Launch {
        final PtxModule.Kernel k;
        final String module;
        final int[] grid;
        final int[] block;
        final byte[] params;
        final int[] ctaid = new int[3];
        byte[] shared;
        boolean[] sharedWritten;
        long instructions;
        long read;
        long written;
        final Map<Long, Set<Long>> sectors = new HashMap<>();

        Launch(PtxModule.Kernel k, String module, int[] grid, int[] block, byte[] params) {
            this.k = k;
            this.module = module;
            this.grid = grid;
            this.block = block;
            this.params = params;
        }

        PtxException error(Thread t, Insn in, String what) {
            return new PtxException(module + ": kernel " + k.name + ", block (" + ctaid[0] + "," + ctaid[1] + "," + ctaid[2]
                    + "), thread (" + t.id[0] + "," + t.id[1] + "," + t.id[2] + "), line " + in.line + " `" + in.text + "`: " + what);
        }
    }

    /**
     * Launches {@code kernel} over {@code grid} blocks of {@code block} threads; {@code args} are Integer (32-bit),
     * Long (64-bit and pointers), Float, Double, or byte[] for a struct passed by value, in parameter order.
     */
    public Counters launch(PtxModule module, String kernel, int[] grid, int[] block, int dynamicShared, Object... args) {
        PtxModule.Kernel k = module.kernel(kernel);
        if (args.length != k.params.size()) {
            throw new IllegalArgumentException(module.name() + ": kernel " + kernel + " takes " + k.params.size() + " arguments, got " + args.length);
        }
        byte[] params = new byte[Math.max(k.paramBytes, 8)];
        for (int i = 0; i < args.length; i++) {
            PtxModule.Param p = k.params.get(i);
            Object a = args[i];
            if (a instanceof byte[] struct) {
                if (struct.length != p.size()) {
                    throw new IllegalArgumentException(kernel + ": parameter " + p.name() + " takes " + p.size() + " bytes, got " + struct.length);
                }
                System.arraycopy(struct, 0, params, p.offset(), struct.length);
                continue;
            }
            long bits = a instanceof Float f ? Float.floatToRawIntBits(f) & 0xFFFFFFFFL
                    : a instanceof Double d ? Double.doubleToRawLongBits(d) : ((Number) a).longValue();
            if (p.size() == 8) I64.set(params, p.offset(), bits);
            else if (p.size() == 4) I32.set(params, p.offset(), (int) bits);
            else throw new IllegalArgumentException(kernel + ": parameter " + p.name() + " of " + p.size() + " bytes cannot be passed as " + a);
        }
        Launch l = new Launch(k, module.name(), grid, block, params);
        int threads = block[0] * block[1] * block[2];
        for (int z = 0; z < grid[2]; z++) {
            for (int y = 0; y < grid[1]; y++) {
                for (int x = 0; x < grid[0]; x++) {
                    l.ctaid[0] = x;
                    l.ctaid[1] = y;
                    l.ctaid[2] = z;
                    runBlock(l, threads, dynamicShared);
                }
            }
        }
        long sectorCount = 0;
        for (Set<Long> s : l.sectors.values()) sectorCount += s.size();
        return new Counters(l.instructions, l.read, l.written, l.sectors.size(), sectorCount);
    }

    private void runBlock(Launch l, int threads, int dynamicShared) {
        l.shared = new byte[l.k.sharedBytes + dynamicShared];
        l.sharedWritten = new boolean[l.shared.length];
        Thread[] ts = new Thread[threads];
        for (int i = 0; i < threads; i++) {
            ts[i] = new Thread(l.k.registers.size(), i, sectorCounting ? l.k.insns.length : 0);
            ts[i].id[0] = i % l.block[0];
            ts[i].id[1] = (i / l.block[0]) % l.block[1];
            ts[i].id[2] = i / (l.block[0] * l.block[1]);
        }
        int[] pass = new int[threads];
        for (int i = 0; i < threads; i++) pass[i] = i;
        while (true) {
            if (order != null) {
                for (int i = threads - 1; i > 0; i--) {
                    int j = order.nextInt(i + 1);
                    int x = pass[i];
                    pass[i] = pass[j];
                    pass[j] = x;
                }
            }
            for (int i : pass) {
                Thread t = ts[i];
                if (!t.exited && !t.waiting && !t.collective) run(l, t);
            }
            if (Collectives.fire(l.k, ts, this, l)) continue;
            int alive = 0;
            int atBarrier = 0;
            for (Thread t : ts) {
                if (!t.exited) alive++;
                if (t.waiting) atBarrier++;
            }
            if (alive == 0) return;
            if (atBarrier == alive) {
                for (Thread t : ts) t.waiting = false;
                continue;
            }
            throw deadlock(l, ts);
        }
    }

    private PtxException deadlock(Launch l, Thread[] ts) {
        StringBuilder sb = new StringBuilder(l.module + ": kernel " + l.k.name + ", block (" + l.ctaid[0] + "," + l.ctaid[1] + ","
                + l.ctaid[2] + "): deadlock:");
        Map<String, Integer> where = new java.util.TreeMap<>();
        for (Thread t : ts) {
            if (t.exited) continue;
            Insn in = l.k.insns[t.pc - (t.waiting ? 1 : 0)];
            String what = (t.waiting ? " at the barrier on line " : " in a warp collective on line ") + in.line + " `" + in.text + "`";
            where.merge(what, 1, Integer::sum);
            if (where.get(what) == 1) where.put(what + " (first: thread " + t.id[0] + "," + t.id[1] + "," + t.id[2] + ")", 0);
        }
        where.forEach((k, n) -> {
            if (n > 0) sb.append(' ').append(n).append(" threads").append(k).append(';');
        });
        where.forEach((k, n) -> {
            if (n == 0) sb.append(k.substring(k.indexOf("(first"))).append(';');
        });
        return new PtxException(sb.toString());
    }

    private void run(Launch l, Thread t) {
        Insn[] code = l.k.insns;
        long steps = 0;
        while (true) {
            if (t.pc >= code.length) {
                t.exited = true;
                return;
            }
            Insn in = code[t.pc];
            if (++steps > STEP_LIMIT) throw l.error(t, in, "more than " + STEP_LIMIT + " instructions without reaching a barrier or exit");
            if (in.guard >= 0 && ((t.r[in.guard] != 0) == in.guardNegated)) {
                t.pc++;
                continue;
            }
            l.instructions++;
            switch (in.op) {
                case BRA -> {
                    t.pc = in.target;
                    continue;
                }
                case RET, EXIT -> {
                    t.exited = true;
                    return;
                }
                case BAR -> {
                    t.pc++;
                    t.waiting = true;
                    return;
                }
                case SHFL, VOTE -> {
                    l.instructions--;
                    t.collective = true;
                    return;
                }
                case MEMBAR -> {
                    // Blocks and threads run one at a time, so every write is already visible.
                }
                case ATOM, RED -> atomic(l, t, in);
                case LD -> load(l, t, in);
                case ST -> store(l, t, in);
                default -> {
                    Insn.Operand[] ops = in.ops;
                    long a = ops.length > 1 ? value(in, 1, t, l) : 0;
                    long b = ops.length > 2 ? value(in, 2, t, l) : 0;
                    long c = ops.length > 3 ? value(in, 3, t, l) : 0;
                    t.r[ops[0].reg] = Alu.execute(in, a, b, c);
                }
            }
            t.pc++;
        }
    }

    /** Reads operand {@code i} of {@code in} as raw bits. */
    long value(Insn in, int i, Thread t, Launch l) {
        Insn.Operand o = in.ops[i];
        if (o.kind == Insn.REG) return t.r[o.reg];
        if (o.kind == Insn.IMM) return o.imm;
        return switch (o.kind) {
            case Insn.REG -> t.r[o.reg];
            case Insn.IMM -> o.imm;
            case Insn.SPECIAL -> special(l, t, o.special);
            case Insn.SYMBOL -> symbolAddress(l, o.symbol);
            default -> throw l.error(t, in, "operand " + i + " is not a value");
        };
    }

    private static long special(Launch l, Thread t, int s) {
        return switch (s) {
            case 0, 1, 2 -> t.id[s];
            case 3, 4, 5 -> l.block[s - 3];
            case 6, 7, 8 -> l.ctaid[s - 6];
            case 9, 10, 11 -> l.grid[s - 9];
            case 12 -> t.linear % 32;
            default -> t.linear / 32;
        };
    }

    private long symbolAddress(Launch l, String symbol) {
        Integer shared = l.k.shared.get(symbol);
        if (shared != null) return shared;
        if (l.k.module.globals.containsKey(symbol)) return globalAddress(l.k.module, symbol);
        for (PtxModule.Param p : l.k.params) if (p.name().equals(symbol)) return p.offset();
        throw new PtxException(l.k.name + ": unknown symbol " + symbol);
    }

    private long address(Launch l, Thread t, Insn in, Insn.Operand a) {
        long base = a.base >= 0 ? t.r[a.base] : symbolAddress(l, a.symbol);
        return base + a.offset;
    }

    /** Read-modify-write: blocks and threads run one at a time, so no other access can interleave. */
    private void atomic(Launch l, Thread t, Insn in) {
        boolean red = in.op == Insn.Op.RED;
        int addrOp = red ? 0 : 1;
        int width = in.bytes;
        long addr = address(l, t, in, in.ops[addrOp]);
        byte[] mem = memory(l, t, in, addr, width, true);
        int at = offsetIn(in, addr);
        long old = readBits(mem, at, width, Insn.signed(in.t));
        long b = value(in, addrOp + 1, t, l);
        long next = Alu.atomic(in, old, b, in.ops.length > addrOp + 2 ? value(in, addrOp + 2, t, l) : 0);
        writeBits(mem, at, width, next);
        if (!red) t.r[in.ops[0].reg] = old;
        if (in.spaceCode == Insn.GLOBAL) {
            l.read += width;
            l.written += width;
            if (sectorCounting) countSectors(l, t, addr, width);
        }
    }

    private void load(Launch l, Thread t, Insn in) {
        int width = in.bytes;
        int lanes = in.lanes;
        long addr = address(l, t, in, in.ops[1]);
        byte[] mem = memory(l, t, in, addr, width * lanes, false);
        int at = offsetIn(in, addr);
        if (in.spaceCode == Insn.SHARED) {
            for (int i = 0; i < width * lanes; i++) {
                if (!l.sharedWritten[at + i]) {
                    throw l.error(t, in, "read of shared memory never written, at byte " + (at + i) + " of the block's shared memory");
                }
            }
        }
        Insn.Operand dst = in.ops[0];
        boolean signed = Insn.signed(in.t);
        for (int v = 0; v < lanes; v++) {
            long bits = readBits(mem, at + v * width, width, signed);
            t.r[lanes == 1 ? dst.reg : dst.vec[v]] = bits;
        }
        if (in.spaceCode == Insn.GLOBAL) {
            l.read += (long) width * lanes;
            if (sectorCounting) countSectors(l, t, addr, width * lanes);
        }
    }

    private void store(Launch l, Thread t, Insn in) {
        int width = in.bytes;
        int lanes = in.lanes;
        long addr = address(l, t, in, in.ops[0]);
        byte[] mem = memory(l, t, in, addr, width * lanes, true);
        int at = offsetIn(in, addr);
        if (in.spaceCode == Insn.SHARED) java.util.Arrays.fill(l.sharedWritten, at, at + width * lanes, true);
        Insn.Operand src = in.ops[1];
        for (int v = 0; v < lanes; v++) {
            long bits = src.kind == Insn.VEC ? t.r[src.vec[v]] : value(in, 1, t, l);
            writeBits(mem, at + v * width, width, bits);
        }
        if (in.spaceCode == Insn.GLOBAL) {
            l.written += (long) width * lanes;
            if (sectorCounting) countSectors(l, t, addr, width * lanes);
        }
    }

    private int offsetIn(Insn in, long addr) {
        return in.spaceCode == Insn.GLOBAL ? (int) memory.offset(addr) : (int) addr;
    }

    private static String access(Insn in, long addr, int size, boolean store) {
        return in.space() + " " + (store ? "store" : "load") + " of " + size + " bytes at 0x" + Long.toHexString(addr);
    }

    private byte[] memory(Launch l, Thread t, Insn in, long addr, int size, boolean store) {
        int align = Math.min(size, 16);
        if ((addr & (align - 1)) != 0) {
            throw l.error(t, in, access(in, addr, size, store) + " is misaligned (needs " + align + "-byte alignment)");
        }
        switch (in.spaceCode) {
            case Insn.PARAM -> {
                if (store || addr < 0 || addr + size > l.params.length) {
                    throw l.error(t, in, access(in, addr, size, store) + " is outside the parameter buffer");
                }
                return l.params;
            }
            case Insn.SHARED -> {
                if (addr < 0 || addr + size > l.shared.length) {
                    throw l.error(t, in, access(in, addr, size, store) + " is outside the block's " + l.shared.length + " bytes of shared memory");
                }
                return l.shared;
            }
            case Insn.GLOBAL -> {
                byte[] b = memory.find(addr, size, null);
                if (b == null) {
                    StringBuilder why = new StringBuilder();
                    memory.find(addr, size, why);
                    throw l.error(t, in, "out of bounds: " + access(in, addr, size, store) + " is " + why);
                }
                return b;
            }
            default -> throw l.error(t, in, "unsupported state space ." + in.space());
        }
    }

    private static long readBits(byte[] m, int at, int width, boolean signed) {
        return switch (width) {
            case 1 -> signed ? m[at] : m[at] & 0xFFL;
            case 2 -> {
                int v = (m[at] & 0xFF) | (m[at + 1] << 8);
                yield signed ? (short) v : v & 0xFFFFL;
            }
            case 4 -> signed ? (int) I32.get(m, at) : ((int) I32.get(m, at)) & 0xFFFFFFFFL;
            default -> (long) I64.get(m, at);
        };
    }

    private static void writeBits(byte[] m, int at, int width, long bits) {
        switch (width) {
            case 1 -> m[at] = (byte) bits;
            case 2 -> {
                m[at] = (byte) bits;
                m[at + 1] = (byte) (bits >>> 8);
            }
            case 4 -> I32.set(m, at, (int) bits);
            default -> I64.set(m, at, bits);
        }
    }

    /** Groups accesses by (warp, instruction, how many times this thread executed it), as one warp-wide request. */
    private static void countSectors(Launch l, Thread t, long addr, int size) {
        int occurrence = t.occurrences[t.pc]++;
        long key = (((long) (t.linear / 32) * l.k.insns.length + t.pc) << 24) ^ occurrence
                ^ ((long) (l.ctaid[0] + 65536L * l.ctaid[1]) << 44);
        Set<Long> s = l.sectors.computeIfAbsent(key, x -> new HashSet<>());
        for (long a = addr >>> 5; a <= (addr + size - 1) >>> 5; a++) s.add(a);
    }
}
