package io.mmemu.kernel;

import io.mmemu.tlb.TlbPreset;

/**
 * The TLBs: the hardware preset of every CPU ({@link TlbPreset#byName}), whether Linux uses
 * PCIDs, whether the stale-translation checker runs after every TLB-changing syscall, the
 * fault injection that drops every shootdown IPI, and precise mode (every instruction and
 * its data accesses looked up in the model TLB; see the emulator's Cpu).
 */
public record TlbOptions(String preset, boolean pcid, boolean checkTlb, boolean dropShootdowns, boolean precise) {
    public static final TlbOptions DEFAULT = new TlbOptions("typical", true, false, false, false);

    public TlbOptions {
        TlbPreset.byName(preset); // an unknown name fails here, listing the known ones
    }

    public TlbOptions withCheckTlb(boolean on) {
        return new TlbOptions(preset, pcid, on, dropShootdowns, precise);
    }

    public TlbOptions withDropShootdowns(boolean on) {
        return new TlbOptions(preset, pcid, checkTlb, on, precise);
    }

    public TlbOptions withPrecise(boolean on) {
        return new TlbOptions(preset, pcid, checkTlb, dropShootdowns, on);
    }
}
