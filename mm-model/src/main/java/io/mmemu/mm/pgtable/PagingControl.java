package io.mmemu.mm.pgtable;

/**
 * The control-register state a page walk depends on, per CPU: CR0.WP, EFER.NXE, CR4.PKE and
 * PKRU. Linux runs with WP and NXE set; PKE follows the CPU's protection-key support.
 */
public final class PagingControl {
    /** CR0.WP: supervisor writes honour RW. */
    public boolean wp = true;
    /** EFER.NXE: bit 63 of entries is NX rather than reserved. */
    public boolean nxe = true;
    /** CR4.PKE: protection keys apply to user pages. */
    public boolean pke = true;
    /** PKRU: two bits per key, AD (access disable) at 2k and WD (write disable) at 2k+1. */
    public int pkru;
    /** MAXPHYADDR: physical-address bits above it are reserved in entries. */
    public int maxPhysAddrBits = 46;

    /** Linux's settings: WP, NXE and PKE on, PKRU 0 (every key allows everything), 46 physical-address bits. */
    public PagingControl() {}
}
