/**
 * Linux's x86 TLB management, arch/x86/mm/tlb.c: per-CPU ASID slots and lazy TLB mode
 * ({@link io.mmemu.tlb.linux.CpuTlbState}), address spaces as TLB management sees them
 * ({@link io.mmemu.tlb.linux.TlbMm}), context switches, flushes and IPI shootdowns
 * ({@link io.mmemu.tlb.linux.TlbManagement}), and the memory model's flush entry point
 * ({@link io.mmemu.tlb.linux.LinuxTlbFlush}).
 *
 * <p>Concurrency contract: none. One host thread drives every emulated CPU; an IPI is an entry
 * in the target's queue, handled when {@link io.mmemu.tlb.linux.TlbManagement#deliverIpis} runs
 * for it (at once, by default). No atomics, no locks, no hash iteration.
 */
package io.mmemu.tlb.linux;
