package dev.stride.kernels.emu;

/**
 * The arithmetic, logic, compare and convert instructions, with PTX's semantics where Java's differ: shift
 * amounts of the register width or more clamp, {@code min}/{@code max} return the non-NaN operand, ordered
 * compares are false on NaN, integer division by zero does not trap. Registers hold raw bits; 32-bit results
 * are kept zero-extended.
 */
final class Alu {
    private Alu() {}

    @FunctionalInterface
    interface Values {
        long value(Insn in, int i, Object thread, Object launch);
    }

    private static int width(String type) {
        return type.equals("pred") ? 1 : PtxModule.typeBytes(type) * 8;
    }

    private static boolean isFloat(String type) {
        return type.startsWith("f");
    }

    private static boolean signed(String type) {
        return type.startsWith("s");
    }

    /** Sign- or zero-extends the low {@code bits} of {@code v} by the type. */
    private static long extend(long v, String type) {
        return switch (width(type)) {
            case 8 -> signed(type) ? (byte) v : v & 0xFFL;
            case 16 -> signed(type) ? (short) v : v & 0xFFFFL;
            case 32 -> signed(type) ? (int) v : v & 0xFFFFFFFFL;
            default -> v;
        };
    }

    /** Truncates a result to the type's width, kept zero-extended in the register. */
    private static long fit(long v, String type) {
        return switch (width(type)) {
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

    static long execute(Insn in, long[] r, Values vals, Object t, Object l) {
        String type = in.type;
        java.util.function.IntToLongFunction v = i -> vals.value(in, i, t, l);
        switch (in.op) {
            case MOV, CVTA -> {
                return v.applyAsLong(1);
            }
            case SETP -> {
                return compare(in.mods[0], in.mods[in.mods.length - 1], v.applyAsLong(1), v.applyAsLong(2), in) ? 1 : 0;
            }
            case SELP -> {
                return v.applyAsLong(3) != 0 ? v.applyAsLong(1) : v.applyAsLong(2);
            }
            case CVT -> {
                return convert(in, v.applyAsLong(1));
            }
            case NOT -> {
                return fit(~v.applyAsLong(1), type);
            }
            case AND -> {
                return fit(v.applyAsLong(1) & v.applyAsLong(2), type);
            }
            case OR -> {
                return fit(v.applyAsLong(1) | v.applyAsLong(2), type);
            }
            case XOR -> {
                return fit(v.applyAsLong(1) ^ v.applyAsLong(2), type);
            }
            case SHL, SHR -> {
                return shift(in.op == Insn.Op.SHL, type, v.applyAsLong(1), v.applyAsLong(2) & 0xFFFFFFFFL);
            }
            default -> {
                if (type.equals("f32")) return bits(float32(in, v));
                if (type.equals("f64")) return Double.doubleToRawLongBits(float64(in, v));
                return integer(in, type, v);
            }
        }
    }

    private static long shift(boolean left, String type, long a, long amount) {
        int w = width(type);
        if (amount >= w) return left ? 0 : signed(type) && extend(a, type) < 0 ? fit(-1, type) : 0;
        if (left) return fit(a << amount, type);
        return fit(signed(type) ? extend(a, type) >> amount : extend(a, type) >>> amount, type);
    }

    /** Flushes a subnormal to a zero of the same sign when the instruction has {@code .ftz}. */
    private static float ftz(Insn in, float x) {
        return in.has("ftz") && x != 0 && Math.abs(x) < Float.MIN_NORMAL ? Math.copySign(0f, x) : x;
    }

    private static float float32(Insn in, java.util.function.IntToLongFunction v) {
        float a = ftz(in, f(v.applyAsLong(1)));
        float r = switch (in.op) {
            case NEG -> -a;
            case ABS -> Math.abs(a);
            case SQRT -> (float) Math.sqrt(a);
            // The .approx forms are the multi-function unit's approximations on a GPU (about 1-2 ulp); here
            // they are the correctly rounded values, which stay within those bounds.
            case RSQRT -> (float) (1 / Math.sqrt(a));
            case RCP -> in.has("approx") ? (float) (1.0 / a) : 1f / a;
            case EX2 -> (float) Math.pow(2, a);
            case LG2 -> (float) (Math.log(a) / Math.log(2));
            case TANH -> (float) Math.tanh(a);
            case SIN -> (float) Math.sin(a);
            case COS -> (float) Math.cos(a);
            default -> binary32(in, a, ftz(in, f(v.applyAsLong(2))), v);
        };
        r = ftz(in, r);
        if (in.has("sat")) r = r != r ? 0f : Math.min(1f, Math.max(0f, r));
        return r;
    }

    private static float binary32(Insn in, float a, float b, java.util.function.IntToLongFunction v) {
        String mode = in.has("rz") ? "rz" : in.has("rm") ? "rm" : in.has("rp") ? "rp" : "rn";
        return switch (in.op) {
            case ADD -> mode.equals("rn") ? a + b : directed((double) a + b, 0, mode);
            case SUB -> mode.equals("rn") ? a - b : directed((double) a - b, 0, mode);
            case MUL -> mode.equals("rn") ? a * b : directed((double) a * b, 0, mode);
            case DIV -> a / b;
            case MIN -> a != a ? b : b != b ? a : Math.min(a, b);
            case MAX -> a != a ? b : b != b ? a : Math.max(a, b);
            case COPYSIGN -> Math.copySign(b, a);
            case FMA, MAD -> {
                float c = ftz(in, f(v.applyAsLong(3)));
                if (mode.equals("rn")) yield Math.fma(a, b, c);
                // a·b is exact in double; TwoSum keeps the rounding error of adding c.
                double p = (double) a * b;
                double s = p + c;
                double bp = s - p;
                double err = (p - (s - bp)) + (c - bp);
                yield directed(s, err, mode);
            }
            default -> throw new PtxException("line " + in.line + ": unsupported f32 instruction `" + in.text + "`");
        };
    }

    /** Rounds the exact value {@code hi + lo} to float toward zero, minus infinity or plus infinity. */
    static float directed(double hi, double lo, String mode) {
        float f = (float) hi;
        if (Float.isInfinite(f) || f != f) return f;
        int cmp = Double.compare(f, hi);
        if (cmp == 0) cmp = lo > 0 ? -1 : lo < 0 ? 1 : 0;
        boolean down = mode.equals("rm") || (mode.equals("rz") && hi + lo > 0);
        boolean up = mode.equals("rp") || (mode.equals("rz") && hi + lo < 0);
        if (down && cmp > 0) return Math.nextDown(f);
        if (up && cmp < 0) return Math.nextUp(f);
        return f;
    }

    /** The value an atomic leaves in memory. */
    static long atomic(String kind, String type, long old, long b, long c, Insn in) {
        if (type.equals("f32")) {
            float x = f(old);
            float y = f(b);
            return switch (kind) {
                case "add" -> bits(x + y);
                case "min" -> bits(Math.min(x, y));
                case "max" -> bits(Math.max(x, y));
                case "exch" -> b;
                default -> throw new PtxException("line " + in.line + ": unsupported atomic `" + in.text + "`");
            };
        }
        long x = extend(old, type);
        long y = extend(b, type);
        boolean uns = !signed(type);
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
            default -> throw new PtxException("line " + in.line + ": unsupported atomic `" + in.text + "`");
        }, type);
    }

    private static double float64(Insn in, java.util.function.IntToLongFunction v) {
        double a = d(v.applyAsLong(1));
        if (in.op == Insn.Op.NEG) return -a;
        if (in.op == Insn.Op.ABS) return Math.abs(a);
        double b = d(v.applyAsLong(2));
        return switch (in.op) {
            case ADD -> a + b;
            case SUB -> a - b;
            case MUL -> a * b;
            case DIV -> a / b;
            case FMA, MAD -> Math.fma(a, b, d(v.applyAsLong(3)));
            default -> throw new PtxException("line " + in.line + ": unsupported f64 instruction `" + in.text + "`");
        };
    }

    private static long unsignedMultiplyHigh(long a, long b) {
        return Math.multiplyHigh(a, b) + ((a >> 63) & b) + ((b >> 63) & a);
    }

    private static long integer(Insn in, String type, java.util.function.IntToLongFunction v) {
        long a = extend(v.applyAsLong(1), type);
        int w = width(type);
        switch (in.op) {
            case NEG:
                return fit(-a, type);
            case ABS:
                return fit(Math.abs(a), type);
            default:
                break;
        }
        long b = extend(v.applyAsLong(2), type);
        boolean wide = in.has("wide");
        boolean hi = in.has("hi");
        return switch (in.op) {
            case ADD -> fit(a + b, type);
            case SUB -> fit(a - b, type);
            case MUL, MAD -> {
                long c = in.op == Insn.Op.MAD ? v.applyAsLong(3) : 0;
                long p;
                if (wide) {
                    p = a * b + c;
                    yield p;
                }
                if (hi) {
                    p = w == 64 ? (signed(type) ? Math.multiplyHigh(a, b) : unsignedMultiplyHigh(a, b)) : (a * b) >> w;
                } else {
                    p = a * b;
                }
                yield fit(p + extend(c, type), type);
            }
            case DIV -> b == 0 ? fit(-1, type) : fit(signed(type) ? a / b : w == 64 ? Long.divideUnsigned(a, b) : a / b, type);
            case REM -> b == 0 ? fit(a, type) : fit(signed(type) ? a % b : w == 64 ? Long.remainderUnsigned(a, b) : a % b, type);
            case MIN -> fit(signed(type) || w < 64 ? Math.min(a, b) : (Long.compareUnsigned(a, b) <= 0 ? a : b), type);
            case MAX -> fit(signed(type) || w < 64 ? Math.max(a, b) : (Long.compareUnsigned(a, b) >= 0 ? a : b), type);
            default -> throw new PtxException("line " + in.line + ": unsupported integer instruction `" + in.text + "`");
        };
    }

    private static boolean compare(String cmp, String type, long x, long y, Insn in) {
        if (isFloat(type)) {
            double a = type.equals("f32") ? f(x) : d(x);
            double b = type.equals("f32") ? f(y) : d(y);
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
                default -> throw new PtxException("line " + in.line + ": unsupported comparison `" + in.text + "`");
            };
        }
        long a = extend(x, type);
        long b = extend(y, type);
        int c = signed(type) || width(type) < 64 ? Long.compare(a, b) : Long.compareUnsigned(a, b);
        return switch (cmp) {
            case "eq" -> c == 0;
            case "ne" -> c != 0;
            case "lt", "lo" -> c < 0;
            case "le", "ls" -> c <= 0;
            case "gt", "hi" -> c > 0;
            case "ge", "hs" -> c >= 0;
            default -> throw new PtxException("line " + in.line + ": unsupported comparison `" + in.text + "`");
        };
    }

    /** {@code cvt[.rnd][.sat].dst.src}. */
    private static long convert(Insn in, long x) {
        String dst = in.mods[in.mods.length - 2];
        String src = in.mods[in.mods.length - 1];
        boolean sat = in.has("sat");
        if (isFloat(src) && isFloat(dst)) {
            double v = src.equals("f32") ? f(x) : d(x);
            v = roundInteger(in, v);
            if (sat) v = v != v ? 0 : Math.min(1, Math.max(0, v));
            return dst.equals("f32") ? bits((float) v) : Double.doubleToRawLongBits(v);
        }
        if (isFloat(src)) {
            double v = src.equals("f32") ? f(x) : d(x);
            v = roundInteger(in, v);
            if (v != v) return 0;
            long lo = signed(dst) ? -(1L << (width(dst) - 1)) : 0;
            double hiD = signed(dst) ? Math.pow(2, width(dst) - 1) - 1 : Math.pow(2, width(dst)) - 1;
            if (v <= lo) return fit(lo, dst);
            if (v >= hiD) return width(dst) == 64 && !signed(dst) ? -1L : fit((long) hiD, dst);
            return fit((long) v, dst);
        }
        long v = extend(x, src);
        if (isFloat(dst)) {
            double dv = signed(src) || width(src) < 64 ? (double) v : unsignedToDouble(v);
            return dst.equals("f32") ? bits((float) dv) : Double.doubleToRawLongBits(dv);
        }
        if (sat) {
            long lo = signed(dst) ? -(1L << (width(dst) - 1)) : 0;
            long hi = signed(dst) ? (1L << (width(dst) - 1)) - 1 : (width(dst) == 64 ? Long.MAX_VALUE : (1L << width(dst)) - 1);
            v = Math.max(lo, Math.min(hi, v));
        }
        return fit(v, dst);
    }

    private static double unsignedToDouble(long v) {
        return v >= 0 ? v : (double) (v >>> 1) * 2 + (v & 1);
    }

    private static double roundInteger(Insn in, double v) {
        if (in.has("rni")) return Math.rint(v);
        if (in.has("rzi")) return v < 0 ? Math.ceil(v) : Math.floor(v);
        if (in.has("rmi")) return Math.floor(v);
        if (in.has("rpi")) return Math.ceil(v);
        return v;
    }
}
