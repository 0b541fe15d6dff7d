package io.mmemu.testkit;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * A property of a sandbox's state that must hold after every step of a script. The script
 * runner makes one call, {@link #violations}, after each step, and fails with what it returns,
 * the steps run and the sandbox's state.
 *
 * <p>Any checker fits behind this interface as a lambda, e.g. mm-model's address-space
 * invariants: {@code s -> AddressSpaceInvariants.check(s.env(), s.live())}.
 *
 * @param <S> the sandbox it reads
 */
@FunctionalInterface
public interface Invariant<S> {

    /**
     * What is wrong with {@code sandbox}'s state, one line per violation; empty when the
     * invariant holds. It must not change the state (a checker that walks page tables with the
     * hardware walker would set Accessed bits).
     *
     * @param sandbox the state to check
     * @return the violations, empty when there are none
     */
    List<String> violations(S sandbox);

    /**
     * The invariant that always holds.
     *
     * @param <S> the sandbox type
     * @return an invariant with no violations
     */
    static <S> Invariant<S> none() {
        return s -> List.of();
    }

    /**
     * An invariant from a predicate: {@code description} is the violation when it is false.
     *
     * @param <S> the sandbox type
     * @param description what holds, for the failure message ("RSS within the mapped pages")
     * @param holds true when the state is fine
     * @return the invariant
     */
    static <S> Invariant<S> that(String description, Predicate<? super S> holds) {
        Objects.requireNonNull(description, "description");
        Objects.requireNonNull(holds, "holds");
        return s -> holds.test(s) ? List.of() : List.of("expected: " + description);
    }

    /**
     * Checks {@code other} on what {@code view} makes of the sandbox (the SLUB allocator of a
     * {@link SlubSandbox}, say), so that a checker of a model type serves a sandbox.
     *
     * @param <S> the sandbox type
     * @param <T> what the checker reads
     * @param view extracts what {@code other} checks
     * @param other the checker
     * @return the invariant over the sandbox
     */
    static <S, T> Invariant<S> on(Function<? super S, ? extends T> view, Invariant<? super T> other) {
        return s -> other.violations(view.apply(s));
    }

    /**
     * Both this invariant and {@code other}: the violations of each, this one's first.
     *
     * @param other the second invariant
     * @return the conjunction
     */
    default Invariant<S> and(Invariant<? super S> other) {
        Objects.requireNonNull(other, "other");
        return s -> {
            List<String> first = violations(s), second = other.violations(s);
            if (second.isEmpty()) return first;
            if (first.isEmpty()) return second;
            List<String> all = new ArrayList<>(first);
            all.addAll(second);
            return all;
        };
    }
}
