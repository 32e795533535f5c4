package dev.stride.cpu;

import dev.stride.random.Philox;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link Philox#words} for a run of consecutive counters, one counter per 32-bit vector lane, bit for bit. The high
 * half of each 32×32→64 product comes one of two ways, the same bits either way: on AVX-512, from 64-bit lane
 * multiplies of the same register seen as longs (0.85 ns a word on one core of the Zen 4 measured); elsewhere, from
 * 16-bit halves with 32-bit multiplies (1.35 ns there), since AVX2 has no 64-bit lane multiply and C2's stand-in for
 * it made the long version 2.64 ns.
 */
final class VectorPhilox {
    private static final VectorSpecies<Integer> S = Simd.INT;
    private static final int L = S.length();
    private static final IntVector IOTA = IntVector.zero(S).addIndex(1);
    private static final int M0 = 0xD2511F53;
    private static final int M1 = 0xCD9E8D57;
    private static final int W0 = 0x9E3779B9;
    private static final int W1 = 0xBB67AE85;
    private static final VectorSpecies<Float> F = Simd.FLOAT;
    private static final VectorSpecies<Byte> B = Simd.BYTE;

    private VectorPhilox() {}

    /**
     * Word j of counter {@code counter + i} into {@code cj[i]}, for i in [0, count). One method with the rounds in
     * it, too big for C2 to inline into a caller: inlined into the dropout loop, its vector operations were left
     * as objects and it ran at a third of the scalar code's speed.
     */
    static void blocks(long seed, long offset, long counter, int count, int[] o0, int[] o1, int[] o2, int[] o3) {
        int i = 0;
        // Lanes share the counter's high word, so a group must not cross a multiple of 2^32.
        for (; i + L <= count && ((counter + i) >>> 32) == ((counter + i + L - 1) >>> 32); i += L) {
            IntVector c0 = IntVector.broadcast(S, (int) (counter + i)).add(IOTA);
            IntVector c1 = IntVector.broadcast(S, (int) ((counter + i) >>> 32));
            IntVector c2 = IntVector.broadcast(S, (int) offset);
            IntVector c3 = IntVector.broadcast(S, (int) (offset >>> 32));
            int k0 = (int) seed;
            int k1 = (int) (seed >>> 32);
            for (int round = 0; round < 10; round++) {
                IntVector n0 = high(c2, M1).lanewise(VectorOperators.XOR, c1).lanewise(VectorOperators.XOR, k0);
                IntVector n2 = high(c0, M0).lanewise(VectorOperators.XOR, c3).lanewise(VectorOperators.XOR, k1);
                c1 = c2.mul(M1);
                c3 = c0.mul(M0);
                c0 = n0;
                c2 = n2;
                k0 += W0;
                k1 += W1;
            }
            c0.intoArray(o0, i);
            c1.intoArray(o1, i);
            c2.intoArray(o2, i);
            c3.intoArray(o3, i);
        }
        int[] w = new int[4];
        for (; i < count; i++) {
            Philox.words(seed, offset, counter + i, w);
            o0[i] = w[0];
            o1[i] = w[1];
            o2[i] = w[2];
            o3[i] = w[3];
        }
    }

    /**
     * Dropout from {@link #blocks}' words, in element order: {@code kept[keptBase + 4i + j]} the 0/1 bit
     * {@code c_j[i] ≥ threshold} (unsigned) and {@code out[base + 4i + j] = x·(scale·bit)} ({@code x} null reads as
     * 1), for whole groups of lanes of the first {@code count} counters. Returns the counters done; the caller
     * finishes the rest one at a time.
     */
    static int keep(int[] c0, int[] c1, int[] c2, int[] c3, int count, long threshold, float scale, float[] x,
                    float[] out, int base, byte[] kept, int keptBase) {
        if (threshold > 0xFFFFFFFFL) return 0;
        // Unsigned order as signed order once both sides have their top bit flipped.
        IntVector t = IntVector.broadcast(S, (int) (threshold ^ 0x80000000L));
        int i = 0;
        for (; i + L <= count; i += L) {
            // Lane k gets the bits of counter i + k in its four bytes, little-endian: as bytes, the group's 4L
            // elements in order, so no lanes need to move.
            IntVector packed = bit(c0, i, t, 1).or(bit(c1, i, t, 1 << 8)).or(bit(c2, i, t, 1 << 16))
                    .or(bit(c3, i, t, 1 << 24));
            int o = base + 4 * i;
            int k = keptBase + 4 * i;
            packed.reinterpretAsBytes().intoArray(kept, k);
            for (int m = 0; m < 4 * L; m += L) {
                FloatVector bits = (FloatVector) ByteVector.fromArray(B, kept, k + m).convertShape(VectorOperators.B2F, F, 0);
                FloatVector f = bits.mul(scale);
                (x == null ? f : FloatVector.fromArray(F, x, o + m).mul(f)).intoArray(out, o + m);
            }
        }
        return i;
    }

    /** {@code one} in the lanes whose word is at least the threshold (both with their top bit flipped), else 0. */
    private static IntVector bit(int[] c, int i, IntVector threshold, int one) {
        IntVector w = IntVector.fromArray(S, c, i).lanewise(VectorOperators.XOR, 0x80000000);
        return IntVector.zero(S).blend(one, w.compare(VectorOperators.GE, threshold));
    }

    private static IntVector high(IntVector a, int m) {
        return Simd.WIDE_LANE_MULTIPLY ? highFromLongs(a, m) : highFromHalves(a, m);
    }

    /**
     * The high 32 bits of the unsigned products a·m. Seen as longs, the even int lanes are the low halves and the odd
     * ones the high halves; each 32×32 product fits a 64-bit lane, so its high word lands where the lane's int is.
     */
    static IntVector highFromLongs(IntVector a, int m) {
        long mu = m & 0xFFFFFFFFL;
        LongVector w = a.reinterpretAsLongs();
        LongVector even = w.and(0xFFFFFFFFL).mul(mu).lanewise(VectorOperators.LSHR, 32);
        LongVector odd = w.lanewise(VectorOperators.LSHR, 32).mul(mu).and(0xFFFFFFFF00000000L);
        return even.or(odd).reinterpretAsInts();
    }

    /**
     * The high 32 bits of the unsigned products a·m from 16-bit halves, carrying the middle partial products one at a
     * time so that no sum passes 32 bits (Hacker's Delight's mulhu): 14 lane operations.
     */
    static IntVector highFromHalves(IntVector a, int m) {
        int mLo = m & 0xFFFF;
        int mHi = m >>> 16;
        IntVector aLo = a.and(0xFFFF);
        IntVector aHi = a.lanewise(VectorOperators.LSHR, 16);
        IntVector t = aHi.mul(mLo).add(aLo.mul(mLo).lanewise(VectorOperators.LSHR, 16));
        IntVector w = t.and(0xFFFF).add(aLo.mul(mHi));
        return aHi.mul(mHi).add(t.lanewise(VectorOperators.LSHR, 16)).add(w.lanewise(VectorOperators.LSHR, 16));
    }
}
