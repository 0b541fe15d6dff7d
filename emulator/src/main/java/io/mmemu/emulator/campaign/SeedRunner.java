package io.mmemu.emulator.campaign;

import java.nio.file.Path;

/** Runs the campaign's program with one seed, on a fresh machine. */
@FunctionalInterface
public interface SeedRunner {
    /**
     * Runs seed {@code seed}, recording the run to {@code recordTo}.
     *
     * @param seed     the seed
     * @param recordTo where the run's log goes (the campaign keeps it only for a failing run)
     * @return how the run ended (its log field null: the campaign fills it in)
     */
    SeedOutcome run(long seed, Path recordTo);
}
