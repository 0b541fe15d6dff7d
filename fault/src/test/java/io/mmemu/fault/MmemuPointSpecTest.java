package io.mmemu.fault;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The {@code --fail} specs of mmemu's own points (fail_ipi, preempt, slub_corrupt, bitflip) and the at= lists. */
class MmemuPointSpecTest {
    @Test
    void atListsAreAscendingAndDistinct() {
        InstructionList l = InstructionList.parse("5000+100-103+1000-2000/500+101");
        assertEquals(8, l.size());
        assertEquals(100, l.next(0));
        assertEquals(101, l.next(100));
        assertEquals(1000, l.next(103));
        assertEquals(1500, l.next(1000));
        assertEquals(5000, l.next(2000));
        assertEquals(Long.MAX_VALUE, l.next(5000));
        assertTrue(l.contains(2000));
        assertFalse(l.contains(1999));
        assertTrue(InstructionList.parse("").isEmpty());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "preempt:at=0|at takes instruction counts N, A-B or A-B/STEP joined by '+' (N at least 1), got '0'",
        "preempt:at=12x|at takes instruction counts N, A-B or A-B/STEP joined by '+' (N at least 1), got '12x'",
        "preempt:at=9-3|at: '9-3' is not a range A-B[/STEP] with A <= B and STEP >= 1",
        "preempt:migrate=maybe|migrate takes Y or N (got 'maybe')",
        "preempt:sched-point=alloc_somewhere|sched-point takes all or names of SLUB scheduling points joined by '+' "
                + "(alloc_after_tid, alloc_after_freelist, alloc_before_cmpxchg, free_after_tid, free_after_freelist, "
                + "free_before_cmpxchg, slab_free_before_cmpxchg), got 'alloc_somewhere'",
        "fail_ipi:action=lose|action takes drop or delay (got 'lose')",
        "fail_ipi:delay=soon|delay takes a number (got 'soon')",
        "slub_corrupt:target=object|target takes freeptr or redzone (got 'object')",
        "bitflip:addr=main|addr takes a user address in hex (got 'main')",
        "bitflip:pfn=x1|pfn takes a number (got 'x1')",
        "bitflip:frame=3|bitflip has no attribute 'frame' (it has probability, interval, times, space, verbose, "
                + "task-filter, addr, at, bit, pfn)",
    })
    void badSpecsSayWhatWasExpected(String spec, String message) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> FaultSpec.parse(spec));
        assertEquals(message, e.getMessage());
    }

    @Test
    void commandLineSpecsArmTheirPoints() {
        FaultInjector f = new FaultInjector(1);
        FaultSpec.parse("preempt:at=100+200,migrate=Y,sched-point=alloc-before-cmpxchg").applyTo(f);
        FaultSpec.parse("fail_ipi:action=delay,delay=2").applyTo(f);
        FaultSpec.parse("slub_corrupt:cache=vm_area_struct,target=redzone,bit=3").applyTo(f);
        FaultSpec.parse("bitflip:at=5000,addr=0x7fff0000,bit=12").applyTo(f);
        for (FaultPoint p : new FaultPoint[] {FaultPoint.PREEMPT, FaultPoint.FAIL_IPI, FaultPoint.SLUB_CORRUPT,
            FaultPoint.BITFLIP}) {
            assertTrue(f.armed(p), p + " is armed by its spec alone (probability 100 from the command line)");
        }
        FaultAttr pre = f.attr(FaultPoint.PREEMPT);
        assertEquals("100+200", pre.text("at"));
        assertTrue(pre.flag("migrate"));
        assertEquals("alloc-before-cmpxchg", pre.text("sched-point"));
        assertEquals("delay", f.attr(FaultPoint.FAIL_IPI).text("action"));
        assertEquals(2, f.attr(FaultPoint.FAIL_IPI).number("delay"));
        assertEquals("1", f.attr(FaultPoint.SLUB_CORRUPT).get("times"), "slub_corrupt corrupts one object unless told");
        assertEquals(12, f.attr(FaultPoint.BITFLIP).number("bit"));
        assertEquals("0x7fff0000", f.attr(FaultPoint.BITFLIP).text("addr"));
    }
}
