package io.mmemu.mm.pgtable;

/**
 * The control-register state a page walk depends on: CR0.WP, EFER.NXE, CR4.PKE and PKRU. Linux
 * runs with WP and NXE set. One machine shares one instance, which holds the state of the CPU the
 * model is working for at the moment (one host thread drives every CPU): a CPU with PKU loads its
 * own PKRU here before each fill, syscall and return to the kernel, and takes back what the
 * kernel wrote (read_pkru() and write_pkru() in {@link io.mmemu.mm.vma.Pkeys}). Without PKU,
 * PKRU stays 0 and no entry carries a key, so PKE changes nothing.
 */
public final class PagingControl {
    /** CR0.WP: supervisor writes honour RW. */
    public boolean wp = true;
    /** EFER.NXE: bit 63 of entries is NX rather than reserved. */
    public boolean nxe = true;
    /** CR4.PKE: protection keys apply to user pages. */
    public boolean pke = true;
    /** PKRU of the running CPU: two bits per key, AD (access disable) at 2k and WD (write disable) at 2k+1. */
    public int pkru;
    /** MAXPHYADDR: physical-address bits above it are reserved in entries. */
    public int maxPhysAddrBits = 46;

    /** Linux's settings: WP, NXE and PKE on, PKRU 0 (every key allows everything), 46 physical-address bits. */
    public PagingControl() {}
}
