package dev.stride.nn;

import dev.stride.backend.Backend;
import dev.stride.backend.Backends;
import dev.stride.random.Generator;

/**
 * {@code torch.nn.LSTM(batch_first=True)}: gates i, f, g, o from {@code W_ih x_t + b_ih + W_hh h_{t-1} + b_hh},
 * {@code c_t = f⊙c_{t-1} + i⊙g}, {@code h_t = o⊙tanh(c_t)}.
 */
public final class Lstm extends Recurrent {
    public Lstm(int input, int hidden) {
        this(input, hidden, 1, true, Backends.defaultBackend(), Generator.global());
    }

    public Lstm(int input, int hidden, int layers, boolean bias, Backend backend, Generator gen) {
        super("LSTM", Cell.LSTM, input, hidden, layers, bias, backend, gen);
    }
}
