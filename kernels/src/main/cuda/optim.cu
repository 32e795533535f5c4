// Fused multi-tensor optimizer steps: one launch updates every parameter of a group for any first-order rule of
// dev.stride.backend.Update, the twin of CpuOptim.step and of Update.reference, operation for operation: every
// product and sum is rounded as Java rounds it (no FMA contraction), so a step equals the reference composite.
// Tensor and block tables live in device memory (the 4 KB argument limit): block b updates chunk chunks[b] of tensor
// tensors[b]. Rules and constants are laid out by dev.stride.cuda.FusedOptimizer.
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

// rule: 0 SGD, 1 AdaGrad, 2 RMSProp, 3 Adam, 4 Adamax, 5 NAdam, 6 Adadelta, 7 RAdam. flags bit 0..3 as each rule
// says; c: the rule's constants, already rounded to float on the host as the reference rounds them.
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

// The Adam family's moments: m = beta1*m + (1-beta1)*d, v = beta2*v + (1-beta2)*d*d, stored; c[k..k+3] hold
// beta1, 1-beta1, beta2, 1-beta2.
__device__ __forceinline__ void moments(const OptimTensor& t, long long i, const float* c, float d, float& m, float& v) {
    m = ADD(MUL(t.s0[i], c[0]), MUL(d, c[1]));
    v = ADD(MUL(t.s1[i], c[2]), MUL(MUL(d, d), c[3]));
    t.s0[i] = m;
    t.s1[i] = v;
}

__device__ __forceinline__ void update(const OptimStep& s, const OptimTensor& t, long long i) {
    const float* c = s.c;
    float p = t.p[i];
    float g = t.g[i];
    switch (s.rule) {
        case 0: {  // SGD: c = lr, momentum, 1 - dampening, wd; flags: 1 momentum, 2 nesterov, 4 first step
            float d = c[3] != 0.0f ? ADD(g, MUL(p, c[3])) : g;
            if (s.flags & 1) {
                float buf = (s.flags & 4) ? d : ADD(MUL(t.s0[i], c[1]), MUL(d, c[2]));
                t.s0[i] = buf;
                d = (s.flags & 2) ? ADD(d, MUL(buf, c[1])) : buf;
            }
            t.p[i] = SUB(p, MUL(d, c[0]));
            break;
        }
        case 1: {  // AdaGrad: c = clr, eps, wd
            float d = c[2] != 0.0f ? ADD(g, MUL(p, c[2])) : g;
            float sum = ADD(t.s0[i], MUL(d, d));
            t.s0[i] = sum;
            t.p[i] = SUB(p, MUL(DIV(d, ADD(sqrtf(sum), c[1])), c[0]));
            break;
        }
        case 2: {  // RMSProp: c = lr, alpha, 1 - alpha, eps, wd, momentum; flags: 1 centered, 2 momentum
            float d = c[4] != 0.0f ? ADD(g, MUL(p, c[4])) : g;
            float sq = ADD(MUL(t.s0[i], c[1]), MUL(MUL(d, d), c[2]));
            t.s0[i] = sq;
            float avg;
            if (s.flags & 1) {
                float ga = ADD(MUL(t.s2[i], c[1]), MUL(d, c[2]));
                t.s2[i] = ga;
                avg = ADD(sqrtf(SUB(sq, MUL(ga, ga))), c[3]);
            } else {
                avg = ADD(sqrtf(sq), c[3]);
            }
            if (s.flags & 2) {
                float buf = ADD(MUL(t.s1[i], c[5]), DIV(d, avg));
                t.s1[i] = buf;
                t.p[i] = SUB(p, MUL(buf, c[0]));
            } else {
                t.p[i] = SUB(p, MUL(DIV(d, avg), c[0]));
            }
            break;
        }
        case 3: {  // Adam/AdamW/AMSGrad: c = beta1, 1-beta1, beta2, 1-beta2, eps, wd, 1-lr*wd, sqrt(bc2), lr/bc1;
                   // flags: 1 decoupled, 2 amsgrad
            bool decoupled = s.flags & 1;
            float q = decoupled && c[5] != 0.0f ? MUL(p, c[6]) : p;
            float d = !decoupled && c[5] != 0.0f ? ADD(g, MUL(q, c[5])) : g;
            float m, v;
            moments(t, i, c, d, m, v);
            if (s.flags & 2) {
                v = java_max(t.s2[i], v);
                t.s2[i] = v;
            }
            float denom = ADD(DIV(sqrtf(v), c[7]), c[4]);
            t.p[i] = SUB(q, MUL(DIV(m, denom), c[8]));
            break;
        }
        case 4: {  // Adamax: c = beta1, 1-beta1, beta2, eps, wd, lr/bc1
            float d = c[4] != 0.0f ? ADD(g, MUL(p, c[4])) : g;
            float m = ADD(MUL(t.s0[i], c[0]), MUL(d, c[1]));
            float u = java_max(MUL(t.s1[i], c[2]), ADD(fabsf(d), c[3]));
            t.s0[i] = m;
            t.s1[i] = u;
            t.p[i] = SUB(p, MUL(DIV(m, u), c[5]));
            break;
        }
        case 5: {  // NAdam: c = beta1, 1-beta1, beta2, 1-beta2, eps, wd, bc2, gradCoef, momCoef
            float d = c[5] != 0.0f ? ADD(g, MUL(p, c[5])) : g;
            float m, v;
            moments(t, i, c, d, m, v);
            float denom = ADD(sqrtf(DIV(v, c[6])), c[4]);
            t.p[i] = SUB(SUB(p, MUL(DIV(d, denom), c[7])), MUL(DIV(m, denom), c[8]));
            break;
        }
        case 6: {  // Adadelta: c = lr, rho, 1-rho, eps, wd
            float d = c[4] != 0.0f ? ADD(g, MUL(p, c[4])) : g;
            float sq = ADD(MUL(t.s0[i], c[1]), MUL(MUL(d, d), c[2]));
            float old = t.s1[i];
            float delta = MUL(DIV(sqrtf(ADD(old, c[3])), sqrtf(ADD(sq, c[3]))), d);
            t.s0[i] = sq;
            t.s1[i] = ADD(MUL(old, c[1]), MUL(MUL(delta, delta), c[2]));
            t.p[i] = SUB(p, MUL(delta, c[0]));
            break;
        }
        default: {  // RAdam: c = lr, beta1, 1-beta1, beta2, 1-beta2, eps, wd, 1-lr*wd, bc1, sqrt(bc2), lr*rect;
                    // flags: 1 decoupled, 2 rectified
            bool decoupled = s.flags & 1;
            float q = decoupled && c[6] != 0.0f ? MUL(p, c[7]) : p;
            float d = !decoupled && c[6] != 0.0f ? ADD(g, MUL(q, c[6])) : g;
            float m, v;
            moments(t, i, c + 1, d, m, v);
            float mHat = DIV(m, c[8]);
            if (s.flags & 2) {
                float adaptive = MUL(DIV(1.0f, ADD(sqrtf(v), c[5])), c[9]);
                t.p[i] = SUB(q, MUL(MUL(mHat, adaptive), c[10]));
            } else {
                t.p[i] = SUB(q, MUL(mHat, c[0]));
            }
            break;
        }
    }
}

extern "C" __global__ void optim_step(OptimStep s, const OptimTensor* __restrict__ tensors,
                                      const int* __restrict__ blockTensor, const int* __restrict__ blockChunk,
                                      int chunk) {
    __shared__ OptimTensor t;  // the tables are read once per block, not once per thread
    __shared__ long long start;
    if (threadIdx.x == 0) {
        t = tensors[blockTensor[blockIdx.x]];
        start = (long long) blockChunk[blockIdx.x] * chunk;
    }
    __syncthreads();
    long long end = min(start + chunk, t.n);
    for (long long i = start + threadIdx.x; i < end; i += blockDim.x) update(s, t, i);
}
