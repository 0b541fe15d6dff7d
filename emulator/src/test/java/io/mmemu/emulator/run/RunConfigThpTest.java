package io.mmemu.emulator.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import io.mmemu.mm.huge.ThpPolicy;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * --thp in a run's configuration: recorded in the log's header and read back, given to the
 * machine, shown in the arguments that reproduce the run; logs from before it read as madvise.
 */
class RunConfigThpTest {
    static final GuestIo NO_IO = new GuestIo(InputStream.nullInputStream(), OutputStream.nullOutputStream(),
            OutputStream.nullOutputStream(), new PrintStream(OutputStream.nullOutputStream()));

    static RunConfig withThp(String thp) {
        RunConfig d = RunConfig.defaults(Path.of("prog"), List.of());
        return new RunConfig(d.program(), d.args(), d.env(), d.ramBytes(), d.aslr(), d.seed(), d.cpus(), d.quantum(),
                d.tlbPreset(), d.pcid(), d.checkTlb(), d.dropShootdowns(), d.precise(), d.exactTlb(),
                d.countInstructions(), d.verbose(), d.root(), d.maxInstructions(), d.fail(), d.slubDebug(), thp, d.cpuModel());
    }

    @Test
    void thpSurvivesTheLogHeaderAndReachesTheMachine() {
        RunConfig c = withThp("always");
        assertEquals(c, RunConfig.fromJson(c.toJson().toString()));
        assertTrue(String.join(" ", c.toArguments()).contains("--thp always"), c.toArguments().toString());
        assertEquals(ThpPolicy.ALWAYS, c.machineOptions(NO_IO).thp());
        assertEquals(ThpPolicy.ALWAYS, c.withSeed(9).machineOptions(NO_IO).thp(), "withSeed keeps it");
        assertEquals(ThpPolicy.NEVER, withThp("never").machineOptions(NO_IO).thp());
    }

    @Test
    void theDefaultIsMadviseAndOldLogsReadAsIt() {
        RunConfig d = RunConfig.defaults(Path.of("prog"), List.of());
        assertEquals("madvise", d.thp());
        assertEquals(ThpPolicy.MADVISE, d.machineOptions(NO_IO).thp());
        assertFalse(d.toArguments().contains("--thp"), "the default is not spelt out");
        JsonObject old = d.toJson();
        old.remove("thp");
        assertEquals(d, RunConfig.fromJson(old));
    }

    @Test
    void anUnknownPolicyIsRefusedNamingTheOption() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> withThp("sometimes").validate());
        assertEquals("--thp: THP policy must be always, madvise or never (got sometimes)", e.getMessage());
    }
}
