package dev.stride.loss;

import dev.stride.autograd.Autograd;
import dev.stride.backend.Backend;
import dev.stride.backend.Storage;
import dev.stride.tensor.DType;
import dev.stride.tensor.Shape;
import dev.stride.tensor.Tensor;
import java.util.Arrays;

/** Loss functions, each reduced by the mean over the batch as PyTorch's default {@code reduction='mean'}. */
public final class Loss {
    private Loss() {}

    /**
     * Softmax cross-entropy on logits {@code [N, C]} with integer labels {@code [N]} in [0, C), like
     * {@code torch.nn.functional.cross_entropy}. Runs as the backend's fused op.
     */
    public static Tensor crossEntropy(Tensor logits, Tensor labels) {
        if (logits.rank() != 2 || labels.rank() != 1 || labels.dim(0) != logits.dim(0) || labels.dtype() != DType.I32) {
            throw new IllegalArgumentException("crossEntropy: expects logits [N, C] and I32 labels [N], got "
                    + Shape.str(logits.shape()) + " and " + Shape.str(labels.shape()) + " " + labels.dtype());
        }
        int rows = logits.dim(0);
        int cols = logits.dim(1);
        Backend be = logits.backend();
        Tensor y = labels.contiguous();
        Storage loss = be.allocate(DType.F32, rows);
        Storage probs = be.allocate(DType.F32, (long) rows * cols);
        be.softmaxCrossEntropy(logits.view(), y.storage(), loss, probs);
        Tensor perSample = Autograd.record("crossEntropy", Tensor.wrap(loss, DType.F32, rows), g -> {
            Storage grad = be.allocate(DType.F32, (long) rows * cols);
            be.softmaxCrossEntropyBackward(probs, y.storage(), g.contiguous().storage(), grad, rows, cols);
            return new Tensor[] {Tensor.wrap(grad, DType.F32, rows, cols)};
        }, logits);
        return perSample.mean();
    }

    /** Mean squared error between same-shape tensors. */
    public static Tensor mse(Tensor prediction, Tensor target) {
        if (!Arrays.equals(prediction.shape(), target.shape())) {
            throw new IllegalArgumentException("mse: prediction " + Shape.str(prediction.shape()) + " and target "
                    + Shape.str(target.shape()) + " differ in shape");
        }
        return prediction.sub(target).square().mean();
    }
}
