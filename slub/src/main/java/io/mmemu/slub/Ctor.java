package io.mmemu.slub;

/** A cache's object constructor, run once per object when its slab is created (ctor of kmem_cache_create()). */
@FunctionalInterface
public interface Ctor {
    /**
     * Initializes one object, as the kernel's ctor(void *) does.
     *
     * @param mem    the memory holding the object
     * @param object the object's physical address
     */
    void construct(PhysMemory mem, long object);
}
