/**
 * The translation loop of one CPU ({@link io.mmemu.tlb.mmu.Mmu}): the TLB model, the page walker
 * and do_user_addr_fault() put together as every user access meets them, so that the emulator's
 * TLB-fill hook, its precise mode and the benchmarks share one copy. Front-end matters (what the
 * engine is told, how it stops) stay with the front end.
 *
 * <p>Concurrency contract: as for the rest of the module, nothing here is thread-safe; one host
 * thread drives every CPU.
 */
package io.mmemu.tlb.mmu;
