/**
 * The per-CPU hardware translation caches: one set-associative TLB array ({@link
 * io.mmemu.tlb.Tlb}, geometry {@link io.mmemu.tlb.TlbConfig}, counters {@link
 * io.mmemu.tlb.TlbStat}, page sizes {@link io.mmemu.tlb.PageSize}), a CPU's hierarchy of them
 * with paging-structure caches ({@link io.mmemu.tlb.CpuTlb}, {@link
 * io.mmemu.tlb.PagingStructureCache}, {@link io.mmemu.tlb.WalkStat}), and named presets from
 * published figures ({@link io.mmemu.tlb.TlbPreset}). Linux's management of them lives in
 * {@code io.mmemu.tlb.linux}; the stale-translation checker in {@code io.mmemu.tlb.check}.
 *
 * <p>Concurrency contract: nothing here is thread-safe and nothing uses atomics. Every emulated
 * CPU runs on one host thread (docs/architecture.md, "Determinism"), so a TLB shootdown is an ordinary
 * call on the target CPU's {@code Tlb}. Misuse (a fault result filled, a PCID wider than 12 bits,
 * a misaligned flush range) throws with the expected and the actual value.
 */
package io.mmemu.tlb;
