package dev.stride.kernels.emu;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A parsed PTX module: its {@code .visible .entry} kernels, each decoded into an instruction array with
 * registers, parameters and shared variables resolved to slots and byte offsets.
 */
public final class PtxModule {
    private final String name;
    private final Map<String, Kernel> kernels = new LinkedHashMap<>();
    /** Module-level {@code .global} variables: name to size in bytes. */
    final Map<String, Integer> globals = new LinkedHashMap<>();

    private PtxModule(String name) {
        this.name = name;
    }

    public String name() {
        return name;
    }

    public Kernel kernel(String entry) {
        Kernel k = kernels.get(entry);
        if (k == null) throw new IllegalArgumentException(name + ": no kernel '" + entry + "' (kernels: " + kernels.keySet() + ")");
        return k;
    }

    public Map<String, Kernel> kernels() {
        return kernels;
    }

    /** One kernel parameter: its byte offset in the parameter buffer and its size. */
    public record Param(String name, String type, int offset, int size) {}

    /** A decoded kernel. */
    public static final class Kernel {
        final String name;
        final PtxModule module;
        final List<Param> params = new ArrayList<>();
        final Map<String, Integer> registers = new HashMap<>();
        final Map<String, Integer> shared = new HashMap<>();
        final Map<String, Integer> labels = new HashMap<>();
        final List<Insn> code = new ArrayList<>();
        int paramBytes;
        int sharedBytes;
        Insn[] insns;

        Kernel(String name, PtxModule module) {
            this.name = name;
            this.module = module;
        }

        public String name() {
            return name;
        }

        public List<Param> params() {
            return params;
        }

        public int sharedBytes() {
            return sharedBytes;
        }

        public int instructionCount() {
            return insns.length;
        }
    }

    private static final Pattern ENTRY = Pattern.compile("\\.entry\\s+(\\w+)\\s*\\(");
    private static final Pattern PARAM = Pattern.compile("\\.param\\s+(?:\\.align\\s+(\\d+)\\s+)?\\.(\\w+)\\s+(\\w+)(?:\\[(\\d+)])?");
    private static final Pattern REG = Pattern.compile("\\.reg\\s+\\.(\\w+)\\s+(%\\w+?)<(\\d+)>");
    // Names: nvcc's demoted and mangled shared variables carry '$' (_ZZ4kernE1t_$_0).
    private static final Pattern GLOBAL = Pattern.compile("^\\.global\\s+(?:\\.align\\s+(\\d+)\\s+)?\\.(\\w+)\\s+([\\w$]+)(?:\\[(\\d+)])?");
    private static final Pattern SHARED = Pattern.compile("\\.shared\\s+(?:\\.align\\s+(\\d+)\\s+)?\\.(\\w+)\\s+([\\w$]+)(?:\\[(\\d+)])?");

    /** Parses nvcc's PTX; an unsupported construct is an error naming the module and line. */
    public static PtxModule parse(String ptx, String moduleName) {
        PtxModule m = new PtxModule(moduleName);
        String[] lines = ptx.split("\n", -1);
        Kernel k = null;
        boolean inParams = false;
        boolean inBody = false;
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            int comment = line.indexOf("//");
            if (comment >= 0) line = line.substring(0, comment);
            line = line.trim();
            if (line.isEmpty()) continue;
            int lineNo = i + 1;
            Matcher e = ENTRY.matcher(line);
            if (e.find()) {
                k = new Kernel(e.group(1), m);
                m.kernels.put(k.name, k);
                inParams = true;
                continue;
            }
            if (k == null) {
                Matcher g = GLOBAL.matcher(line);
                if (g.find()) m.globals.put(g.group(3), typeBytes(g.group(2)) * (g.group(4) == null ? 1 : Integer.parseInt(g.group(4))));
                continue;
            }
            if (inParams) {
                Matcher p = PARAM.matcher(line);
                if (p.find()) {
                    int size = typeBytes(p.group(2)) * (p.group(4) == null ? 1 : Integer.parseInt(p.group(4)));
                    int align = p.group(1) == null ? typeBytes(p.group(2)) : Integer.parseInt(p.group(1));
                    k.paramBytes = (k.paramBytes + align - 1) / align * align;
                    k.params.add(new Param(p.group(3), p.group(2), k.paramBytes, size));
                    k.paramBytes += size;
                }
                if (line.startsWith(")")) inParams = false;
                continue;
            }
            if (line.equals("{")) {
                inBody = true;
                continue;
            }
            if (line.equals("}")) {
                k.insns = k.code.toArray(new Insn[0]);
                k = null;
                inBody = false;
                continue;
            }
            if (!inBody) continue;
            if (line.startsWith(".reg")) {
                Matcher r = REG.matcher(line);
                if (!r.find()) throw new PtxException(moduleName + ":" + lineNo + ": cannot read register declaration: " + line);
                for (int n = 0; n < Integer.parseInt(r.group(3)); n++) k.registers.put(r.group(2) + n, k.registers.size());
                continue;
            }
            if (line.startsWith(".shared")) {
                Matcher s = SHARED.matcher(line);
                if (!s.find()) throw new PtxException(moduleName + ":" + lineNo + ": cannot read shared declaration: " + line);
                int align = s.group(1) == null ? 4 : Integer.parseInt(s.group(1));
                k.sharedBytes = (k.sharedBytes + align - 1) / align * align;
                k.shared.put(s.group(3), k.sharedBytes);
                k.sharedBytes += typeBytes(s.group(2)) * (s.group(4) == null ? 1 : Integer.parseInt(s.group(4)));
                continue;
            }
            if (line.startsWith(".") || line.startsWith("{") || line.startsWith("}")) {
                if (line.startsWith(".pragma") || line.startsWith(".maxntid") || line.startsWith(".reqntid")) continue;
                throw new PtxException(moduleName + ":" + lineNo + ": unsupported directive in kernel " + k.name + ": " + line);
            }
            if (line.endsWith(":")) {
                k.labels.put(line.substring(0, line.length() - 1), k.code.size());
                continue;
            }
            if (!line.endsWith(";")) throw new PtxException(moduleName + ":" + lineNo + ": expected ';' at end of: " + line);
            k.code.add(Insn.decode(line.substring(0, line.length() - 1).trim(), lineNo, k, moduleName));
        }
        for (Kernel kernel : m.kernels.values()) {
            if (kernel.insns == null) throw new PtxException(moduleName + ": kernel " + kernel.name + " has no closing '}'");
            for (Insn in : kernel.insns) in.resolveLabel(kernel, moduleName);
        }
        return m;
    }

    static int typeBytes(String type) {
        return switch (type) {
            case "b8", "u8", "s8", "pred" -> 1;
            case "b16", "u16", "s16", "f16" -> 2;
            case "b32", "u32", "s32", "f32" -> 4;
            case "b64", "u64", "s64", "f64" -> 8;
            default -> throw new PtxException("unknown PTX type ." + type);
        };
    }
}
