package dev.stride.kernels.emu;

import java.util.Map;
import java.util.TreeMap;

/**
 * Emulated global memory: an allocation table of byte arrays at device-like addresses, separated by unmapped
 * gaps so that running off the end of one buffer never lands in the next. Every access is checked.
 */
final class DeviceMemory {
    private static final long BASE = 0x7f00_0000_0000L;
    private static final long GAP = 4096;
    private final TreeMap<Long, byte[]> allocations = new TreeMap<>();
    private long next = BASE;

    long allocate(long bytes) {
        if (bytes < 0 || bytes > Integer.MAX_VALUE - 8) throw new IllegalArgumentException("emulator: cannot allocate " + bytes + " bytes");
        long addr = next;
        allocations.put(addr, new byte[(int) bytes]);
        next = (addr + bytes + GAP + 255) & ~255L;
        return addr;
    }

    void free(long addr) {
        if (allocations.remove(addr) == null) throw new IllegalArgumentException("emulator: free of 0x" + Long.toHexString(addr) + ", which is not an allocation");
    }

    /** The allocation holding {@code [addr, addr + size)}, or null with {@code why} describing the miss. */
    byte[] find(long addr, int size, StringBuilder why) {
        Map.Entry<Long, byte[]> e = allocations.floorEntry(addr);
        if (e != null && addr + size <= e.getKey() + e.getValue().length) return e.getValue();
        if (why == null) return null;
        if (e == null) {
            why.append("below every allocation");
        } else {
            why.append("past the end of the ").append(e.getValue().length).append("-byte allocation at 0x")
                    .append(Long.toHexString(e.getKey())).append(" (offset ").append(addr - e.getKey()).append(')');
        }
        return null;
    }

    long offset(long addr) {
        return addr - allocations.floorKey(addr);
    }

    byte[] bytes(long addr) {
        Map.Entry<Long, byte[]> e = allocations.floorEntry(addr);
        if (e == null || addr != e.getKey()) throw new IllegalArgumentException("emulator: 0x" + Long.toHexString(addr) + " is not an allocation");
        return e.getValue();
    }
}
