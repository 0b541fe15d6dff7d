package io.mmemu.tlb;

/**
 * The four places a translation can be cached in a {@link CpuTlb}. Where the preset shares one
 * array between instruction and data (a unified STLB, or one L1 for both), both names reach the
 * same array.
 */
public enum TlbLevel {
    /** First-level instruction TLB: consulted for fetches. */
    L1I,
    /** First-level data TLB: consulted for reads and writes. */
    L1D,
    /** Second level behind the iTLB (Intel's unified STLB, AMD's L2 iTLB). */
    L2I,
    /** Second level behind the dTLB (Intel's unified STLB, AMD's L2 dTLB). */
    L2D
}
