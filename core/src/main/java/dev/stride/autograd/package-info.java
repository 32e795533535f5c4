/**
 * The define-by-run tape: ops record their gradient rule; backward walks it in reverse topological order.
 */
package dev.stride.autograd;
