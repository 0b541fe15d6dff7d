package io.mmemu.emulator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmemu.emulator.campaign.Campaign;
import io.mmemu.emulator.campaign.Outcome;
import io.mmemu.emulator.campaign.SeedOutcome;
import io.mmemu.emulator.cli.Main;
import io.mmemu.emulator.record.LogReader;
import io.mmemu.emulator.record.LogRecord;
import io.mmemu.emulator.record.Replay;
import io.mmemu.emulator.record.ReplayResult;
import io.mmemu.emulator.run.GuestIo;
import io.mmemu.testprograms.GuestProgram;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fault-injection-replay workflow as a user runs it, end to end (issue 12's first acceptance
 * bullet): a campaign over seeds 1..200 with failslab at 5 % finds the planted bug of
 * planted-enomem; the failing seed's log replays bit for bit ten times in a row; shrink reduces it
 * to the one injected fault that matters; and the minimal log replays to the same crash.
 */
class FaultReplayWorkflowTest {
    static GuestIo capture(ByteArrayOutputStream out) {
        return new GuestIo(new ByteArrayInputStream(new byte[0]), out, out,
                new PrintStream(OutputStream.nullOutputStream()));
    }

    @Test
    void aCampaignFindsThePlantedBugWhoseLogReplaysAndShrinksToOneFault(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("campaign");
        String program = GuestProgram.named("planted-enomem").binary().toString();
        int status = Main.execute("campaign", "--seeds", "1..200", "--fail", "failslab:probability=5,verbose=0",
                "--out", dir.toString(), program);
        assertEquals(1, status, "some seeds fail");

        List<SeedOutcome> crashes = Campaign.readResults(dir).values().stream()
                .filter(o -> o.outcome() == Outcome.SIGNAL && "SIGSEGV".equals(o.signal())).toList();
        assertEquals(200, Campaign.readResults(dir).size());
        assertTrue(!crashes.isEmpty(), "the campaign finds the planted bug");
        SeedOutcome first = crashes.getFirst();
        Path log = dir.resolve(first.log());

        // Bit for bit, ten times: every recorded event, checkpoint hash and output chunk agrees.
        byte[] firstOutput = null;
        for (int i = 0; i < 10; i++) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ReplayResult r = Replay.replay(log, capture(out));
            assertTrue(r.identical(), "replay " + (i + 1) + ": " + r.summary());
            assertEquals(139, r.run().status());
            if (firstOutput == null) firstOutput = out.toByteArray();
            assertArrayEquals(firstOutput, out.toByteArray(), "replay " + (i + 1) + " printed the same");
        }
        assertEquals(0, Main.execute("replay", "--quiet", "--times", "2", log.toString()));

        Path min = tmp.resolve("min.mmlog");
        assertEquals(0, Main.execute("shrink", log.toString(), "--until", "signal=SIGSEGV", "-o", min.toString()));
        List<LogRecord.Inject> left = LogReader.read(min).injections();
        assertEquals(1, left.size(), "one fault remains: " + left);
        assertEquals("failslab", left.getFirst().point());
        ReplayResult minimal = Replay.replay(min, capture(new ByteArrayOutputStream()));
        assertTrue(minimal.identical(), minimal.summary());
        assertEquals(139, minimal.run().status(), "the minimal log replays to the same crash");
    }
}
