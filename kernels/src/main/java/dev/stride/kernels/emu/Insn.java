package dev.stride.kernels.emu;

import java.util.ArrayList;
import java.util.List;

/** One decoded PTX instruction: opcode, type and modifiers, guard predicate, and operands resolved to slots. */
final class Insn {
    enum Op { LD, ST, MOV, ADD, SUB, MUL, MAD, FMA, DIV, REM, NEG, ABS, MIN, MAX, AND, OR, XOR, NOT, SHL, SHR, SETP, SELP, CVT,
        CVTA, BRA, RET, EXIT, BAR, SHFL, VOTE, ATOM, RED, MEMBAR, SQRT, RSQRT, RCP, EX2, LG2, TANH, SIN, COS, COPYSIGN }

    /** Operand kinds. */
    static final int REG = 0;
    static final int IMM = 1;
    static final int SPECIAL = 2;
    static final int ADDR = 3;
    static final int VEC = 4;
    static final int LABEL = 5;
    static final int SYMBOL = 6;

    /** A decoded operand; for ADDR, {@code base} is a register slot or -1 with {@code symbolOffset} set. */
    static final class Operand {
        int kind;
        int reg;
        long imm;
        int special;
        int base = -1;
        long offset;
        String symbol;
        int[] vec;
        String label;
    }

    /** Types by code: width in bits, signedness, float-ness. */
    static final String[] TYPES = {"b8", "u8", "s8", "b16", "u16", "s16", "f16", "b32", "u32", "s32", "f32", "b64", "u64", "s64", "f64", "pred"};
    static final int[] WIDTH = {8, 8, 8, 16, 16, 16, 16, 32, 32, 32, 32, 64, 64, 64, 64, 1};
    static final int F32 = 10;
    static final int F64 = 14;

    static int typeCode(String t) {
        for (int i = 0; i < TYPES.length; i++) if (TYPES[i].equals(t)) return i;
        return -1;
    }

    static boolean signed(int t) {
        return t == 2 || t == 5 || t == 9 || t == 13;
    }

    static boolean isFloat(int t) {
        return t == 6 || t == F32 || t == F64;
    }

    static final int WIDE = 1;
    static final int HI = 2;
    static final int FTZ = 4;
    static final int SAT = 8;
    static final int RZ = 16;
    static final int RM = 32;
    static final int RP = 64;
    static final int APPROX = 128;
    static final int RNI = 256;
    static final int RZI = 512;
    static final int RMI = 1024;
    static final int RPI = 2048;
    private static final String[] FLAG_NAMES = {"wide", "hi", "ftz", "sat", "rz", "rm", "rp", "approx", "rni", "rzi", "rmi", "rpi"};

    static final int GENERIC = 0;
    static final int PARAM = 1;
    static final int GLOBAL = 2;
    static final int SHARED = 3;

    final String text;
    final int line;
    /** Decoded modifiers: the (last) type, cvt's destination type, flag bits, state space, vector lanes, sub-operation. */
    int t = -1;
    int t2 = -1;
    int flags;
    int spaceCode;
    int lanes = 1;
    int bytes;
    String sub = "";
    final Op op;
    final String[] mods;
    final String type;
    final Operand[] ops;
    int guard = -1;
    boolean guardNegated;
    /** The predicate of a {@code d|p} destination pair (shfl), or -1. */
    int pairPredicate = -1;
    int target = -1;

    private Insn(String text, int line, Op op, String[] mods, String type, Operand[] ops) {
        this.text = text;
        this.line = line;
        this.op = op;
        this.mods = mods;
        this.type = type;
        this.ops = ops;
    }

    boolean has(String mod) {
        for (String m : mods) if (m.equals(mod)) return true;
        return false;
    }

    /** The state space of a load or store: param, global, shared. */
    String space() {
        for (String m : mods) {
            if (m.equals("param") || m.equals("global") || m.equals("shared") || m.equals("local") || m.equals("const")) return m;
        }
        return "generic";
    }

    /** The vector width of a load or store (.v2, .v4), else 1. */
    int vector() {
        return has("v4") ? 4 : has("v2") ? 2 : 1;
    }

    static Insn decode(String text, int line, PtxModule.Kernel k, String module) {
        String s = text;
        int guard = -1;
        boolean negated = false;
        if (s.startsWith("@")) {
            int sp = s.indexOf(' ');
            String g = s.substring(1, sp);
            negated = g.startsWith("!");
            guard = reg(k, negated ? g.substring(1) : g, module, line);
            s = s.substring(sp).trim();
        }
        int sp = firstSpace(s);
        String opcode = sp < 0 ? s : s.substring(0, sp);
        String rest = sp < 0 ? "" : s.substring(sp).trim();
        String[] parts = opcode.split("\\.");
        Op op;
        try {
            op = Op.valueOf(parts[0].toUpperCase());
        } catch (IllegalArgumentException e) {
            throw new PtxException(module + ":" + line + ": unsupported instruction '" + parts[0] + "' in kernel " + k.name + ": " + text);
        }
        String[] mods = java.util.Arrays.copyOfRange(parts, 1, parts.length);
        String type = mods.length == 0 ? "" : mods[mods.length - 1];
        List<Operand> ops = new ArrayList<>();
        int pairPredicate = -1;
        for (String o : splitOperands(rest)) {
            String t = o.trim();
            int bar = t.indexOf('|');
            if (bar > 0 && ops.isEmpty()) {
                pairPredicate = reg(k, t.substring(bar + 1).trim(), module, line);
                t = t.substring(0, bar).trim();
            }
            ops.add(operand(t, k, module, line));
        }
        Insn in = new Insn(text, line, op, mods, type, ops.toArray(new Operand[0]));
        in.pairPredicate = pairPredicate;
        in.t = typeCode(type);
        if (mods.length >= 2) in.t2 = typeCode(mods[mods.length - 2]);
        for (int f = 0; f < FLAG_NAMES.length; f++) if (in.has(FLAG_NAMES[f])) in.flags |= 1 << f;
        String space = in.space();
        in.spaceCode = space.equals("param") ? PARAM : space.equals("global") ? GLOBAL : space.equals("shared") ? SHARED : GENERIC;
        in.lanes = in.vector();
        in.bytes = in.t >= 0 && in.t != 15 ? WIDTH[in.t] / 8 : 1;
        in.sub = switch (op) {
            case SETP, SHFL, VOTE -> mods.length > (op == Op.SETP ? 0 : 1) ? mods[op == Op.SETP ? 0 : 1] : "";
            case ATOM, RED -> mods.length >= 2 ? mods[mods.length - 2] : "";
            default -> "";
        };
        in.guard = guard;
        in.guardNegated = negated;
        return in;
    }

    void resolveLabel(PtxModule.Kernel k, String module) {
        if (op != Op.BRA) return;
        Operand o = ops[0];
        Integer t = k.labels.get(o.label);
        if (t == null) throw new PtxException(module + ":" + line + ": unknown label " + o.label);
        target = t;
    }

    private static int firstSpace(String s) {
        for (int i = 0; i < s.length(); i++) if (Character.isWhitespace(s.charAt(i))) return i;
        return -1;
    }

    private static List<String> splitOperands(String rest) {
        List<String> out = new ArrayList<>();
        if (rest.isEmpty()) return out;
        int depth = 0;
        int start = 0;
        for (int i = 0; i < rest.length(); i++) {
            char c = rest.charAt(i);
            if (c == '{' || c == '[') depth++;
            else if (c == '}' || c == ']') depth--;
            else if (c == ',' && depth == 0) {
                out.add(rest.substring(start, i));
                start = i + 1;
            }
        }
        out.add(rest.substring(start));
        return out;
    }

    private static int reg(PtxModule.Kernel k, String name, String module, int line) {
        Integer r = k.registers.get(name);
        if (r == null) throw new PtxException(module + ":" + line + ": undeclared register " + name + " in kernel " + k.name);
        return r;
    }

    private static final String[] SPECIALS = {"%tid.x", "%tid.y", "%tid.z", "%ntid.x", "%ntid.y", "%ntid.z", "%ctaid.x", "%ctaid.y",
        "%ctaid.z", "%nctaid.x", "%nctaid.y", "%nctaid.z", "%laneid", "%warpid"};

    private static Operand operand(String o, PtxModule.Kernel k, String module, int line) {
        Operand x = new Operand();
        if (o.startsWith("[")) {
            x.kind = ADDR;
            String inner = o.substring(1, o.length() - 1).trim();
            int plus = inner.indexOf('+');
            String base = plus < 0 ? inner : inner.substring(0, plus).trim();
            x.offset = plus < 0 ? 0 : Long.decode(inner.substring(plus + 1).trim());
            if (base.startsWith("%")) x.base = reg(k, base, module, line);
            else x.symbol = base;
            return x;
        }
        if (o.startsWith("{")) {
            x.kind = VEC;
            String[] regs = o.substring(1, o.length() - 1).split(",");
            x.vec = new int[regs.length];
            for (int i = 0; i < regs.length; i++) x.vec[i] = reg(k, regs[i].trim(), module, line);
            return x;
        }
        for (int i = 0; i < SPECIALS.length; i++) {
            if (o.equals(SPECIALS[i])) {
                x.kind = SPECIAL;
                x.special = i;
                return x;
            }
        }
        if (o.startsWith("%")) {
            x.kind = REG;
            x.reg = reg(k, o, module, line);
            return x;
        }
        if (o.startsWith("$")) {
            x.kind = LABEL;
            x.label = o;
            return x;
        }
        if (isParamOrShared(k, o)) {
            x.kind = SYMBOL;
            x.symbol = o;
            return x;
        }
        x.kind = IMM;
        x.imm = immediate(o, module, line);
        return x;
    }

    private static boolean isParamOrShared(PtxModule.Kernel k, String name) {
        if (k.shared.containsKey(name) || k.module.globals.containsKey(name)) return true;
        for (PtxModule.Param p : k.params) if (p.name().equals(name)) return true;
        return false;
    }

    private static long immediate(String o, String module, int line) {
        try {
            if (o.startsWith("0f") || o.startsWith("0F")) return Long.parseLong(o.substring(2), 16);
            if (o.startsWith("0d") || o.startsWith("0D")) return Long.parseUnsignedLong(o.substring(2), 16);
            String t = o.endsWith("U") ? o.substring(0, o.length() - 1) : o;
            if (t.startsWith("-0x")) return -Long.parseUnsignedLong(t.substring(3), 16);
            if (t.startsWith("0x") || t.startsWith("0X")) return Long.parseUnsignedLong(t.substring(2), 16);
            return Long.parseLong(t);
        } catch (NumberFormatException e) {
            throw new PtxException(module + ":" + line + ": cannot read operand '" + o + "'");
        }
    }
}
