// Elementwise primitives: fill, strided copy (with I32/F32 conversion), unary, binary and binary-with-scalar.
// Twins of CpuBackend.fill/copy/unary/binary; op codes are the ordinals of dev.stride.backend.UnaryOp and BinaryOp.
#include "stride.cuh"

extern "C" __global__ void fill_f32(float* __restrict__ out, long long n, float value) {
    GRID_STRIDE(i, n) out[i] = value;
}

extern "C" __global__ void fill_i32(int* __restrict__ out, long long n, int value) {
    GRID_STRIDE(i, n) out[i] = value;
}

// mode: 0 copies 32-bit words as they are, 1 converts F32 to I32 (truncating, NaN to 0, saturating), 2 I32 to F32.
// Operand a is the destination, b the source.
extern "C" __global__ void copy_strided(Walk w, void* dst, const void* src, int mode) {
    GRID_STRIDE(i, w.numel) {
        long long od, os;
        walk_offsets(w, i, od, os);
        if (mode == 0) {
            ((unsigned*) dst)[od] = ((const unsigned*) src)[os];
        } else if (mode == 1) {
            float v = ((const float*) src)[os];
            ((int*) dst)[od] = v != v ? 0 : v >= 2147483647.0f ? 2147483647 : v <= -2147483648.0f ? (-2147483647 - 1) : (int) v;
        } else {
            ((float*) dst)[od] = (float) ((const int*) src)[os];
        }
    }
}

__device__ __forceinline__ float unary_op(int op, float v) {
    switch (op) {
        case 0: return -v;                                              // NEG
        case 1: return fabsf(v);                                        // ABS
        case 2: return v > 0.0f ? 1.0f : v < 0.0f ? -1.0f : v;          // SIGN (±0 and NaN stay)
        case 3: return expf(v);                                         // EXP
        case 4: return logf(v);                                         // LOG
        case 5: return sqrtf(v);                                        // SQRT
        case 6: return 1.0f / v;                                        // RECIPROCAL
        case 7: return v * v;                                           // SQUARE
        case 8: return v > 0.0f ? v : v != v ? v : 0.0f;                // RELU (NaN stays NaN)
        case 9: {                                                       // SIGMOID, no overflow for large |v|
            if (v >= 0.0f) return 1.0f / (1.0f + expf(-v));
            float e = expf(v);
            return e / (1.0f + e);
        }
        case 10: return tanhf(v);                                       // TANH
        case 11: return v > 0.0f ? 1.0f : 0.0f;                         // STEP
        case 12: return erff(v);                                        // ERF
        default: return __int_as_float(0x7fc00000);
    }
}

// out is contiguous; operand a of the walk is x.
extern "C" __global__ void unary(Walk w, int op, const float* __restrict__ x, float* __restrict__ out) {
    GRID_STRIDE(i, w.numel) {
        long long oa, ob;
        walk_offsets(w, i, oa, ob);
        out[i] = unary_op(op, x[oa]);
    }
}

// Java's Math.max/min: NaN if either is NaN, and +0 above -0.
__device__ __forceinline__ float java_max(float a, float b) {
    if (a != a || b != b) return __int_as_float(0x7fc00000);
    if (a > b) return a;
    if (b > a) return b;
    return signbit(a) ? b : a;
}

__device__ __forceinline__ float java_min(float a, float b) {
    if (a != a || b != b) return __int_as_float(0x7fc00000);
    if (a < b) return a;
    if (b < a) return b;
    return signbit(a) ? a : b;
}

__device__ __forceinline__ float binary_op(int op, float a, float b) {
    switch (op) {
        case 0: return __fadd_rn(a, b);                                 // ADD
        case 1: return __fsub_rn(a, b);                                 // SUB
        case 2: return __fmul_rn(a, b);                                 // MUL
        case 3: return __fdiv_rn(a, b);                                 // DIV
        case 4: return java_max(a, b);                                  // MAX
        case 5: return java_min(a, b);                                  // MIN
        case 6: return powf(a, b);                                      // POW
        case 7: return a > b ? 1.0f : 0.0f;                             // GT
        case 8: return a < b ? 1.0f : 0.0f;                             // LT
        case 9: return a == b ? 1.0f : 0.0f;                            // EQ
        default: return __int_as_float(0x7fc00000);
    }
}

// out is contiguous; the walk's operands are a and b, already broadcast to the output shape.
extern "C" __global__ void binary(Walk w, int op, const float* __restrict__ a, const float* __restrict__ b,
                                  float* __restrict__ out) {
    GRID_STRIDE(i, w.numel) {
        long long oa, ob;
        walk_offsets(w, i, oa, ob);
        out[i] = binary_op(op, a[oa], b[ob]);
    }
}

extern "C" __global__ void binary_scalar(Walk w, int op, const float* __restrict__ a, float c, float* __restrict__ out) {
    GRID_STRIDE(i, w.numel) {
        long long oa, ob;
        walk_offsets(w, i, oa, ob);
        out[i] = binary_op(op, a[oa], c);
    }
}
