package io.mmemu.slub;

import java.util.ArrayList;
import java.util.List;

/**
 * Cache flags ({@code slab_flags_t}, include/linux/slab.h) and the {@code slub_debug=}
 * boot option that turns debugging on per cache or for all.
 */
public final class SlabFlags {
    private SlabFlags() {
    }

    /** F: expensive consistency checks on alloc and free. */
    public static final long SLAB_CONSISTENCY_CHECKS = 0x00000100L;
    /** Z: red zones around every object. */
    public static final long SLAB_RED_ZONE = 0x00000400L;
    /** P: poison free objects (0x6b, last byte 0xa5) and fill new slabs with 0x5a. */
    public static final long SLAB_POISON = 0x00000800L;
    /** The cache is a kmalloc size class. */
    public static final long SLAB_KMALLOC = 0x00001000L;
    /** Align objects on cache lines. */
    public static final long SLAB_HWCACHE_ALIGN = 0x00002000L;
    /** U: record the last allocation and free of every object. */
    public static final long SLAB_STORE_USER = 0x00010000L;
    /** Slab pages are returned only after an RCU grace period; objects keep their type. */
    public static final long SLAB_TYPESAFE_BY_RCU = 0x00080000L;
    /** Internal: poison objects (SLAB_POISON unless a ctor or RCU forbids overwriting them). */
    public static final long OBJECT_POISON = 0x80000000L;

    /** Flags that make kmem_cache_debug() true: such caches bypass the per-CPU freelists. */
    public static final long SLAB_DEBUG_FLAGS = SLAB_CONSISTENCY_CHECKS | SLAB_RED_ZONE | SLAB_POISON | SLAB_STORE_USER;

    /** Debug value of a red zone around a free object. */
    public static final byte SLUB_RED_INACTIVE = (byte) 0xbb;
    /** Debug value of a red zone around an allocated object. */
    public static final byte SLUB_RED_ACTIVE = (byte) 0xcc;
    /** Poison of never-initialised slab memory and of padding. */
    public static final byte POISON_INUSE = (byte) 0x5a;
    /** Poison of a free object's bytes. */
    public static final byte POISON_FREE = (byte) 0x6b;
    /** Poison of a free object's last byte. */
    public static final byte POISON_END = (byte) 0xa5;

    /**
     * Flags for debug letters F, Z, P, U, e.g. "FZ" gives CONSISTENCY_CHECKS | RED_ZONE.
     *
     * @param letters debug letters from F, Z, P, U
     * @return the SLAB_* debug flags they stand for
     */
    public static long parseLetters(String letters) {
        long f = 0;
        for (int i = 0; i < letters.length(); i++) {
            char c = Character.toUpperCase(letters.charAt(i));
            switch (c) {
                case 'F' -> f |= SLAB_CONSISTENCY_CHECKS;
                case 'Z' -> f |= SLAB_RED_ZONE;
                case 'P' -> f |= SLAB_POISON;
                case 'U' -> f |= SLAB_STORE_USER;
                case '-' -> f = 0;
                default -> throw new IllegalArgumentException(
                        "unknown slub_debug option (expected: one of F Z P U -, got '" + c + "')");
            }
        }
        return f;
    }

    /**
     * The debug letters of {@code flags}, e.g. "FZPU".
     *
     * @param flags SLAB_* flags
     * @return the debug letters of the debug flags among them, in the order F, Z, P, U
     */
    public static String letters(long flags) {
        StringBuilder sb = new StringBuilder();
        if ((flags & SLAB_CONSISTENCY_CHECKS) != 0) sb.append('F');
        if ((flags & SLAB_RED_ZONE) != 0) sb.append('Z');
        if ((flags & SLAB_POISON) != 0) sb.append('P');
        if ((flags & SLAB_STORE_USER) != 0) sb.append('U');
        return sb.toString();
    }

    /**
     * A parsed {@code slub_debug=} option: blocks separated by ';', each
     * {@code <letters>[,<cache>[,<cache>…]]}. A block without cache names applies to every
     * cache; an empty letter string means all of F, Z, P, U; a name ending in '*' is a prefix.
     * Models setup_slub_debug() and kmem_cache_flags(), mm/slub.c.
     *
     * @param globalFlags the flags of blocks without cache names (they apply to every cache)
     * @param blocks      the blocks that name caches, in option order
     */
    public record SlubDebug(long globalFlags, List<Block> blocks) {
        /**
         * One block: flags for caches whose names match.
         *
         * @param flags the SLAB_* debug flags of the block
         * @param names the cache names it applies to; a name ending in '*' is a prefix
         */
        public record Block(long flags, List<String> names) {
        }

        public static final SlubDebug NONE = new SlubDebug(0, List.of());

        /**
         * Models setup_slub_debug(), mm/slub.c.
         *
         * @param option the slub_debug= option, or null or empty for none
         * @return the parsed option
         */
        public static SlubDebug parse(String option) {
            if (option == null) {
                return NONE;
            }
            long global = 0;
            List<Block> blocks = new ArrayList<>();
            for (String block : option.split(";", -1)) {
                String[] parts = block.split(",", -1);
                String letters = parts[0].trim();
                long f = letters.isEmpty() ? SLAB_DEBUG_FLAGS : parseLetters(letters);
                if (parts.length == 1) {
                    global = f;
                } else {
                    List<String> names = new ArrayList<>();
                    for (int i = 1; i < parts.length; i++) {
                        if (!parts[i].isBlank()) {
                            names.add(parts[i].trim());
                        }
                    }
                    blocks.add(new Block(f, List.copyOf(names)));
                }
            }
            return new SlubDebug(global, List.copyOf(blocks));
        }

        /**
         * Models kmem_cache_flags(), mm/slub.c: the debug flags that apply to cache {@code name}.
         *
         * @param name a cache name
         * @return the debug flags of every block that applies to it (0: none)
         */
        public long flagsFor(String name) {
            for (Block b : blocks) {
                for (String n : b.names()) {
                    if (n.endsWith("*") ? name.startsWith(n.substring(0, n.length() - 1)) : name.equals(n)) {
                        return b.flags();
                    }
                }
            }
            return globalFlags;
        }
    }
}
