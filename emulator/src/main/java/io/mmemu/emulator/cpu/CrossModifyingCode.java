package io.mmemu.emulator.cpu;

import io.mmemu.mm.page.FrameTable;
import io.mmemu.mm.page.FrameWriteHook;

/**
 * Keeps translated code coherent (docs/architecture.md, "translated code stays coherent"). Unicorn
 * caches translated code by physical page and notices only the writes its own engine makes to
 * such a page (QEMU's self-modifying-code detection). Two kinds of write escape it: Java writing
 * a frame (copy_to_user(), a shmem write, a frame freed and handed to a new owner), which the
 * memory model announces through {@link FrameWriteHook#beforeFrameWrite}; and another engine's
 * writes to the shared physical memory, one thread rewriting code that a thread on another CPU
 * runs (SDM vol. 3A, "Handling Self- and Cross-Modifying Code").
 *
 * <p>This class alone knows which frames may hold translated code: a bitmap by frame,
 * {@code mayHoldCode}. Unicorn can translate code from a frame only through a TLB entry that
 * allows execution, and every such entry comes from a fill that granted execute (a fetch, or a
 * read or write of an executable page: QEMU keeps the code permission of any fill), so the fill
 * hook's {@link #onExecutableFill} sees every frame before code is translated from it.
 *
 * <p>The protocol:
 * <ol>
 *   <li>A fill granting execute marks its frame. The first mark also empties every other
 *       engine's Unicorn TLB, so that a writable translation of the frame cached before it held
 *       code is filled again and seen by step 2.</li>
 *   <li>A fill that lets an engine write to a marked frame records that the engine may write
 *       code, until its Unicorn TLB is emptied.</li>
 *   <li>Before an engine runs, if another engine may write code, its translated code is
 *       dropped: whatever it runs next is translated from memory as it is now.</li>
 *   <li>Before Java writes a marked frame, every engine's translated code is dropped. A frame
 *       mapped nowhere (being freed or reused) loses its mark then: no engine can translate from
 *       it again before a new mapping's fill marks it anew. A mapped frame keeps it, since an
 *       engine may still hold an executable TLB entry for it and translate again without a fill.</li>
 * </ol>
 * Engines run one at a time (docs/architecture.md, "Determinism"), so a write made while one engine
 * runs is visible to every other engine's next translation. Programs that never write to
 * their code cost one bitmap test per executable fill, per writable fill and per frame write.
 */
public final class CrossModifyingCode implements FrameWriteHook {

    private final FrameTable frames;
    /** Bit {@code pfn}: some engine may hold translated code from frame pfn. */
    private final long[] mayHoldCode;
    /** The CPUs whose engines to keep coherent, indexed by id. */
    private final Cpu[] cpus;
    /** Per CPU: its Unicorn TLB may let it write to a frame some engine translated code from. */
    private final boolean[] mayWriteCode;

    /**
     * Tracking for the engines of {@code cpus} over the frames of guest RAM. Each CPU's constructor
     * takes this object, so the array is filled in after it is built (it is kept, not copied): no
     * fill and no write of a marked frame can come before every CPU exists, since a frame is only
     * marked by a fill of a running engine.
     *
     * @param frames the frames of guest RAM (their map counts tell a frame being freed from one written in place)
     * @param cpus   the machine's CPUs, indexed by id, made after this object
     */
    public CrossModifyingCode(FrameTable frames, Cpu[] cpus) {
        this.frames = frames;
        this.mayHoldCode = new long[(int) ((frames.nrPages() + 63) >>> 6)];
        this.cpus = cpus;
        this.mayWriteCode = new boolean[cpus.length];
    }

    /**
     * Whether some engine may hold translated code from frame {@code pfn}.
     *
     * @param pfn a page frame number
     * @return whether some engine may hold translated code from that frame
     */
    public boolean mayHoldCode(long pfn) {
        return (mayHoldCode[(int) (pfn >>> 6)] & 1L << pfn) != 0;
    }

    /** A fill gave CPU {@code cpu} an executable translation of frame {@code pfn} (step 1). Called from the fill hook. */
    void onExecutableFill(int cpu, long pfn) {
        int i = (int) (pfn >>> 6);
        long bit = 1L << pfn;
        if ((mayHoldCode[i] & bit) != 0) return;
        mayHoldCode[i] |= bit;
        for (Cpu other : cpus) {
            if (other.id() != cpu) other.flushUnicornTlb();
        }
    }

    /** A fill gave CPU {@code cpu} write access to frame {@code pfn} (step 2). Called from the fill hook. */
    void onWritableFill(int cpu, long pfn) {
        if (mayWriteCode.length > 1 && mayHoldCode(pfn)) mayWriteCode[cpu] = true;
    }

    /** {@return whether {@link #onWritableFill} of {@code pfn} for CPU {@code cpu} would change nothing now} */
    boolean writableFillChangesNothing(int cpu, long pfn) {
        return mayWriteCode.length == 1 || mayWriteCode[cpu] || !mayHoldCode(pfn);
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

    /** Java is about to write frame {@code pfn} (step 4). */
    @Override
    public void beforeFrameWrite(long pfn) {
        int i = (int) (pfn >>> 6);
        long bit = 1L << pfn;
        if ((mayHoldCode[i] & bit) == 0) return;
        if (frames.pageMapcount(pfn) == 0) mayHoldCode[i] &= ~bit;
        for (Cpu c : cpus) c.flushTranslatedCode();
    }
}
