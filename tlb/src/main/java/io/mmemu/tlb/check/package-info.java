/**
 * The stale-translation checker: after a TLB-changing kernel operation, compares every usable
 * cached translation of every CPU with a read-only walk of the page tables
 * ({@link io.mmemu.tlb.check.StaleTranslationChecker}). Nothing here changes state.
 */
package io.mmemu.tlb.check;
