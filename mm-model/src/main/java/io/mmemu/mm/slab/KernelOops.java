package io.mmemu.mm.slab;

import io.mmemu.slub.KmemCache;

/**
 * The kernel model hit what would oops Linux: the allocator handed out an address that is no
 * object of its cache (a corrupted free pointer followed on the fast path, as without
 * slub_debug nothing checks it). Linux goes on until a write through it faults and the oops kills
 * the task (make_task_dead()); the model stops at the handing out, and the syscall layer kills the
 * task with SIGSEGV after printing {@link #getMessage()}.
 */
public final class KernelOops extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private KernelOops(String message) {
        super(message, null, false, false);
    }

    /**
     * An allocation of {@code s} returned {@code object}, which is no object of the cache.
     *
     * @param s      the cache
     * @param object the address handed out, or -1 when the free pointer led out of guest memory
     * @return the oops
     */
    static KernelOops wildObject(KmemCache s, long object) {
        return new KernelOops("general protection fault in kmem_cache_alloc(" + s.name() + "): "
                + (object < 0 ? "the freelist leads out of memory" : "0x" + Long.toHexString(object)
                        + " is no object of the cache") + " (corrupted free pointer)");
    }
}
