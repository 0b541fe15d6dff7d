package io.mmemu.testkit;

/**
 * One step of a script: a call a user (or a CPU) makes on a sandbox. Actions are records whose
 * {@code toString} reads as a line of a script ({@code mm0.mmap(0, 3p, rw-)},
 * {@code cpu1.free(live[2]) migrating at FREE_AFTER_TID to cpu3}), so that the counterexample
 * jqwik shrinks to reads as the script that breaks the property.
 *
 * <p>Parameters are drawn before the state is known; an action resolves them against the state
 * when it runs (an address relative to a VMA, an index into the live objects), so that a step
 * keeps its meaning while the steps around it shrink away.
 *
 * @param <S> the sandbox it acts on
 */
public interface Action<S extends Sandbox> {

    /**
     * Runs the step.
     *
     * @param sandbox the sandbox to act on
     * @return what the step came to, for the trace and for statistics: {@code "0x7fffe0000"},
     *     {@code "-ENOMEM"}, {@code "SIGSEGV SEGV_ACCERR"}; never null
     */
    String applyTo(S sandbox);
}
