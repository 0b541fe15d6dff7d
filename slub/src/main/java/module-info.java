/**
 * The SLUB allocator: kmem_cache, per-CPU freelists, partial lists, debugging (mm/slub.c), over
 * a {@link io.mmemu.slub.PageSource} and a {@link io.mmemu.slub.PhysMemory} of its user's choice.
 * The allocator's package is its API (its package-private classes are the internals); the
 * invariant checker ({@code check}) and the test memory and deterministic scheduler
 * ({@code testing}) are API for the user's own tests.
 */
module io.mmemu.slub {
    requires transitive io.mmemu.trace; // Slub.setTracer takes the machine's Tracer

    exports io.mmemu.slub;
    exports io.mmemu.slub.check;
    exports io.mmemu.slub.testing;
}
