/**
 * The per-CPU hardware TLB model ({@link io.mmemu.tlb.Tlb}) and its geometry ({@link
 * io.mmemu.tlb.TlbConfig}), counters ({@link io.mmemu.tlb.TlbStat}) and page sizes ({@link
 * io.mmemu.tlb.PageSize}).
 *
 * <p>Concurrency contract: nothing here is thread-safe and nothing uses atomics. Every emulated
 * CPU runs on one host thread (ARCHITECTURE.md, "Determinism"), so a TLB shootdown is an ordinary
 * call on the target CPU's {@code Tlb}. Misuse (a fault result filled, a PCID wider than 12 bits,
 * a misaligned flush range) throws with the expected and the actual value.
 */
package io.mmemu.tlb;
