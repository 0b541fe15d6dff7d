package io.mmemu.slub;

import io.mmemu.slub.testing.ArenaPhysMemory;

/** A small emulated machine for tests: physical memory, a page source and a SLUB allocator. */
final class Machine implements AutoCloseable {
    final ArenaPhysMemory mem;
    final Slub slub;

    Machine(int cpus, int nodes, long bytes, Slub.Config cfg) {
        this.mem = new ArenaPhysMemory(1L << 20, bytes, nodes);
        this.slub = new Slub(mem, mem, cfg);
    }

    Machine(int cpus) {
        this(cpus, 1, 16L << 20, Slub.Config.defaults(cpus));
    }

    static Machine withDebug(int cpus, String slubDebug) {
        return new Machine(cpus, 1, 16L << 20, Slub.Config.defaults(cpus).withSlubDebug(slubDebug));
    }

    @Override
    public void close() {
        mem.close();
    }
}
