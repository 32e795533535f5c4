// Fused multi-tensor optimizer steps: one launch updates every parameter of a group for any first-order rule of
// dev.stride.backend.Update, the twin of CpuOptim.step and of Update.reference, operation for operation: every
// product and sum is rounded as Java rounds it (no FMA contraction), so a step equals the reference composite.
// Tensor and block tables live in device memory (the 4 KB argument limit): block b updates chunk chunks[b] of tensor
// tensors[b]. A thread takes 4 neighbouring elements, as 16-byte loads and stores when the tensor's buffers are
// aligned (a scalar tail otherwise); only the state slots the rule reads are read, only those it writes written.
// A nonzero *foundInf (mixed precision's overflow flag) skips the whole step. Rules and constants are laid out by
// dev.stride.cuda.FusedOptimizer.
#define MUL(a, b) __fmul_rn(a, b)
#define ADD(a, b) __fadd_rn(a, b)
#define SUB(a, b) __fsub_rn(a, b)
#define DIV(a, b) __fdiv_rn(a, b)

struct OptimTensor {
    float* p;
    const float* g;
    float* s0;
    float* s1;
    float* s2;
    long long n;
};

// rule: 0 SGD, 1 AdaGrad, 2 RMSProp, 3 Adam, 4 Adamax, 5 NAdam, 6 Adadelta, 7 RAdam. flags bits 0..3 as each rule
// says; bits 8..10: state slots read, bits 12..14: slots written; c: the rule's constants, already rounded to float
// on the host as the reference rounds them.
struct OptimStep {
    int rule;
    int flags;
    float c[14];
};

__device__ __forceinline__ float java_max(float a, float b) {
    if (a != a || b != b) return __int_as_float(0x7fc00000);
    if (a > b) return a;
    if (b > a) return b;
    return signbit(a) ? b : a;
}

// One element's values: parameter, gradient, three state slots (unused ones stay 0).
struct Vals {
    float p, g, s0, s1, s2;
};

// The Adam family's moments: m = beta1*m + (1-beta1)*d, v = beta2*v + (1-beta2)*d*d, stored; c[k..k+3] hold
// beta1, 1-beta1, beta2, 1-beta2.
__device__ __forceinline__ void moments(Vals& x, const float* c, float d, float& m, float& v) {
    m = ADD(MUL(x.s0, c[0]), MUL(d, c[1]));
    v = ADD(MUL(x.s1, c[2]), MUL(MUL(d, d), c[3]));
    x.s0 = m;
    x.s1 = v;
}

// One element's step on its values: x.p and the state slots are updated in place.
__device__ __forceinline__ void update(const OptimStep& s, Vals& x) {
    const float* c = s.c;
    float p = x.p;
    float g = x.g;
    switch (s.rule) {
        case 0: {  // SGD: c = lr, momentum, 1 - dampening, wd; flags: 1 momentum, 2 nesterov, 4 first step
            float d = c[3] != 0.0f ? ADD(g, MUL(p, c[3])) : g;
            if (s.flags & 1) {
                float buf = (s.flags & 4) ? d : ADD(MUL(x.s0, c[1]), MUL(d, c[2]));
                x.s0 = buf;
                d = (s.flags & 2) ? ADD(d, MUL(buf, c[1])) : buf;
            }
            x.p = SUB(p, MUL(d, c[0]));
            break;
        }
        case 1: {  // AdaGrad: c = clr, eps, wd
            float d = c[2] != 0.0f ? ADD(g, MUL(p, c[2])) : g;
            float sum = ADD(x.s0, MUL(d, d));
            x.s0 = sum;
            x.p = SUB(p, MUL(DIV(d, ADD(sqrtf(sum), c[1])), c[0]));
            break;
        }
        case 2: {  // RMSProp: c = lr, alpha, 1 - alpha, eps, wd, momentum; flags: 1 centered, 2 momentum
            float d = c[4] != 0.0f ? ADD(g, MUL(p, c[4])) : g;
            float sq = ADD(MUL(x.s0, c[1]), MUL(MUL(d, d), c[2]));
            x.s0 = sq;
            float avg;
            if (s.flags & 1) {
                float ga = ADD(MUL(x.s2, c[1]), MUL(d, c[2]));
                x.s2 = ga;
                avg = ADD(sqrtf(SUB(sq, MUL(ga, ga))), c[3]);
            } else {
                avg = ADD(sqrtf(sq), c[3]);
            }
            if (s.flags & 2) {
                float buf = ADD(MUL(x.s1, c[5]), DIV(d, avg));
                x.s1 = buf;
                x.p = SUB(p, MUL(buf, c[0]));
            } else {
                x.p = SUB(p, MUL(DIV(d, avg), c[0]));
            }
            break;
        }
        case 3: {  // Adam/AdamW/AMSGrad: c = beta1, 1-beta1, beta2, 1-beta2, eps, wd, 1-lr*wd, sqrt(bc2), lr/bc1;
                   // flags: 1 decoupled, 2 amsgrad
            bool decoupled = s.flags & 1;
            float q = decoupled && c[5] != 0.0f ? MUL(p, c[6]) : p;
            float d = !decoupled && c[5] != 0.0f ? ADD(g, MUL(q, c[5])) : g;
            float m, v;
            moments(x, c, d, m, v);
            if (s.flags & 2) {
                v = java_max(x.s2, v);
                x.s2 = v;
            }
            float denom = ADD(DIV(sqrtf(v), c[7]), c[4]);
            x.p = SUB(q, MUL(DIV(m, denom), c[8]));
            break;
        }
        case 4: {  // Adamax: c = beta1, 1-beta1, beta2, eps, wd, lr/bc1
            float d = c[4] != 0.0f ? ADD(g, MUL(p, c[4])) : g;
            float m = ADD(MUL(x.s0, c[0]), MUL(d, c[1]));
            float u = java_max(MUL(x.s1, c[2]), ADD(fabsf(d), c[3]));
            x.s0 = m;
            x.s1 = u;
            x.p = SUB(p, MUL(DIV(m, u), c[5]));
            break;
        }
        case 5: {  // NAdam: c = beta1, 1-beta1, beta2, 1-beta2, eps, wd, bc2, gradCoef, momCoef
            float d = c[5] != 0.0f ? ADD(g, MUL(p, c[5])) : g;
            float m, v;
            moments(x, c, d, m, v);
            float denom = ADD(sqrtf(DIV(v, c[6])), c[4]);
            x.p = SUB(SUB(p, MUL(DIV(d, denom), c[7])), MUL(DIV(m, denom), c[8]));
            break;
        }
        case 6: {  // Adadelta: c = lr, rho, 1-rho, eps, wd
            float d = c[4] != 0.0f ? ADD(g, MUL(p, c[4])) : g;
            float sq = ADD(MUL(x.s0, c[1]), MUL(MUL(d, d), c[2]));
            float old = x.s1;
            float delta = MUL(DIV(sqrtf(ADD(old, c[3])), sqrtf(ADD(sq, c[3]))), d);
            x.s0 = sq;
            x.s1 = ADD(MUL(old, c[1]), MUL(MUL(delta, delta), c[2]));
            x.p = SUB(p, MUL(delta, c[0]));
            break;
        }
        default: {  // RAdam: c = lr, beta1, 1-beta1, beta2, 1-beta2, eps, wd, 1-lr*wd, bc1, sqrt(bc2), lr*rect;
                    // flags: 1 decoupled, 2 rectified
            bool decoupled = s.flags & 1;
            float q = decoupled && c[6] != 0.0f ? MUL(p, c[7]) : p;
            float d = !decoupled && c[6] != 0.0f ? ADD(g, MUL(q, c[6])) : g;
            float m, v;
            moments(x, c + 1, d, m, v);
            float mHat = DIV(m, c[8]);
            if (s.flags & 2) {
                float adaptive = MUL(DIV(1.0f, ADD(sqrtf(v), c[5])), c[9]);
                x.p = SUB(q, MUL(MUL(mHat, adaptive), c[10]));
            } else {
                x.p = SUB(q, MUL(mHat, c[0]));
            }
            break;
        }
    }
}

__device__ __forceinline__ void load(const OptimTensor& t, int reads, long long i, Vals& x) {
    x.p = t.p[i];
    x.g = t.g[i];
    x.s0 = (reads & 1) ? t.s0[i] : 0.0f;
    x.s1 = (reads & 2) ? t.s1[i] : 0.0f;
    x.s2 = (reads & 4) ? t.s2[i] : 0.0f;
}

__device__ __forceinline__ void store(const OptimTensor& t, int writes, long long i, const Vals& x) {
    t.p[i] = x.p;
    if (writes & 1) t.s0[i] = x.s0;
    if (writes & 2) t.s1[i] = x.s1;
    if (writes & 4) t.s2[i] = x.s2;
}

__device__ __forceinline__ float4 load4(const float* a, long long i) {
    return reinterpret_cast<const float4*>(a + i)[0];
}

__device__ __forceinline__ void store4(float* a, long long i, float4 v) {
    reinterpret_cast<float4*>(a + i)[0] = v;
}

// Four neighbouring elements from 16-byte loads: lane j of every float4 is element i + j.
__device__ __forceinline__ void update4(const OptimStep& s, const OptimTensor& t, int reads, int writes, long long i) {
    float4 p = load4(t.p, i), g = load4(t.g, i);
    float4 zero = make_float4(0.0f, 0.0f, 0.0f, 0.0f);
    float4 a = (reads & 1) ? load4(t.s0, i) : zero;
    float4 b = (reads & 2) ? load4(t.s1, i) : zero;
    float4 c = (reads & 4) ? load4(t.s2, i) : zero;
    Vals x0 = {p.x, g.x, a.x, b.x, c.x}, x1 = {p.y, g.y, a.y, b.y, c.y};
    Vals x2 = {p.z, g.z, a.z, b.z, c.z}, x3 = {p.w, g.w, a.w, b.w, c.w};
    update(s, x0);
    update(s, x1);
    update(s, x2);
    update(s, x3);
    store4(t.p, i, make_float4(x0.p, x1.p, x2.p, x3.p));
    if (writes & 1) store4(t.s0, i, make_float4(x0.s0, x1.s0, x2.s0, x3.s0));
    if (writes & 2) store4(t.s1, i, make_float4(x0.s1, x1.s1, x2.s1, x3.s1));
    if (writes & 4) store4(t.s2, i, make_float4(x0.s2, x1.s2, x2.s2, x3.s2));
}

extern "C" __global__ void optim_step(OptimStep s, const OptimTensor* __restrict__ tensors,
                                      const int* __restrict__ blockTensor, const int* __restrict__ blockChunk,
                                      int chunk, const int* foundInf) {
    if (foundInf != 0 && *foundInf != 0) return;
    __shared__ OptimTensor t;  // the tables are read once per block, not once per thread
    __shared__ long long start;
    if (threadIdx.x == 0) {
        t = tensors[blockTensor[blockIdx.x]];
        start = (long long) blockChunk[blockIdx.x] * chunk;
    }
    __syncthreads();
    int reads = (s.flags >> 8) & 7;
    int writes = (s.flags >> 12) & 7;
    unsigned long long bases = (unsigned long long) t.p | (unsigned long long) t.g | (unsigned long long) t.s0
                               | (unsigned long long) t.s1 | (unsigned long long) t.s2;
    bool aligned = (bases & 15) == 0;
    long long end = min(start + chunk, t.n);
    for (long long i = start + 4LL * threadIdx.x; i < end; i += 4LL * blockDim.x) {
        if (aligned && i + 3 < end) {
            update4(s, t, reads, writes, i);
        } else {
            for (long long j = i; j < end && j < i + 4; j++) {
                Vals x;
                load(t, reads, j, x);
                update(s, x);
                store(t, writes, j, x);
            }
        }
    }
}
