package io.mmemu.emulator.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmemu.emulator.unicorn.Uc;
import io.mmemu.mm.page.PageAllocator;
import io.mmemu.mm.pgtable.WalkResult;
import org.junit.jupiter.api.Test;

/** Which frames the code-coherence logic believes may hold translated code, without engines. */
class CrossModifyingCodeTest {
    private final PageAllocator allocator = new PageAllocator(256, 1);
    private final CrossModifyingCode cmc = new CrossModifyingCode(allocator.frames(), new Cpu[0]); // no engines: the marks alone

    /** The fill hook hands a walk's permission bits to Unicorn unchanged: they must be UC_PROT_*. */
    @Test
    void walkPermissionBitsAreUnicornsProtBits() {
        assertEquals(Uc.PROT_READ, WalkResult.PROT_READ);
        assertEquals(Uc.PROT_WRITE, WalkResult.PROT_WRITE);
        assertEquals(Uc.PROT_EXEC, WalkResult.PROT_EXEC);
    }

    @Test
    void anExecutableFillMarksItsFrameOnly() {
        long pfn = allocator.allocPages(0);
        assertFalse(cmc.mayHoldCode(pfn));
        cmc.onExecutableFill(0, pfn);
        assertTrue(cmc.mayHoldCode(pfn));
        assertFalse(cmc.mayHoldCode(pfn + 1), "the neighbour frame");
    }

    @Test
    void writingAMappedFrameKeepsItsMarkForTheEngineMayTranslateAgainWithoutAFill() {
        long pfn = allocator.allocPages(0);
        allocator.frames().incMapcount(pfn);
        cmc.onExecutableFill(0, pfn);
        cmc.beforeFrameWrite(pfn);
        assertTrue(cmc.mayHoldCode(pfn), "mapcount " + allocator.frames().pageMapcount(pfn));
    }

    @Test
    void aFrameMappedNowhereLosesItsMarkWhenWritten() {
        long pfn = allocator.allocPages(0);
        cmc.onExecutableFill(0, pfn);
        cmc.beforeFrameWrite(pfn);
        assertFalse(cmc.mayHoldCode(pfn));
    }
}
