package dev.stride.kernels.emu;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Lists the instruction forms of a module that the emulator does not implement, so a build fails when a
 * shipped kernel starts using one, rather than a test failing later at run time.
 */
public final class Lint {
    private Lint() {}

    private static final Set<String> NEUTRAL = Set.of("nc", "ca", "cg", "cs", "lu", "cv", "uni", "sync", "aligned", "to", "lo", "rn",
            "full", "v2", "v4", "gl", "cta", "sys", "gpu", "relaxed", "param", "global", "shared", "wide", "hi", "ftz", "sat",
            "rz", "rm", "rp", "approx", "rni", "rzi", "rmi", "rpi");
    private static final Set<String> COMPARE = Set.of("eq", "ne", "lt", "le", "gt", "ge", "lo", "ls", "hi", "hs", "equ", "neu",
            "ltu", "leu", "gtu", "geu", "num", "nan");
    private static final Set<String> SHFL = Set.of("up", "down", "bfly", "idx");
    private static final Set<String> VOTE = Set.of("all", "any", "uni", "ballot");
    private static final Set<String> ATOMIC = Set.of("add", "min", "max", "inc", "dec", "cas", "exch", "and", "or", "xor");
    private static final Set<Insn.Op> UNTYPED = Set.of(Insn.Op.BRA, Insn.Op.RET, Insn.Op.EXIT, Insn.Op.BAR, Insn.Op.MEMBAR);
    private static final Set<Insn.Op> FLOAT_ONLY = Set.of(Insn.Op.FMA, Insn.Op.SQRT, Insn.Op.RSQRT, Insn.Op.RCP, Insn.Op.EX2,
            Insn.Op.LG2, Insn.Op.TANH, Insn.Op.SIN, Insn.Op.COS, Insn.Op.COPYSIGN);

    /** One line per unsupported form: {@code module:line: form}. */
    public static List<String> check(PtxModule module) {
        List<String> problems = new ArrayList<>();
        for (PtxModule.Kernel k : module.kernels().values()) {
            for (Insn in : k.insns) {
                String why = unsupported(in);
                if (why != null) problems.add(module.name() + ":" + in.line + ": " + why + ": " + in.text);
            }
        }
        return problems;
    }

    private static String unsupported(Insn in) {
        for (String m : in.mods) {
            boolean known = NEUTRAL.contains(m) || Insn.typeCode(m) >= 0 || m.equals(in.sub) || (in.op == Insn.Op.BAR && m.equals("sync"));
            if (!known) return "modifier ." + m;
        }
        if (UNTYPED.contains(in.op)) return null;
        if (in.t < 0 && !(in.op == Insn.Op.VOTE && in.sub.equals("ballot"))) return "missing or unknown type";
        if (FLOAT_ONLY.contains(in.op) && !Insn.isFloat(in.t)) return "needs a float type";
        if (in.op == Insn.Op.CVT && in.t2 < 0) return "cvt needs destination and source types";
        if ((in.op == Insn.Op.LD || in.op == Insn.Op.ST || in.op == Insn.Op.ATOM || in.op == Insn.Op.RED) && in.spaceCode == Insn.GENERIC) {
            return "generic addressing";
        }
        return switch (in.op) {
            case SETP -> COMPARE.contains(in.sub) ? null : "comparison ." + in.sub;
            case SHFL -> SHFL.contains(in.sub) ? null : "shfl mode ." + in.sub;
            case VOTE -> VOTE.contains(in.sub) ? null : "vote mode ." + in.sub;
            case ATOM, RED -> ATOMIC.contains(in.sub) && (in.t == Insn.F32 ? Set.of("add", "min", "max", "exch").contains(in.sub) : true)
                    ? null : "atomic ." + in.sub + "." + Insn.TYPES[in.t];
            case FMA, MAD, ADD, SUB, MUL, DIV -> Insn.isFloat(in.t) && in.t != Insn.F32 && in.t != Insn.F64 ? "f16 arithmetic" : null;
            default -> null;
        };
    }
}
