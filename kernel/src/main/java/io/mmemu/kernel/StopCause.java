package io.mmemu.kernel;

/** Why a run ended before its tasks did ({@link Kernel#stopCause}). */
public enum StopCause {
    /** The instruction budget ({@link Kernel#setMaxInstructions}) ran out. */
    INSTRUCTION_LIMIT,
    /** {@link Kernel#requestStop} was called (by --timeout's watchdog). */
    REQUEST
}
