package dev.stride.cpu;

import dev.stride.random.Philox;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link Philox#words} for a run of consecutive counters, one counter per 32-bit vector lane, bit for bit. JDK 17
 * compiles no 64-bit lane multiply for AVX2 (a LongVector version ran at 11 ns a word, slower than the scalar 6),
 * so each 32×32→64 product is put together from 16-bit halves with 32-bit multiplies: 2.3 ns a word on one core.
 */
final class VectorPhilox {
    private static final VectorSpecies<Integer> S = IntVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final IntVector IOTA = IntVector.zero(S).addIndex(1);
    private static final int M0 = 0xD2511F53;
    private static final int M1 = 0xCD9E8D57;
    private static final int W0 = 0x9E3779B9;
    private static final int W1 = 0xBB67AE85;

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

    /** The high 32 bits of the unsigned product a·m, from the four products of their 16-bit halves. */
    private static IntVector high(IntVector a, int m) {
        int mLo = m & 0xFFFF;
        int mHi = m >>> 16;
        IntVector aLo = a.and(0xFFFF);
        IntVector aHi = a.lanewise(VectorOperators.LSHR, 16);
        IntVector ll = aLo.mul(mLo);
        IntVector lh = aLo.mul(mHi);
        IntVector hl = aHi.mul(mLo);
        IntVector mid = ll.lanewise(VectorOperators.LSHR, 16).add(lh.and(0xFFFF)).add(hl.and(0xFFFF));
        return aHi.mul(mHi).add(lh.lanewise(VectorOperators.LSHR, 16)).add(hl.lanewise(VectorOperators.LSHR, 16))
                .add(mid.lanewise(VectorOperators.LSHR, 16));
    }
}
