package io.mmemu.testkit;

import java.util.ArrayList;
import java.util.List;

/**
 * Runs a script of actions on a sandbox and checks an invariant after every step.
 *
 * <p>A failure is an {@link AssertionError} whose message is everything a reader needs: what
 * went wrong and at which step, every step run with what it came to, and the sandbox's state
 * ({@link Sandbox#describe()}). Three things fail a script: a violation of the invariant; an
 * {@link AssertionError} a step raises (the sandboxes raise one for an object handed out twice);
 * an exception a step throws (the model is not meant to throw on any input an action makes).
 */
public final class Scripts {
    private Scripts() {}

    /**
     * Checks {@code invariant} on the initial state, then runs each action and checks it again.
     *
     * @param <S> the sandbox type
     * @param sandbox the sandbox to drive
     * @param script the actions, in order
     * @param invariant what must hold after every step
     * @return what each step came to, in order (for jqwik's {@code Statistics.collect})
     * @throws AssertionError at the first step that fails, with the trace and the state
     */
    public static <S extends Sandbox> List<String> run(S sandbox, List<? extends Action<? super S>> script,
            Invariant<? super S> invariant) {
        List<String> trace = new ArrayList<>(script.size());
        List<String> outcomes = new ArrayList<>(script.size());
        check(sandbox, invariant, "in the initial state", trace);
        for (Action<? super S> action : script) {
            String step = "#" + trace.size() + " " + action;
            String outcome;
            try {
                outcome = action.applyTo(sandbox);
            } catch (AssertionError | RuntimeException e) {
                trace.add(step);
                throw failure(sandbox, (e instanceof AssertionError ? "" : "the model threw ") + e.getMessage()
                        + "\n  at step " + step, trace, e);
            }
            trace.add(step + "    = " + outcome);
            outcomes.add(outcome);
            check(sandbox, invariant, "after step " + step, trace);
        }
        return outcomes;
    }

    private static <S extends Sandbox> void check(S sandbox, Invariant<? super S> invariant, String when,
            List<String> trace) {
        List<String> violations = invariant.violations(sandbox);
        if (violations.isEmpty()) return;
        StringBuilder sb = new StringBuilder().append(violations.size()).append(" invariant violation(s) ").append(when)
                .append(':');
        for (String v : violations) sb.append("\n  - ").append(v);
        throw failure(sandbox, sb.toString(), trace, null);
    }

    private static AssertionError failure(Sandbox sandbox, String what, List<String> trace, Throwable cause) {
        StringBuilder sb = new StringBuilder(what).append("\n--- steps run ---\n");
        for (String t : trace) sb.append(t).append('\n');
        sb.append("--- state ---\n");
        try {
            sb.append(sandbox.describe());
        } catch (RuntimeException e) {
            sb.append("(cannot describe: ").append(e).append(")\n");
        }
        return new AssertionError(sb.toString(), cause);
    }
}
