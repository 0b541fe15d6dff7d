/**
 * The SLUB allocator: kmem_cache, per-CPU freelists, partial lists, debugging (mm/slub.c), over
 * a {@link io.mmemu.slub.PageSource} and a {@link io.mmemu.slub.PhysMemory} of its user's choice.
 * One package, all of it API: its package-private classes are the internals.
 */
module io.mmemu.slub {
    exports io.mmemu.slub;
}
