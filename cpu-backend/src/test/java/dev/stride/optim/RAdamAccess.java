package dev.stride.optim;

/** Exposes RAdam's package-private rectification term to the tests. */
public final class RAdamAccess {
    private RAdamAccess() {}

    public static double rect(double beta2, long step) {
        return RAdam.rectification(beta2, step);
    }
}
