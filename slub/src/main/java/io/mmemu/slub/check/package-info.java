/**
 * Checkers for the SLUB model: {@link io.mmemu.slub.check.SlubInvariants} judges a
 * {@link io.mmemu.slub.CacheSnapshot} of a quiescent cache and returns every broken invariant
 * as a value, without changing the allocator. For property tests and labs.
 */
package io.mmemu.slub.check;
