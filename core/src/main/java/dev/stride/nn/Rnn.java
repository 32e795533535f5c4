package dev.stride.nn;

import dev.stride.backend.Backend;
import dev.stride.backend.Backends;
import dev.stride.random.Generator;

/** {@code torch.nn.RNN(batch_first=True)}: the Elman cell {@code h_t = act(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)}, tanh or ReLU. */
public final class Rnn extends Recurrent {
    public Rnn(int input, int hidden) {
        this(input, hidden, 1, false, true, Backends.defaultBackend(), Generator.global());
    }

    public Rnn(int input, int hidden, int layers, boolean relu, boolean bias, Backend backend, Generator gen) {
        super("RNN", relu ? Cell.RNN_RELU : Cell.RNN_TANH, input, hidden, layers, bias, backend, gen);
    }
}
