package dev.stride.cpu;

import dev.stride.random.Philox;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Dropout from {@link Philox}'s words, one counter per 32-bit vector lane, bit for bit. The high half of each
 * 32×32→64 product comes one of two ways, the same bits either way: on AVX-512, from 64-bit lane multiplies of the
 * same register seen as longs (0.85 ns a word on one core of the Zen 4 measured); elsewhere, from 16-bit halves with
 * 32-bit multiplies (1.35 ns there), since AVX2 has no 64-bit lane multiply and C2's stand-in for it made the long
 * version 2.64 ns.
 */
final class VectorPhilox {
    private static final VectorSpecies<Integer> S = Simd.INT;
    private static final int L = S.length();
    private static final VectorSpecies<Float> F = Simd.FLOAT;
    private static final VectorSpecies<Byte> B = Simd.BYTE;
    private static final VectorSpecies<Long> LS = Simd.LONG;
    private static final int M0 = 0xD2511F53;
    private static final int M1 = 0xCD9E8D57;
    private static final int W0 = 0x9E3779B9;
    private static final int W1 = 0xBB67AE85;
    // Every constant is a vector made once: scalar operands, each broadcast where it is used, made dropout's loop
    // too big for C2 to inline whole (below).
    private static final IntVector IOTA = IntVector.zero(S).addIndex(1);
    private static final IntVector ZERO = IntVector.zero(S);
    private static final IntVector LOW16 = IntVector.broadcast(S, 0xFFFF);
    private static final LongVector LOW32 = LongVector.broadcast(LS, 0xFFFFFFFFL);
    private static final LongVector HIGH32 = LongVector.broadcast(LS, 0xFFFFFFFF00000000L);
    private static final IntVector BYTE0 = IntVector.broadcast(S, 1);
    private static final IntVector BYTE1 = IntVector.broadcast(S, 1 << 8);
    private static final IntVector BYTE2 = IntVector.broadcast(S, 1 << 16);
    private static final IntVector BYTE3 = IntVector.broadcast(S, 1 << 24);
    private static final Multiplier MUL0 = new Multiplier(M0);
    private static final Multiplier MUL1 = new Multiplier(M1);

    private VectorPhilox() {}

    /** A Philox multiplier as lane constants: whole for the low word and the 64-bit products, and in 16-bit halves. */
    record Multiplier(IntVector whole, LongVector wide, IntVector low, IntVector high) {
        Multiplier(int m) {
            this(IntVector.broadcast(S, m), LongVector.broadcast(LS, m & 0xFFFFFFFFL), IntVector.broadcast(S, m & 0xFFFF),
                    IntVector.broadcast(S, m >>> 16));
        }
    }

    /**
     * Dropout over whole counters {@code [from, to)}: element {@code e = 4c + j} gets {@code out[e] = x[e]·scale}
     * ({@code x} null reads as 1) when word j of counter c is at least the threshold (unsigned), else 0, and
     * {@code kept[e]} that bit ({@code kept} may be null). Returns the first counter not done, for the caller to
     * finish one at a time. The elements are an array's, so {@code 4·to} fits an int.
     * <p>
     * A group's words stay in registers from the rounds to the mask, so its multiplies overlap the loads and stores
     * of the group before: 0.95 ns an element on one core of the Zen 4, against 1.45 with the words written to arrays
     * and masked in a second pass. Kept whole in one method, the loop is near C2's node budget for inlining: the
     * vector calls it cannot inline stay objects, and with scalar operands or two groups interleaved it ran at 3.3
     * and 6.5 ns. With the 16-bit halves (AVX2; measured as {@code -XX:UseAVX=2} on the Zen 4) one compare still falls
     * past the budget, and the forward there is no faster than the two passes were (2.0–2.2 ns against 1.8 on two
     * cores).
     */
    static long dropout(long seed, long offset, long from, long to, long threshold, float scale, float[] x, float[] out,
                        byte[] kept) {
        if (threshold > 0xFFFFFFFFL) return from;
        int[] keys = new int[20];
        for (int round = 0, k0 = (int) seed, k1 = (int) (seed >>> 32); round < 10; round++, k0 += W0, k1 += W1) {
            keys[2 * round] = k0;
            keys[2 * round + 1] = k1;
        }
        // Without a kept array the bits still pass through bytes: that is how they reach element order.
        byte[] bits = kept == null ? new byte[4 * L] : kept;
        IntVector t = IntVector.broadcast(S, (int) threshold);
        FloatVector sc = FloatVector.broadcast(F, scale);
        IntVector offsetLow = IntVector.broadcast(S, (int) offset);
        IntVector offsetHigh = IntVector.broadcast(S, (int) (offset >>> 32));
        int c = (int) from;
        for (int end = (int) to; c + L <= end; c += L) {
            IntVector c0 = IntVector.broadcast(S, c).add(IOTA);
            // The counter's high word: 0, since an array's elements have counters below 2^29. Made here, not taken
            // from a constant: a loop variable that starts as a static final vector stayed an object (2.1 ns).
            IntVector c1 = IntVector.zero(S);
            IntVector c2 = offsetLow;
            IntVector c3 = offsetHigh;
            for (int round = 0; round < 10; round++) {
                IntVector h2 = Simd.WIDE_LANE_MULTIPLY ? highFromLongs(c2, MUL1) : highFromHalves(c2, MUL1);
                IntVector h0 = Simd.WIDE_LANE_MULTIPLY ? highFromLongs(c0, MUL0) : highFromHalves(c0, MUL0);
                IntVector n0 = h2.lanewise(VectorOperators.XOR, c1)
                        .lanewise(VectorOperators.XOR, IntVector.broadcast(S, keys[2 * round]));
                IntVector n2 = h0.lanewise(VectorOperators.XOR, c3)
                        .lanewise(VectorOperators.XOR, IntVector.broadcast(S, keys[2 * round + 1]));
                c1 = c2.mul(MUL1.whole);
                c3 = c0.mul(MUL0.whole);
                c0 = n0;
                c2 = n2;
            }
            // Lane k gets the bits of counter c + k in its four bytes, little-endian: as bytes, the group's 4L
            // elements in order, so no lanes need to move.
            IntVector packed = bit(c0, t, BYTE0).or(bit(c1, t, BYTE1)).or(bit(c2, t, BYTE2)).or(bit(c3, t, BYTE3));
            int o = 4 * c;
            int k = kept == null ? 0 : o;
            packed.reinterpretAsBytes().intoArray(bits, k);
            for (int m = 0; m < 4 * L; m += L) {
                FloatVector f = ((FloatVector) ByteVector.fromArray(B, bits, k + m)
                        .convertShape(VectorOperators.B2F, F, 0)).mul(sc);
                (x == null ? f : FloatVector.fromArray(F, x, o + m).mul(f)).intoArray(out, o + m);
            }
        }
        return c;
    }

    /**
     * {@code out[i] = x[i]·(scale·kept[i])} over {@code [from, to)} in whole vectors, the same bits as the scalar
     * product; returns the first element not done. Dropout's backward from its kept bits: 0.35–0.39 ns an element on
     * one core, where C2's own loop, which it does not vectorize from bytes, took 0.50–0.52.
     */
    static int applyKept(float[] x, byte[] kept, float scale, float[] out, int from, int to) {
        FloatVector sc = FloatVector.broadcast(F, scale);
        int i = from;
        for (; i + L <= to; i += L) {
            FloatVector f = ((FloatVector) ByteVector.fromArray(B, kept, i).convertShape(VectorOperators.B2F, F, 0)).mul(sc);
            FloatVector.fromArray(F, x, i).mul(f).intoArray(out, i);
        }
        return i;
    }

    /** {@code one} in the lanes whose word is at least the threshold, unsigned, else 0. */
    private static IntVector bit(IntVector words, IntVector threshold, IntVector one) {
        return ZERO.blend(one, words.compare(VectorOperators.UNSIGNED_GE, threshold));
    }

    /**
     * The high 32 bits of the unsigned products a·m. Seen as longs, the even int lanes are the low halves and the odd
     * ones the high halves; each 32×32 product fits a 64-bit lane, so its high word lands where the lane's int is.
     */
    static IntVector highFromLongs(IntVector a, Multiplier m) {
        LongVector w = a.reinterpretAsLongs();
        LongVector even = w.and(LOW32).mul(m.wide).lanewise(VectorOperators.LSHR, 32);
        LongVector odd = w.lanewise(VectorOperators.LSHR, 32).mul(m.wide).and(HIGH32);
        return even.or(odd).reinterpretAsInts();
    }

    /**
     * The high 32 bits of the unsigned products a·m from 16-bit halves, carrying the middle partial products one at a
     * time so that no sum passes 32 bits (Hacker's Delight's mulhu): 14 lane operations.
     */
    static IntVector highFromHalves(IntVector a, Multiplier m) {
        IntVector aLo = a.and(LOW16);
        IntVector aHi = a.lanewise(VectorOperators.LSHR, 16);
        IntVector t = aHi.mul(m.low).add(aLo.mul(m.low).lanewise(VectorOperators.LSHR, 16));
        IntVector w = t.and(LOW16).add(aLo.mul(m.high));
        return aHi.mul(m.high).add(t.lanewise(VectorOperators.LSHR, 16)).add(w.lanewise(VectorOperators.LSHR, 16));
    }
}
