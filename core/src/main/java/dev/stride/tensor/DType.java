package dev.stride.tensor;

/** Element types. {@code F32} for data and parameters, {@code I32} for labels and indices. */
public enum DType {
    F32(4, "F32"),
    I32(4, "I32");

    private final int bytes;
    private final String safetensorsName;

    DType(int bytes, String safetensorsName) {
        this.bytes = bytes;
        this.safetensorsName = safetensorsName;
    }

    public int bytes() {
        return bytes;
    }

    /** The dtype string used in safetensors headers. */
    public String safetensorsName() {
        return safetensorsName;
    }
}
