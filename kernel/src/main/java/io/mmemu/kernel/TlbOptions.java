package io.mmemu.kernel;

import io.mmemu.tlb.TlbPreset;

/**
 * The TLBs: the hardware preset of every CPU ({@link TlbPreset#byName}), whether Linux uses
 * PCIDs, whether the stale-translation checker runs after every TLB-changing syscall, the
 * fault injection that drops every shootdown IPI, and precise mode (every instruction and
 * its data accesses looked up in the model TLB; see the emulator's Cpu).
 *
 * @param preset         the name of every CPU's TLB hierarchy ({@link TlbPreset#byName}: "teaching", "typical", ...)
 * @param pcid           whether Linux tags TLB entries with PCIDs; without, every switch to another mm flushes
 * @param checkTlb       whether the stale-translation checker runs after every TLB-changing syscall
 * @param dropShootdowns fault injection: whether every TLB shootdown IPI is dropped
 * @param precise        whether every instruction and each page its data accesses touch is looked up in the model TLB
 */
public record TlbOptions(String preset, boolean pcid, boolean checkTlb, boolean dropShootdowns, boolean precise) {
    /** The "typical" preset with PCIDs, no checker, no fault injection, not precise: mmemu's defaults. */
    public static final TlbOptions DEFAULT = new TlbOptions("typical", true, false, false, false);

    /**
     * Checks the preset's name.
     *
     * @throws IllegalArgumentException when no preset has that name (the message lists the known ones)
     */
    public TlbOptions {
        TlbPreset.byName(preset); // an unknown name fails here, listing the known ones
    }

    /**
     * The same options with the stale-translation checker on or off.
     *
     * @param on whether the checker runs
     * @return the new options
     */
    public TlbOptions withCheckTlb(boolean on) {
        return new TlbOptions(preset, pcid, on, dropShootdowns, precise);
    }

    /**
     * The same options with shootdown IPIs dropped or delivered.
     *
     * @param on whether every shootdown IPI is dropped
     * @return the new options
     */
    public TlbOptions withDropShootdowns(boolean on) {
        return new TlbOptions(preset, pcid, checkTlb, on, precise);
    }

    /**
     * The same options in precise mode or not.
     *
     * @param on whether every access is looked up in the model TLB
     * @return the new options
     */
    public TlbOptions withPrecise(boolean on) {
        return new TlbOptions(preset, pcid, checkTlb, dropShootdowns, on);
    }
}
