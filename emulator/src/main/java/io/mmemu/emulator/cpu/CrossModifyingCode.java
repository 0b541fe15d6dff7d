package io.mmemu.emulator.cpu;

import io.mmemu.mm.page.FrameTable;
import io.mmemu.mm.page.PageFlag;

/**
 * Keeps translated code coherent across the CPUs' engines (ARCHITECTURE.md, "translated code
 * stays coherent"). An engine notices the writes it makes itself to a page it translated code
 * from (QEMU's self-modifying-code detection), but not another engine's writes to the shared
 * physical memory: one thread rewriting code that a thread on another CPU runs (SDM vol. 3A,
 * "Handling Self- and Cross-Modifying Code") would leave the other engine running the old
 * translation.
 *
 * <p>The protocol, with PG_ever_exec as "some engine may hold translated code from this frame"
 * (the page allocator clears it, dropping translated code everywhere, when the frame is reused):
 * <ol>
 *   <li>A fetch marks its frame ever-executable. The first mark also empties every other
 *       engine's Unicorn TLB, so that a writable translation of the frame cached before it held
 *       code is filled again and seen by step 2.</li>
 *   <li>A fill that lets an engine write to an ever-executable frame records that the engine
 *       may write code, until its Unicorn TLB is emptied.</li>
 *   <li>Before an engine runs, if another engine may write code, its translated code is
 *       dropped: whatever it runs next is translated from memory as it is now.</li>
 * </ol>
 * Engines run one at a time (ARCHITECTURE.md, "Determinism"), so a write made while one engine
 * runs is visible to every other engine's next translation. Programs that never write to
 * their code cost one frame-flag test per writable fill and per fetch fill.
 */
public final class CrossModifyingCode {

    private final FrameTable frames;
    /** The CPUs whose engines to keep coherent: the machine's, once it has made them all. */
    private Cpu[] cpus = new Cpu[0];
    /** Per CPU: its Unicorn TLB may let it write to a frame some engine translated code from. */
    private final boolean[] mayWriteCode;

    public CrossModifyingCode(FrameTable frames, int nrCpus) {
        this.frames = frames;
        this.mayWriteCode = new boolean[nrCpus];
    }

    /** The machine's CPUs, {@code nrCpus} of them, made after this object (each CPU's constructor takes it). */
    public void setCpus(Cpu[] cpus) {
        this.cpus = cpus;
    }

    /** A fill gave CPU {@code cpu} a fetch translation of frame {@code pfn} (step 1). Called from the fill hook. */
    void onFetchFill(int cpu, long pfn) {
        if (frames.testPageFlag(pfn, PageFlag.EVER_EXEC)) return;
        frames.setPageFlag(pfn, PageFlag.EVER_EXEC);
        for (Cpu other : cpus) {
            if (other.id() != cpu) other.flushUnicornTlb();
        }
    }

    /** A fill gave CPU {@code cpu} write access to frame {@code pfn} (step 2). Called from the fill hook. */
    void onWritableFill(int cpu, long pfn) {
        if (mayWriteCode.length > 1 && frames.testPageFlag(pfn, PageFlag.EVER_EXEC)) mayWriteCode[cpu] = true;
    }

    /** CPU {@code cpu}'s Unicorn TLB was emptied: it writes nothing until it fills again. */
    void onUnicornTlbFlush(int cpu) {
        mayWriteCode[cpu] = false;
    }

    /** CPU {@code cpu} is about to run (step 3). */
    void beforeRun(Cpu cpu) {
        for (int i = 0; i < mayWriteCode.length; i++) {
            if (i != cpu.id() && mayWriteCode[i]) {
                cpu.flushTranslatedCode();
                return;
            }
        }
    }
}
