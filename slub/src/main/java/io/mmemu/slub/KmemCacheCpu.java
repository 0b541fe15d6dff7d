package io.mmemu.slub;

import java.util.concurrent.locks.ReentrantLock;

/**
 * Per-CPU state of one cache ({@code struct kmem_cache_cpu}, mm/slub.c) apart from the
 * (freelist, tid) pair, which lives in {@link KmemCache}'s pair array so that the pairs of
 * different CPUs sit on different cache lines.
 *
 * <p>{@link #lock} models {@code s->cpu_slab->lock}, the local lock. Whoever holds it may
 * change {@link #slab} and {@link #partial}; changing the slab or the freelist additionally
 * marks the pair BUSY (see {@link KmemCache}), which is what disabling interrupts achieves
 * in the kernel: no fast path on this CPU can complete its exchange meanwhile.
 *
 * <p>{@link #stat} is this CPU's SLUB_STATS array, indexed by {@link SlubStat#ordinal()}.
 * Increments are plain read-modify-writes, as the kernel's raw_cpu_inc(): exact while one
 * task at a time runs on the CPU, and allowed to lose a count when host threads that share
 * an emulated CPU race ("the rmw is racy on a preemptible kernel but this is acceptable").
 */
final class KmemCacheCpu {
    final int cpu;
    final ReentrantLock lock = new ReentrantLock();
    /** The CPU slab (c->slab); written under {@link #lock} while the pair is BUSY, read by do_slab_free() after an acquire of the pair. */
    Slab slab;
    /** Per-CPU partial slabs (c->partial), chained through Slab.next; the head's slabs field counts them. */
    Slab partial;
    /** c->freelist while the pair is BUSY: the lock holder's private copy, published by the unlock. */
    long lockedFreelist;
    final long[] stat = new long[SlubStat.COUNT];

    KmemCacheCpu(int cpu) {
        this.cpu = cpu;
    }
}
