package dev.stride.kernels.emu;

/**
 * Warp collectives ({@code shfl.sync}, {@code vote.sync}). A collective fires once every lane of its member
 * mask that has not exited waits at the same instruction; the lanes then read each other's values as PTX
 * specifies, and continue.
 */
final class Collectives {
    private Collectives() {}

    /** Fires every collective that can fire; returns whether any did. */
    static boolean fire(PtxModule.Kernel k, Emulator.Thread[] ts, Emulator emu, Emulator.Launch l) {
        boolean fired = false;
        for (int w = 0; w * 32 < ts.length; w++) {
            int base = w * 32;
            int lanes = Math.min(32, ts.length - base);
            for (int lane = 0; lane < lanes; lane++) {
                Emulator.Thread t = ts[base + lane];
                if (!t.collective) continue;
                Insn in = k.insns[t.pc];
                int mask = (int) emu.value(in, in.ops.length - 1, t, l);
                if (ready(ts, base, lanes, mask, t.pc)) {
                    execute(in, ts, base, lanes, mask, t.pc, emu, l);
                    fired = true;
                }
            }
        }
        return fired;
    }

    private static boolean ready(Emulator.Thread[] ts, int base, int lanes, int mask, int pc) {
        for (int j = 0; j < lanes; j++) {
            if ((mask >>> j & 1) == 0) continue;
            Emulator.Thread o = ts[base + j];
            if (o.exited) continue;
            if (!o.collective || o.pc != pc) return false;
        }
        return true;
    }

    private static void execute(Insn in, Emulator.Thread[] ts, int base, int lanes, int mask, int pc, Emulator emu, Emulator.Launch l) {
        long[] src = new long[32];
        boolean[] part = new boolean[32];
        for (int j = 0; j < lanes; j++) {
            Emulator.Thread o = ts[base + j];
            part[j] = o.collective && o.pc == pc && (mask >>> j & 1) != 0;
            if (part[j]) src[j] = emu.value(in, 1, o, l);
        }
        if (in.op == Insn.Op.SHFL) shuffle(in, ts, base, part, src, emu, l);
        else vote(in, ts, base, part, src, l);
        for (int j = 0; j < lanes; j++) {
            if (!part[j]) continue;
            Emulator.Thread o = ts[base + j];
            o.collective = false;
            o.pc++;
            l.instructions++;
        }
    }

    /** PTX's shfl: lane j = f(lane, b) within the segment of c; a lane outside the range reads its own value. */
    private static void shuffle(Insn in, Emulator.Thread[] ts, int base, boolean[] part, long[] src, Emulator emu, Emulator.Launch l) {
        String mode = in.mods[1];
        for (int lane = 0; lane < 32; lane++) {
            if (!part[lane]) continue;
            Emulator.Thread o = ts[base + lane];
            int b = (int) emu.value(in, 2, o, l) & 31;
            int c = (int) emu.value(in, 3, o, l);
            int clamp = c & 31;
            int seg = (c >>> 8) & 31;
            int maxLane = (lane & seg) | (clamp & ~seg);
            int minLane = lane & seg;
            int j;
            boolean valid;
            switch (mode) {
                case "up" -> {
                    j = lane - b;
                    valid = j >= maxLane;
                }
                case "down" -> {
                    j = lane + b;
                    valid = j <= maxLane;
                }
                case "bfly" -> {
                    j = lane ^ b;
                    valid = j <= maxLane;
                }
                case "idx" -> {
                    j = minLane | (b & ~seg);
                    valid = j <= maxLane;
                }
                default -> throw new PtxException("line " + in.line + ": unsupported shfl mode ." + mode);
            }
            if (!valid || j < 0 || j > 31 || !part[j]) j = lane;
            o.r[in.ops[0].reg] = src[j];
            if (in.pairPredicate >= 0) o.r[in.pairPredicate] = valid ? 1 : 0;
        }
    }

    private static void vote(Insn in, Emulator.Thread[] ts, int base, boolean[] part, long[] src, Emulator.Launch l) {
        String mode = in.mods[1];
        int ballot = 0;
        int count = 0;
        int yes = 0;
        for (int j = 0; j < 32; j++) {
            if (!part[j]) continue;
            count++;
            if (src[j] != 0) {
                ballot |= 1 << j;
                yes++;
            }
        }
        long result = switch (mode) {
            case "all" -> yes == count ? 1 : 0;
            case "any" -> yes > 0 ? 1 : 0;
            case "uni" -> yes == 0 || yes == count ? 1 : 0;
            case "ballot" -> ballot & 0xFFFFFFFFL;
            default -> throw new PtxException("line " + in.line + ": unsupported vote mode ." + mode);
        };
        for (int j = 0; j < 32; j++) if (part[j]) ts[base + j].r[in.ops[0].reg] = result;
    }
}
