package io.mmemu.mm.slab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmemu.fault.FaultAttr;
import io.mmemu.fault.FaultInjector;
import io.mmemu.fault.FaultPoint;
import io.mmemu.fault.FaultSpec;
import io.mmemu.mm.page.FrameWriteHook;
import io.mmemu.mm.vma.MmEnv;
import io.mmemu.mm.vma.TlbFlush;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * should_failslab()'s filters in front of should_fail_ex(): ignore-gfp-wait (every model
 * allocation may sleep), cache-filter with SLAB_FAILSLAB marks or (mmemu) cache names, and
 * filtered allocations that neither get a call number nor count fail-nth down.
 */
class FailslabTest {
    private FaultInjector faults;
    private MmEnv env;
    private KernelSlab slab;

    @BeforeEach
    void setUp() {
        faults = new FaultInjector(1);
        env = new MmEnv(MmEnv.Ram.reserve(16L << 20), TlbFlush.NONE, FrameWriteHook.NONE, faults);
        slab = env.kernelSlab();
    }

    @AfterEach
    void tearDown() {
        env.mem().close();
    }

    @Test
    void linuxsDefaultIgnoreGfpWaitSparesEveryModelAllocation() {
        FaultAttr a = faults.attr(FaultPoint.FAILSLAB);
        a.set("probability", "100");
        a.set("times", "-1");
        assertNotEquals(0, slab.alloc(slab.vmAreaCachep()), "GFP_KERNEL may sleep: ignored while ignore-gfp-wait is Y");
        assertEquals(0, faults.calls(FaultPoint.FAILSLAB), "a filtered allocation never reaches should_fail_ex()");
        a.set("ignore-gfp-wait", "N");
        assertEquals(0, slab.alloc(slab.vmAreaCachep()));
        assertEquals(1, faults.calls(FaultPoint.FAILSLAB));
    }

    @Test
    void cacheFilterNamesFailOnlyThoseCaches() {
        FaultSpec.parse("failslab:probability=100,cache-filter=mm_struct+vm_area_struct").applyTo(faults);
        assertNotEquals(0, slab.alloc(slab.taskStructCachep()));
        assertNotEquals(0, slab.alloc(slab.pidCachep()));
        assertEquals(0, slab.alloc(slab.vmAreaCachep()));
        assertEquals(0, slab.alloc(slab.mmCachep()));
        assertEquals(2, faults.calls(FaultPoint.FAILSLAB), "only the named caches reach should_fail_ex()");
        assertTrue(slab.failslab().isMarked("mm_struct"));
        assertFalse(slab.failslab().isMarked("pid"));
    }

    @Test
    void cacheFilterYesFailsTheCachesMarkedSlabFailslab() {
        FaultSpec.parse("failslab:probability=100,cache-filter=Y").applyTo(faults);
        assertNotEquals(0, slab.alloc(slab.vmAreaCachep()), "no cache is marked yet");
        slab.failslab().setMarked("vm_area_struct", true); // echo 1 > /sys/kernel/slab/vm_area_struct/failslab
        assertEquals(0, slab.alloc(slab.vmAreaCachep()));
        assertNotEquals(0, slab.alloc(slab.filesCachep()));
        slab.failslab().setMarked("vm_area_struct", false);
        assertNotEquals(0, slab.alloc(slab.vmAreaCachep()));
    }

    @Test
    void listedMatchesWholeNamesOnly() {
        assertTrue(Failslab.listed("mm_struct+vm_area_struct", "vm_area_struct"));
        assertTrue(Failslab.listed("mm_struct+vm_area_struct", "mm_struct"));
        assertFalse(Failslab.listed("vm_area_struct", "area_struct"));
        assertFalse(Failslab.listed("vm_area_struct_x", "vm_area_struct"));
        assertFalse(Failslab.listed("", "pid"));
    }
}
