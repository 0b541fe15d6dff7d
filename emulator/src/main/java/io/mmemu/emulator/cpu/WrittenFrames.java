package io.mmemu.emulator.cpu;

import java.util.Arrays;
import java.util.function.LongConsumer;

/**
 * The guest frames whose contents may have changed since {@link #clear}: a bitmap by frame
 * number. Two kinds of writer mark it: every TLB fill that gives an engine a writable translation
 * (the guest's own stores, which Unicorn makes without asking: it keeps the fill's permission) and
 * every write the memory model announces ({@code FrameWriteHook}: copy_to_user(), a frame freed or
 * becoming a slab).
 *
 * <p>A store through a writable translation that an engine filled before the last {@link #clear}
 * would be missed: so whoever clears also empties every engine's TLB ({@code Machine}'s
 * {@code restartWrittenFrames}), and the next store through it fills, and marks, again.
 *
 * <p>Marking is on the fill path: one array store, nothing allocated.
 */
public final class WrittenFrames {
    private final long[] bits;
    private final long nrPages;

    /**
     * An empty set over {@code nrPages} frames.
     *
     * @param nrPages the frames of guest RAM
     */
    public WrittenFrames(long nrPages) {
        this.nrPages = nrPages;
        this.bits = new long[(int) ((nrPages + 63) >>> 6)];
    }

    /**
     * Frame {@code pfn} may have changed.
     *
     * @param pfn the frame number
     */
    public void mark(long pfn) {
        if (pfn >= 0 && pfn < nrPages) bits[(int) (pfn >>> 6)] |= 1L << pfn;
    }

    /**
     * Each marked frame, in ascending order.
     *
     * @param action receives each frame number
     */
    public void forEach(LongConsumer action) {
        for (int i = 0; i < bits.length; i++) {
            long w = bits[i];
            while (w != 0) {
                int b = Long.numberOfTrailingZeros(w);
                action.accept(((long) i << 6) + b);
                w &= w - 1;
            }
        }
    }

    /** Forgets every mark. */
    public void clear() {
        Arrays.fill(bits, 0);
    }
}
