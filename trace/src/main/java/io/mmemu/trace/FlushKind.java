package io.mmemu.trace;

/** How much of a CPU's TLB a local flush dropped. */
public enum FlushKind {
    /** One page (INVLPG). */
    ONE("one"),
    /** A range of pages, one INVLPG each (flush_tlb_func()'s partial flush). */
    RANGE("range"),
    /** The whole context: a CR3 write (flush_tlb_local(), a switch that needed a flush). */
    FULL("full");

    private final String label;

    FlushKind(String label) {
        this.label = label;
    }

    /** {@return the kind in words} */
    public String label() {
        return label;
    }
}
