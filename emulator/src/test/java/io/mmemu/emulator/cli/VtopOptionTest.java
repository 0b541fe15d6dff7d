package io.mmemu.emulator.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * {@code --vtop PID:ADDR} translates in another process's address space, as crash's
 * {@code vtop -c PID} does: mt-munmap-shootdown forks a child (pid 6), whose page tables are its
 * own while its text page is the parent's frame.
 */
class VtopOptionTest {
    private static final Pattern PML4 = Pattern.compile("PML4 DIRECTORY: ([0-9a-f]+)");
    private static final Pattern PAGE = Pattern.compile("\\n\\s+PAGE: ([0-9a-f]+)");

    @Test
    void aPidTranslatesInThatProcesssAddressSpace() {
        InProcessRun r = InProcessRun.run(List.of("--cpus", "4", "--vtop", "6:0x401000", "--vtop", "0x401000"),
                "mt-munmap-shootdown");
        assertEquals(0, r.status(), r.log());
        int child = r.log().indexOf("PID 6:\n");
        assertTrue(child >= 0, r.log());
        String childPart = r.log().substring(child);
        String programPart = r.log().substring(childPart.indexOf("PML4 DIRECTORY") + child + 20);
        Matcher c = PML4.matcher(childPart);
        Matcher p = PML4.matcher(programPart);
        assertTrue(c.find() && p.find(), r.log());
        assertNotEquals(c.group(1), p.group(1), "each process has its own PML4");
        Matcher cp = PAGE.matcher(childPart);
        Matcher pp = PAGE.matcher(programPart);
        assertTrue(cp.find() && pp.find(), r.log());
        assertEquals(cp.group(1), pp.group(1), "fork shares the text page's frame");
    }

    @Test
    void aBadPidIsRefusedWithTheFormat() {
        CommandLine.ParameterException e = assertThrows(CommandLine.ParameterException.class,
                () -> RunCommand.parse(List.of("--vtop", "x:0x1000", "prog")));
        assertTrue(e.getMessage().contains("'x' is not a pid (e.g. 3:0x401000)"), e.getMessage());
    }
}
