package dev.stride.kernels.emu;

/**
 * The arithmetic, logic, compare and convert instructions, with PTX's semantics where Java's differ: shift
 * amounts of the register width or more clamp, {@code min}/{@code max} return the non-NaN operand, ordered
 * compares are false on NaN, integer division by zero does not trap. Registers hold raw bits; 32-bit results
 * are kept zero-extended. Operands arrive already read ({@code a}, {@code b}, {@code c}); types and modifiers
 * are the integer codes decoded once in {@link Insn}.
 */
final class Alu {
    private Alu() {}

    /** Sign- or zero-extends the low bits of {@code v} by type {@code t}. */
    static long extend(long v, int t) {
        return switch (Insn.WIDTH[t]) {
            case 8 -> Insn.signed(t) ? (byte) v : v & 0xFFL;
            case 16 -> Insn.signed(t) ? (short) v : v & 0xFFFFL;
            case 32 -> Insn.signed(t) ? (int) v : v & 0xFFFFFFFFL;
            default -> v;
        };
    }

    /** Truncates a result to the type's width, kept zero-extended in the register. */
    static long fit(long v, int t) {
        return switch (Insn.WIDTH[t]) {
            case 1 -> v & 1;
            case 8 -> v & 0xFFL;
            case 16 -> v & 0xFFFFL;
            case 32 -> v & 0xFFFFFFFFL;
            default -> v;
        };
    }

    private static float f(long bits) {
        return Float.intBitsToFloat((int) bits);
    }

    private static long bits(float v) {
        return Float.floatToRawIntBits(v) & 0xFFFFFFFFL;
    }

    private static double d(long bits) {
        return Double.longBitsToDouble(bits);
    }

    private static PtxException unsupported(Insn in) {
        return new PtxException("line " + in.line + ": unsupported instruction form `" + in.text + "`");
    }

    static long execute(Insn in, long a, long b, long c) {
        int t = in.t;
        switch (in.op) {
            case MOV, CVTA:
                return a;
            case SETP:
                return compare(in, a, b) ? 1 : 0;
            case SELP:
                return c != 0 ? a : b;
            case CVT:
                return convert(in, a);
            case NOT:
                return fit(~a, t);
            case AND:
                return fit(a & b, t);
            case OR:
                return fit(a | b, t);
            case XOR:
                return fit(a ^ b, t);
            case SHL, SHR:
                return shift(in.op == Insn.Op.SHL, t, a, b & 0xFFFFFFFFL);
            default:
                if (t == Insn.F32) return bits(float32(in, a, b, c));
                if (t == Insn.F64) return Double.doubleToRawLongBits(float64(in, a, b, c));
                if (t < 0) throw unsupported(in);
                return integer(in, t, a, b, c);
        }
    }

    private static long shift(boolean left, int t, long a, long amount) {
        int w = Insn.WIDTH[t];
        if (amount >= w) return left ? 0 : Insn.signed(t) && extend(a, t) < 0 ? fit(-1, t) : 0;
        if (left) return fit(a << amount, t);
        return fit(Insn.signed(t) ? extend(a, t) >> amount : extend(a, t) >>> amount, t);
    }

    /** Flushes a subnormal to a zero of the same sign when the instruction has {@code .ftz}. */
    private static float ftz(Insn in, float x) {
        return (in.flags & Insn.FTZ) != 0 && x != 0 && Math.abs(x) < Float.MIN_NORMAL ? Math.copySign(0f, x) : x;
    }

    private static float float32(Insn in, long ab, long bb, long cb) {
        float a = ftz(in, f(ab));
        float r = switch (in.op) {
            case NEG -> -a;
            case ABS -> Math.abs(a);
            case SQRT -> (float) Math.sqrt(a);
            // The .approx forms are the multi-function unit's approximations on a GPU (about 1-2 ulp); here
            // they are the correctly rounded values, which stay within those bounds.
            case RSQRT -> (float) (1 / Math.sqrt(a));
            case RCP -> (in.flags & Insn.APPROX) != 0 ? (float) (1.0 / a) : 1f / a;
            case EX2 -> (float) Math.pow(2, a);
            case LG2 -> (float) (Math.log(a) / Math.log(2));
            case TANH -> (float) Math.tanh(a);
            case SIN -> (float) Math.sin(a);
            case COS -> (float) Math.cos(a);
            default -> binary32(in, a, ftz(in, f(bb)), cb);
        };
        r = ftz(in, r);
        if ((in.flags & Insn.SAT) != 0) r = r != r ? 0f : Math.min(1f, Math.max(0f, r));
        return r;
    }

    private static float binary32(Insn in, float a, float b, long cb) {
        int mode = in.flags & (Insn.RZ | Insn.RM | Insn.RP);
        return switch (in.op) {
            case ADD -> mode == 0 ? a + b : directed((double) a + b, 0, mode);
            case SUB -> mode == 0 ? a - b : directed((double) a - b, 0, mode);
            case MUL -> mode == 0 ? a * b : directed((double) a * b, 0, mode);
            case DIV -> a / b;
            case MIN -> a != a ? b : b != b ? a : Math.min(a, b);
            case MAX -> a != a ? b : b != b ? a : Math.max(a, b);
            case COPYSIGN -> Math.copySign(b, a);
            case FMA, MAD -> {
                float c = ftz(in, f(cb));
                if (mode == 0) yield Math.fma(a, b, c);
                // a·b is exact in double; TwoSum keeps the rounding error of adding c.
                double p = (double) a * b;
                double s = p + c;
                double bp = s - p;
                double err = (p - (s - bp)) + (c - bp);
                yield directed(s, err, mode);
            }
            default -> throw unsupported(in);
        };
    }

    /** Rounds the exact value {@code hi + lo} to float toward zero ({@link Insn#RZ}), minus ({@link Insn#RM}) or plus infinity. */
    static float directed(double hi, double lo, int mode) {
        float f = (float) hi;
        if (Float.isInfinite(f) || f != f) return f;
        int cmp = Double.compare(f, hi);
        if (cmp == 0) cmp = lo > 0 ? -1 : lo < 0 ? 1 : 0;
        boolean positive = hi + lo > 0;
        boolean down = mode == Insn.RM || (mode == Insn.RZ && positive);
        boolean up = mode == Insn.RP || (mode == Insn.RZ && !positive);
        if (down && cmp > 0) return Math.nextDown(f);
        if (up && cmp < 0) return Math.nextUp(f);
        return f;
    }

    private static double float64(Insn in, long ab, long bb, long cb) {
        double a = d(ab);
        double b = d(bb);
        return switch (in.op) {
            case NEG -> -a;
            case ABS -> Math.abs(a);
            case SQRT -> Math.sqrt(a);
            case ADD -> a + b;
            case SUB -> a - b;
            case MUL -> a * b;
            case DIV -> a / b;
            case MIN -> a != a ? b : b != b ? a : Math.min(a, b);
            case MAX -> a != a ? b : b != b ? a : Math.max(a, b);
            case FMA, MAD -> Math.fma(a, b, d(cb));
            default -> throw unsupported(in);
        };
    }

    private static long unsignedMultiplyHigh(long a, long b) {
        return Math.multiplyHigh(a, b) + ((a >> 63) & b) + ((b >> 63) & a);
    }

    private static long integer(Insn in, int t, long ar, long br, long c) {
        long a = extend(ar, t);
        long b = extend(br, t);
        int w = Insn.WIDTH[t];
        boolean uns = !Insn.signed(t);
        switch (in.op) {
            case NEG:
                return fit(-a, t);
            case ABS:
                return fit(Math.abs(a), t);
            case ADD:
                return fit(a + b, t);
            case SUB:
                return fit(a - b, t);
            case MUL, MAD: {
                long add = in.op == Insn.Op.MAD ? c : 0;
                if ((in.flags & Insn.WIDE) != 0) return a * b + add;
                long p;
                if ((in.flags & Insn.HI) != 0) {
                    p = w == 64 ? (uns ? unsignedMultiplyHigh(a, b) : Math.multiplyHigh(a, b)) : (a * b) >> w;
                } else {
                    p = a * b;
                }
                return fit(p + extend(add, t), t);
            }
            case DIV:
                return b == 0 ? fit(-1, t) : fit(uns && w == 64 ? Long.divideUnsigned(a, b) : a / b, t);
            case REM:
                return b == 0 ? fit(a, t) : fit(uns && w == 64 ? Long.remainderUnsigned(a, b) : a % b, t);
            case MIN:
                return fit(uns && w == 64 ? (Long.compareUnsigned(a, b) <= 0 ? a : b) : Math.min(a, b), t);
            case MAX:
                return fit(uns && w == 64 ? (Long.compareUnsigned(a, b) >= 0 ? a : b) : Math.max(a, b), t);
            default:
                throw unsupported(in);
        }
    }

    private static boolean compare(Insn in, long x, long y) {
        int t = in.t;
        String cmp = in.sub;
        if (Insn.isFloat(t)) {
            double a = t == Insn.F32 ? f(x) : d(x);
            double b = t == Insn.F32 ? f(y) : d(y);
            boolean nan = a != a || b != b;
            return switch (cmp) {
                case "eq" -> !nan && a == b;
                case "ne" -> !nan && a != b;
                case "lt" -> !nan && a < b;
                case "le" -> !nan && a <= b;
                case "gt" -> !nan && a > b;
                case "ge" -> !nan && a >= b;
                case "equ" -> nan || a == b;
                case "neu" -> nan || a != b;
                case "ltu" -> nan || a < b;
                case "leu" -> nan || a <= b;
                case "gtu" -> nan || a > b;
                case "geu" -> nan || a >= b;
                case "num" -> !nan;
                case "nan" -> nan;
                default -> throw unsupported(in);
            };
        }
        long a = extend(x, t);
        long b = extend(y, t);
        int c = Insn.signed(t) || Insn.WIDTH[t] < 64 ? Long.compare(a, b) : Long.compareUnsigned(a, b);
        return switch (cmp) {
            case "eq" -> c == 0;
            case "ne" -> c != 0;
            case "lt", "lo" -> c < 0;
            case "le", "ls" -> c <= 0;
            case "gt", "hi" -> c > 0;
            case "ge", "hs" -> c >= 0;
            default -> throw unsupported(in);
        };
    }

    /** {@code cvt[.rnd][.sat].dst.src}. */
    private static long convert(Insn in, long x) {
        int dst = in.t2;
        int src = in.t;
        boolean sat = (in.flags & Insn.SAT) != 0;
        if (dst < 0 || src < 0) throw unsupported(in);
        if (Insn.isFloat(src)) {
            double v = src == Insn.F32 ? f(x) : d(x);
            v = roundInteger(in, v);
            if (Insn.isFloat(dst)) {
                if (sat) v = v != v ? 0 : Math.min(1, Math.max(0, v));
                return dst == Insn.F32 ? bits((float) v) : Double.doubleToRawLongBits(v);
            }
            if (v != v) return 0;
            int w = Insn.WIDTH[dst];
            double lo = Insn.signed(dst) ? -Math.pow(2, w - 1) : 0;
            double hi = Insn.signed(dst) ? Math.pow(2, w - 1) - 1 : Math.pow(2, w) - 1;
            if (v <= lo) return fit((long) lo, dst);
            if (v >= hi) return w == 64 && !Insn.signed(dst) ? -1L : fit((long) hi, dst);
            return fit((long) v, dst);
        }
        long v = extend(x, src);
        if (Insn.isFloat(dst)) {
            double dv = Insn.signed(src) || Insn.WIDTH[src] < 64 ? (double) v : unsignedToDouble(v);
            return dst == Insn.F32 ? bits((float) dv) : Double.doubleToRawLongBits(dv);
        }
        if (sat) {
            int w = Insn.WIDTH[dst];
            long lo = Insn.signed(dst) ? -(1L << (w - 1)) : 0;
            long hi = Insn.signed(dst) ? (1L << (w - 1)) - 1 : (w == 64 ? Long.MAX_VALUE : (1L << w) - 1);
            v = Math.max(lo, Math.min(hi, v));
        }
        return fit(v, dst);
    }

    private static double unsignedToDouble(long v) {
        return v >= 0 ? v : (double) (v >>> 1) * 2 + (v & 1);
    }

    private static double roundInteger(Insn in, double v) {
        int f = in.flags;
        if ((f & Insn.RNI) != 0) return Math.rint(v);
        if ((f & Insn.RZI) != 0) return v < 0 ? Math.ceil(v) : Math.floor(v);
        if ((f & Insn.RMI) != 0) return Math.floor(v);
        if ((f & Insn.RPI) != 0) return Math.ceil(v);
        return v;
    }

    /** The value an atomic leaves in memory. */
    static long atomic(Insn in, long old, long b, long c) {
        int t = in.t;
        String kind = in.sub;
        if (t == Insn.F32) {
            float x = f(old);
            float y = f(b);
            return switch (kind) {
                case "add" -> bits(x + y);
                case "min" -> bits(x != x ? y : y != y ? x : Math.min(x, y));
                case "max" -> bits(x != x ? y : y != y ? x : Math.max(x, y));
                case "exch" -> b;
                default -> throw unsupported(in);
            };
        }
        long x = extend(old, t);
        long y = extend(b, t);
        boolean uns = !Insn.signed(t);
        return fit(switch (kind) {
            case "add" -> x + y;
            case "min" -> uns ? (Long.compareUnsigned(x, y) <= 0 ? x : y) : Math.min(x, y);
            case "max" -> uns ? (Long.compareUnsigned(x, y) >= 0 ? x : y) : Math.max(x, y);
            case "inc" -> Long.compareUnsigned(x, y) >= 0 ? 0 : x + 1;
            case "dec" -> x == 0 || Long.compareUnsigned(x, y) > 0 ? y : x - 1;
            case "cas" -> x == y ? c : x;
            case "exch" -> y;
            case "and" -> x & y;
            case "or" -> x | y;
            case "xor" -> x ^ y;
            default -> throw unsupported(in);
        }, t);
    }
}
