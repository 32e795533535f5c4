/**
 * The training loop with its divergence guard, and checkpoints that resume bit for bit.
 */
package dev.stride.train;
