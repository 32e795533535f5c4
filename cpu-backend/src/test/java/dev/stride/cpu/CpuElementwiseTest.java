package dev.stride.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class CpuElementwiseTest {
    private static float expected(float v) {
        return v > 0 ? 1f : 0f;
    }

    @Test
    void branchFreeStepAgreesWithTheCompareOnEveryKindOfFloat() {
        float[] special = {0f, -0f, Float.MIN_VALUE, -Float.MIN_VALUE, Float.MIN_NORMAL, -Float.MIN_NORMAL,
            Float.MAX_VALUE, -Float.MAX_VALUE, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN,
            Float.intBitsToFloat(0xffc00000), Float.intBitsToFloat(0x7f800001), 1f, -1f};
        for (float v : special) assertEquals(expected(v), CpuElementwise.step(v), "step(" + v + ")");
        SplittableRandom r = new SplittableRandom(7);
        for (int i = 0; i < 1_000_000; i++) {
            float v = Float.intBitsToFloat(r.nextInt());
            assertEquals(expected(v), CpuElementwise.step(v), "step of bits " + Integer.toHexString(Float.floatToRawIntBits(v)));
        }
    }
}
