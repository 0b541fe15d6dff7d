package io.mmemu.slub;

import java.util.ArrayList;
import java.util.List;

/**
 * The allocator's kernel log: every line the kernel would pr_err(), and one
 * {@link SlabError} per reported problem, in order.
 *
 * <p>Counting: {@link #kunitErrors()} counts what lib/slub_kunit.c counts through
 * slab_add_kunit_errors(): each BUG (slab_bug/slab_err/object_err/byte check) and each FIX
 * (slab_fix) is one error. The log is synchronized: reports may come from several threads.
 */
public final class SlubLog {
    /** Kinds of reported problems. */
    public enum Kind {
        /** Bytes of a red zone, poison or padding differ from their pattern. */
        OVERWRITTEN,
        /** A free pointer (in an object or a slab) does not point at an object of its slab. */
        FREEPOINTER_CORRUPT,
        /** An object freed while already on its slab's freelist. */
        DOUBLE_FREE,
        /** A pointer freed that is not the start of an object of the slab. */
        INVALID_POINTER,
        /** A slab's counters disagree with its freelist or its geometry. */
        WRONG_COUNT,
        /** An object freed to a cache it does not belong to. */
        WRONG_CACHE,
        /** A cache destroyed with objects still allocated. */
        LEAK,
        /** A node list count disagrees with the slabs found. */
        LIST_COUNT,
        /** A repair made after a report (FIX …). */
        FIX,
        /** The page allocator had no memory for a slab. */
        OOM
    }

    /**
     * One reported problem.
     *
     * @param kind     what was found
     * @param cache    cache name
     * @param slab     slab address, or 0
     * @param object   object address, or 0
     * @param badValue the offending value (first wrong byte, bad pointer, wrong count), or 0
     * @param message  the headline as printed
     */
    public record SlabError(Kind kind, String cache, long slab, long object, long badValue, String message) {
    }

    private final List<String> lines = new ArrayList<>();
    private final List<SlabError> errors = new ArrayList<>();
    private int kunitErrors;
    private boolean tainted;

    /** Only the allocator keeps a log: one per {@link Slub}. */
    SlubLog() {
    }

    synchronized void line(String s) {
        lines.add(s);
        if (echo != null) echo.accept(s);
    }

    /** Where each line also goes as it is printed (the machine's log, as printk reaches the console), or null. */
    private java.util.function.Consumer<String> echo;

    /**
     * Sends every line from now on to {@code echo} too, as it is printed.
     *
     * @param echo told of each line, or null for none
     */
    public synchronized void setEcho(java.util.function.Consumer<String> echo) {
        this.echo = echo;
    }

    synchronized void error(SlabError e) {
        errors.add(e);
        kunitErrors++;
    }

    synchronized String taint() {
        String t = tainted ? "Tainted: B" : "Not tainted";
        tainted = true;
        return t;
    }

    /** {@return all lines printed so far} */
    public synchronized List<String> lines() {
        return List.copyOf(lines);
    }

    /** {@return all errors reported so far} */
    public synchronized List<SlabError> errors() {
        return List.copyOf(errors);
    }

    /** {@return the errors as lib/slub_kunit.c counts them (BUG and FIX messages)} */
    public synchronized int kunitErrors() {
        return kunitErrors;
    }

    /** Clears lines and errors (not the taint), like resetting slab_errors between kunit steps. */
    public synchronized void clear() {
        lines.clear();
        errors.clear();
        kunitErrors = 0;
    }

    /** {@return the log as text, one line each} */
    public synchronized String text() {
        return String.join("\n", lines);
    }
}
