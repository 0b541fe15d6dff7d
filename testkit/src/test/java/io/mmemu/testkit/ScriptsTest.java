package io.mmemu.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmemu.mm.pgtable.Access;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A script's failure names the step, lists the steps run with their results, and shows the state. */
class ScriptsTest {
    private static final int RW = MmSandbox.PROT_READ | MmSandbox.PROT_WRITE;

    private static final List<MmAction> SCRIPT = List.of(
            new MmAction.Mmap(0, MmAction.Placement.ANYWHERE, Where.vmaStart(0), 2, RW),
            new MmAction.Touch(0, Where.vmaStart(0), Access.WRITE, 0, 42),
            new MmAction.Munmap(0, Where.vmaStart(0), 1));

    @Test
    void aPassingScriptReturnsWhatEachStepCameTo() {
        try (MmSandbox s = MmSandbox.boot()) {
            List<String> outcomes = Scripts.run(s, SCRIPT, StandardInvariants.addressSpace());
            assertEquals(List.of("0x" + Long.toHexString(MmSandbox.WINDOW_END - 2 * MmSandbox.PAGE_SIZE), "ok", "0"),
                    outcomes);
        }
    }

    @Test
    void aViolationAfterAStepFailsWithTheTraceAndTheState() {
        Invariant<MmSandbox> atMostOnePage = Invariant.that("at most one page mapped in mm0",
                s -> s.mm(0).totalVm() <= 1);
        try (MmSandbox s = MmSandbox.boot()) {
            AssertionError e = assertThrows(AssertionError.class, () -> Scripts.run(s, SCRIPT, atMostOnePage));
            String m = e.getMessage();
            assertTrue(m.startsWith("1 invariant violation(s) after step #0 mm0.mmap(0, 2p, rw-):\n"
                    + "  - expected: at most one page mapped in mm0\n--- steps run ---\n#0 mm0.mmap(0, 2p, rw-)    = 0x"), m);
            assertTrue(m.contains("--- state ---\nmm0: ") && m.contains("rw-p"), m);
        }
    }

    @Test
    void anExceptionInAStepFailsNamingTheStep() {
        Action<MmSandbox> broken = new Action<>() {
            @Override
            public String applyTo(MmSandbox s) {
                throw new IllegalStateException("boom");
            }

            @Override
            public String toString() {
                return "broken()";
            }
        };
        try (MmSandbox s = MmSandbox.boot()) {
            AssertionError e = assertThrows(AssertionError.class, () -> Scripts.run(s, List.of(broken), Invariant.none()));
            assertTrue(e.getMessage().startsWith("the model threw boom\n  at step #0 broken()\n--- steps run ---\n#0 broken()\n"),
                    e.getMessage());
            assertTrue(e.getCause() instanceof IllegalStateException);
        }
    }

    @Test
    void andReportsTheViolationsOfBoth() {
        Invariant<MmSandbox> a = s -> List.of("a"), b = s -> List.of("b");
        try (MmSandbox s = MmSandbox.boot(MmSandbox.DEFAULT_RAM, 1)) {
            assertEquals(List.of("a", "b"), a.and(b).violations(s));
            assertEquals(List.of("b"), Invariant.<MmSandbox>none().and(b).violations(s));
            assertEquals(List.of("x"), Invariant.on(MmSandbox::slots, (Integer n) -> n == 1 ? List.of("x") : List.of())
                    .violations(s));
        }
    }
}
