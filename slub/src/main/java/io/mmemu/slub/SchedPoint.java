package io.mmemu.slub;

/**
 * The points of the lock-free fast paths where a task can be preempted, migrated or
 * interrupted by a concurrent operation. Each lies between two shared-memory steps of
 * slab_alloc_node() or do_slab_free(), mm/slub.c; no lock is held at any of them.
 */
public enum SchedPoint {
    /** slab_alloc_node(): tid read, freelist not yet read. */
    ALLOC_AFTER_TID,
    /** slab_alloc_node(): object read from c->freelist, its free pointer not yet read. */
    ALLOC_AFTER_FREELIST,
    /** slab_alloc_node(): next object computed; the pair exchange comes next. */
    ALLOC_BEFORE_CMPXCHG,
    /** do_slab_free(): tid read, c->slab not yet compared. */
    FREE_AFTER_TID,
    /** do_slab_free(): c->freelist read, the object's free pointer not yet written. */
    FREE_AFTER_FREELIST,
    /** do_slab_free(): free pointer written; the pair exchange comes next. */
    FREE_BEFORE_CMPXCHG,
    /** __slab_free(): slab freelist and counters read; the slab pair exchange comes next. */
    SLAB_FREE_BEFORE_CMPXCHG
}
