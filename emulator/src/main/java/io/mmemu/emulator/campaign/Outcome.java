package io.mmemu.emulator.campaign;

import java.util.Locale;

/** How one seed's run ended, as a campaign sorts runs. */
public enum Outcome {
    /** Exit status 0 and nothing found. */
    OK,
    /** Exited with a status other than 0 (the program saw an error and said so). */
    EXIT,
    /** Killed by a signal: a crash. */
    SIGNAL,
    /** Cut short by --max-instructions or --timeout. */
    STOPPED,
    /** The program never started: execve() failed (status 126 or 127). */
    EXEC_FAILED;

    /** {@return the name results.jsonl uses: ok, exit, signal, stopped, exec-failed} */
    public String jsonName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /**
     * The outcome {@link #jsonName} names.
     *
     * @param name a name as results.jsonl writes it
     * @return the outcome
     * @throws IllegalArgumentException when no outcome has that name
     */
    public static Outcome byJsonName(String name) {
        for (Outcome o : values()) if (o.jsonName().equals(name)) return o;
        throw new IllegalArgumentException("unknown outcome '" + name + "'");
    }
}
