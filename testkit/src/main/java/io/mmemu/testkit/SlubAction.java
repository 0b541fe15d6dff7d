package io.mmemu.testkit;

/**
 * One step of a SLUB script on a {@link SlubSandbox}: an allocation or a free on one CPU,
 * optionally with a {@link Migration} forced inside the call. Objects to free are picked by
 * index into the live objects when the step runs; caches by index into the sandbox's caches.
 * {@link SlubActions} generates them.
 */
public sealed interface SlubAction extends Action<SlubSandbox> {

    /**
     * The CPU the call starts on.
     *
     * @return the CPU
     */
    int cpu();

    private static String migrating(Migration m) {
        return m == null ? "" : " " + m;
    }

    /**
     * kmem_cache_alloc() from cache number {@code cache}.
     *
     * @param cache the cache's index in {@link SlubSandbox#caches()}
     * @param cpu the CPU
     * @param migration a migration inside the call, or null
     */
    record Alloc(int cache, int cpu, Migration migration) implements SlubAction {
        @Override
        public String applyTo(SlubSandbox s) {
            return address(s.alloc(cache, cpu, migration));
        }

        @Override
        public String toString() {
            return "cpu" + cpu + ".alloc(cache[" + cache + "])" + migrating(migration);
        }
    }

    /**
     * kmalloc(size).
     *
     * @param size bytes
     * @param cpu the CPU
     * @param migration a migration inside the call, or null
     */
    record Kmalloc(int size, int cpu, Migration migration) implements SlubAction {
        @Override
        public String applyTo(SlubSandbox s) {
            return address(s.kmalloc(size, cpu, migration));
        }

        @Override
        public String toString() {
            return "cpu" + cpu + ".kmalloc(" + size + ")" + migrating(migration);
        }
    }

    /**
     * Frees live object number {@code pick}: as it was allocated (kmem_cache_free() or kfree()),
     * or with {@code kfree} set by kfree() whichever way it was allocated.
     *
     * @param pick the object's index among the live ones, modulo their number
     * @param cpu the CPU
     * @param migration a migration inside the call, or null
     * @param kfree free with kfree()
     */
    record Free(int pick, int cpu, Migration migration, boolean kfree) implements SlubAction {
        @Override
        public String applyTo(SlubSandbox s) {
            SlubSandbox.LiveObject o = s.pick(pick);
            if (o == null) return "nothing live";
            if (kfree) s.kfree(o.address(), cpu, migration);
            else s.free(o.address(), cpu, migration);
            return "freed " + o;
        }

        @Override
        public String toString() {
            return "cpu" + cpu + (kfree ? ".kfree" : ".free") + "(live[" + pick + "])" + migrating(migration);
        }
    }

    /**
     * Flushes the CPU's slab of every cache.
     *
     * @param cpu the CPU
     */
    record Flush(int cpu) implements SlubAction {
        @Override
        public String applyTo(SlubSandbox s) {
            s.flush(cpu);
            return "flushed";
        }

        @Override
        public String toString() {
            return "cpu" + cpu + ".flush()";
        }
    }

    private static String address(long object) {
        return object == 0 ? "NULL" : "0x" + Long.toHexString(object);
    }
}
