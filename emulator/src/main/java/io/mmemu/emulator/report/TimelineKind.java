package io.mmemu.emulator.report;

/** What a {@link Timeline} event was; each kind has its own marker on the CPU's lane. */
public enum TimelineKind {
    /** A page fault taken on this CPU (do_user_addr_fault()). */
    FAULT("fault"),
    /** A local TLB flush on this CPU: one page, a range or everything (flush_tlb_func()). */
    FLUSH("flush"),
    /** A shootdown this CPU sent to others (native_flush_tlb_multi()). */
    SHOOTDOWN("shootdown"),
    /** A shootdown IPI this CPU received and handled. */
    SHOOTDOWN_RECEIVED("shootdown received");

    /** The word the report shows. */
    final String label;

    TimelineKind(String label) {
        this.label = label;
    }
}
