package dev.stride.data;

import dev.stride.autograd.NoGrad;
import dev.stride.backend.Backend;
import dev.stride.tensor.Tensor;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.EigenDecomposition_F64;

/**
 * Preprocessing fitted on a training set and then applied, unchanged, to any split: mean-image subtraction,
 * per-channel mean subtraction, standardization, PCA to k components and PCA whitening. Fitting reads only
 * the dataset it is given, so statistics never leak from validation or test data.
 */
public final class Preprocessing {
    private Preprocessing() {}

    /** A fitted transform. */
    @FunctionalInterface
    public interface Transform {
        Dataset apply(Dataset d);
    }

    /** Mean and standard deviation of every feature of the training set, for input standardization. */
    public static float[] meanStd(Dataset d) {
        double sum = 0;
        double sq = 0;
        for (float v : d.features()) {
            sum += v;
            sq += (double) v * v;
        }
        double n = d.features().length;
        double mean = sum / n;
        return new float[] {(float) mean, (float) Math.sqrt(Math.max(sq / n - mean * mean, 1e-12))};
    }

    /** Subtracts the training set's mean of every feature (the "mean image"). */
    public static Transform meanImage(Dataset train) {
        double[] mean = featureMeans(train);
        return d -> map(d, d.sampleShape(), (x, out) -> {
            for (int j = 0; j < x.length; j++) out[j] = (float) (x[j] - mean[j]);
        });
    }

    /** Subtracts each channel's training mean, for samples shaped {@code [C, ...]}. */
    public static Transform perChannelMean(Dataset train) {
        int c = train.sampleShape()[0];
        int per = train.sampleSize() / c;
        double[] mean = new double[c];
        for (int i = 0; i < train.size(); i++) {
            for (int j = 0; j < train.sampleSize(); j++) mean[j / per] += train.features()[i * train.sampleSize() + j];
        }
        for (int k = 0; k < c; k++) mean[k] /= (double) train.size() * per;
        return d -> map(d, d.sampleShape(), (x, out) -> {
            for (int j = 0; j < x.length; j++) out[j] = (float) (x[j] - mean[j / per]);
        });
    }

    /** {@code (x - mean) / std} per feature; features with no variance in training are only centred. */
    public static Transform standardize(Dataset train) {
        double[] mean = featureMeans(train);
        double[] std = new double[mean.length];
        int n = train.size();
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < std.length; j++) {
                double v = train.features()[i * std.length + j] - mean[j];
                std[j] += v * v;
            }
        }
        for (int j = 0; j < std.length; j++) std[j] = Math.sqrt(std[j] / n);
        return d -> map(d, d.sampleShape(), (x, out) -> {
            for (int j = 0; j < x.length; j++) out[j] = (float) ((x[j] - mean[j]) / (std[j] > 1e-8 ? std[j] : 1));
        });
    }

    /**
     * Projects centred samples on the top {@code k} eigenvectors of the training covariance; with {@code whiten}
     * each component is divided by {@code sqrt(eigenvalue + eps)}, so the training covariance becomes the identity.
     * Samples become vectors of length k. The covariance is one GEMM on {@code backend}.
     */
    public static Transform pca(Dataset train, int k, boolean whiten, double eps, Backend backend) {
        int dim = train.sampleSize();
        if (k < 1 || k > dim) throw new IllegalArgumentException("pca: k must be in [1, " + dim + "], got " + k);
        double[] mean = featureMeans(train);
        float[] centred = new float[train.features().length];
        for (int i = 0; i < train.size(); i++) {
            for (int j = 0; j < dim; j++) centred[i * dim + j] = (float) (train.features()[i * dim + j] - mean[j]);
        }
        float[] cov;
        try (NoGrad ignored = NoGrad.enter()) {
            Tensor x = Tensor.of(backend, centred, train.size(), dim);
            cov = x.t().matmul(x).div((float) train.size()).toFloatArray();
        }
        DMatrixRMaj c = new DMatrixRMaj(dim, dim);
        for (int i = 0; i < dim * dim; i++) c.data[i] = cov[i];
        EigenDecomposition_F64<DMatrixRMaj> eig = DecompositionFactory_DDRM.eig(dim, true, true);
        if (!eig.decompose(c)) throw new IllegalStateException("pca: eigendecomposition of the " + dim + "x" + dim + " covariance failed");
        Integer[] order = new Integer[dim];
        for (int i = 0; i < dim; i++) order[i] = i;
        java.util.Arrays.sort(order, (a, b) -> Double.compare(eig.getEigenvalue(b).real, eig.getEigenvalue(a).real));
        double[][] basis = new double[k][];
        double[] scale = new double[k];
        for (int m = 0; m < k; m++) {
            DMatrixRMaj v = eig.getEigenVector(order[m]);
            basis[m] = v.data.clone();
            double lambda = Math.max(eig.getEigenvalue(order[m]).real, 0);
            scale[m] = whiten ? 1 / Math.sqrt(lambda + eps) : 1;
        }
        return d -> map(d, new int[] {k}, (x, out) -> {
            for (int m = 0; m < k; m++) {
                double s = 0;
                for (int j = 0; j < dim; j++) s += (x[j] - mean[j]) * basis[m][j];
                out[m] = (float) (s * scale[m]);
            }
        });
    }

    private static double[] featureMeans(Dataset d) {
        int dim = d.sampleSize();
        double[] mean = new double[dim];
        for (int i = 0; i < d.size(); i++) {
            for (int j = 0; j < dim; j++) mean[j] += d.features()[i * dim + j];
        }
        for (int j = 0; j < dim; j++) mean[j] /= Math.max(d.size(), 1);
        return mean;
    }

    @FunctionalInterface
    private interface SampleMap {
        void apply(float[] in, float[] out);
    }

    private static Dataset map(Dataset d, int[] outShape, SampleMap f) {
        int in = d.sampleSize();
        int out = 1;
        for (int s : outShape) out *= s;
        float[] result = new float[d.size() * out];
        float[] x = new float[in];
        float[] y = new float[out];
        for (int i = 0; i < d.size(); i++) {
            System.arraycopy(d.features(), i * in, x, 0, in);
            f.apply(x, y);
            System.arraycopy(y, 0, result, i * out, out);
        }
        return new Dataset(result, d.labels(), outShape, d.classes());
    }
}
