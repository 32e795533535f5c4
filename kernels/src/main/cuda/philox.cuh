// Philox4x32-10, the twin of dev.stride.random.Philox: shared by the random kernels and the emulator's fixtures.
#pragma once

__device__ __forceinline__ void philox10(unsigned c[4], unsigned k0, unsigned k1) {
    #pragma unroll
    for (int r = 0; r < 10; r++) {
        unsigned hi0 = __umulhi(0xD2511F53u, c[0]);
        unsigned lo0 = 0xD2511F53u * c[0];
        unsigned hi1 = __umulhi(0xCD9E8D57u, c[2]);
        unsigned lo1 = 0xCD9E8D57u * c[2];
        unsigned n0 = hi1 ^ c[1] ^ k0;
        unsigned n2 = hi0 ^ c[3] ^ k1;
        c[0] = n0;
        c[1] = lo1;
        c[2] = n2;
        c[3] = lo0;
        k0 += 0x9E3779B9u;
        k1 += 0xBB67AE85u;
    }
}

__device__ __forceinline__ void philox_words(unsigned long long seed, unsigned long long offset,
                                             unsigned long long counter, unsigned c[4]) {
    c[0] = (unsigned) counter;
    c[1] = (unsigned) (counter >> 32);
    c[2] = (unsigned) offset;
    c[3] = (unsigned) (offset >> 32);
    philox10(c, (unsigned) seed, (unsigned) (seed >> 32));
}
