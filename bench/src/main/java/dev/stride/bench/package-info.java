/**
 * The stride command line: train and bench.
 */
package dev.stride.bench;
