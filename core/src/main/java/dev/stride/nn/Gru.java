package dev.stride.nn;

import dev.stride.backend.Backend;
import dev.stride.backend.Backends;
import dev.stride.random.Generator;

/**
 * {@code torch.nn.GRU(batch_first=True)}: gates r, z and candidate {@code n = tanh(W_in x_t + b_in + r⊙(W_hn h + b_hn))},
 * {@code h_t = (1 - z)⊙n + z⊙h_{t-1}}.
 */
public final class Gru extends Recurrent {
    public Gru(int input, int hidden) {
        this(input, hidden, 1, true, Backends.defaultBackend(), Generator.global());
    }

    public Gru(int input, int hidden, int layers, boolean bias, Backend backend, Generator gen) {
        super("GRU", Cell.GRU, input, hidden, layers, bias, backend, gen);
    }
}
