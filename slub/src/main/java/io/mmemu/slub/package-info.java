/**
 * A model of Linux's SLUB allocator (mm/slub.c) whose objects live in emulated physical
 * memory: caches, per-CPU lock-free freelists, partial lists, slub_debug, and views.
 *
 * <p>Entry points: {@link io.mmemu.slub.Slub} (caches, kmalloc), {@link io.mmemu.slub.KmemCache}
 * (alloc/free/validate), {@link io.mmemu.slub.CpuBinding} (the CPU a task runs on),
 * {@link io.mmemu.slub.PageSource} and {@link io.mmemu.slub.PhysMemory} (what the rest of the
 * project provides), {@link io.mmemu.slub.SlabInfo} and {@link io.mmemu.slub.CacheSnapshot} (views).
 * The invariant checker is in {@link io.mmemu.slub.check}; test machinery (the arena memory, the
 * deterministic scheduler) in {@link io.mmemu.slub.testing}.
 *
 * <h2>Atomic field access contract</h2>
 * Every field or array element that more than one thread may access without a lock has
 * exactly one {@code static final VarHandle}, and is read and written only through
 * accessors named for their access mode:
 * <ul>
 *   <li>{@code lv…} — volatile load (acquire and sequentially consistent with other volatiles).</li>
 *   <li>{@code so…} — ordered store (release): everything written before it is visible to
 *       whoever loads the stored value. Used only where no other writer can race.</li>
 *   <li>{@code cas…} — compare-and-set, volatile semantics; false on failure, never spurious.</li>
 *   <li>{@code xchg…} — atomic exchange, volatile semantics.</li>
 *   <li>{@code faa…} — atomic fetch-and-add, volatile semantics (counters only).</li>
 * </ul>
 * The fast paths of {@link io.mmemu.slub.KmemCache} inline the same VarHandle calls on a local
 * copy of the pair array, with the access mode in a comment on the line. Plain fields
 * named in a class comment as "under a lock" are touched only with that lock held.
 */
package io.mmemu.slub;
