package io.mmemu.slub;

/** A cache's object constructor, run once per object when its slab is created (ctor of kmem_cache_create()). */
@FunctionalInterface
public interface Ctor {
    void construct(PhysMemory mem, long object);
}
