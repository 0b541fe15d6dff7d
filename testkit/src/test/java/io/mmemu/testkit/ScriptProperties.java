package io.mmemu.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;

/**
 * Generated scripts run on the sandboxes without breaking the standard invariants, reach the
 * outcomes a property needs (faults of each kind, copy-on-write after fork, frees on another
 * CPU), and print as scripts.
 */
class ScriptProperties {

    @Property(tries = 100)
    void addressSpaceScriptsKeepTheStandardInvariants(@ForAll("mmScripts") List<MmAction> script) {
        try (MmSandbox s = MmSandbox.boot()) {
            for (String o : Scripts.run(s, script, StandardInvariants.addressSpace())) {
                Statistics.collect(o.startsWith("0x") ? "address" : o.startsWith("ok") ? "ok" : o);
            }
        }
        Statistics.coverage(c -> {
            c.check("ok").count(n -> n > 100);
            c.check("SIGSEGV SEGV_MAPERR").count(n -> n > 0);
            c.check("SIGSEGV SEGV_ACCERR").count(n -> n > 0);
            c.check("-ENOMEM").count(n -> n > 0);
        });
    }

    @Property(tries = 100)
    void slubScriptsKeepTheStandardInvariantsAndGiveEveryPageBack(@ForAll("slubScripts") List<SlubAction> script) {
        try (SlubSandbox s = SlubSandbox.create()) {
            Scripts.run(s, script, StandardInvariants.slub());
            assertEquals(List.of(), s.drainAndDestroy(), s::describe);
        }
    }

    @Property(tries = 50)
    void everyActionPrintsAsAScriptLine(@ForAll("mmScripts") List<MmAction> mm, @ForAll("slubScripts") List<SlubAction> slub) {
        for (MmAction a : mm) {
            assertTrue(a.toString().matches("mm[0-2]\\.(mmap|munmap|mprotect|mremap|brk|madvise|read|write|fetch|fork|exit)\\(.*"), a::toString);
        }
        for (SlubAction a : slub) {
            assertTrue(a.toString().matches("cpu[0-3]\\.(alloc|kmalloc|free|kfree|flush)\\([^)]*\\)( migrating at [A-Z_]+ to cpu[0-3])?"),
                    a::toString);
        }
    }

    @Provide
    Arbitrary<List<MmAction>> mmScripts() {
        return MmActions.scripts(MmSandbox.DEFAULT_SLOTS);
    }

    @Provide
    Arbitrary<List<SlubAction>> slubScripts() {
        return SlubActions.scripts(SlubSandbox.DEFAULT_CPUS);
    }
}
