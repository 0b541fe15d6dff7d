package io.mmemu.testkit;

/**
 * A small piece of mmemu built over test memory for one property try: an address space
 * ({@link MmSandbox}) or a SLUB allocator ({@link SlubSandbox}). Closing it releases the memory.
 */
public interface Sandbox extends AutoCloseable {

    /**
     * The state, as a failure message shows it: what a reader needs to see why an invariant
     * failed (the VMAs and page-table entries; the caches and live objects).
     *
     * @return a multi-line description
     */
    String describe();

    /** Releases the test memory; the sandbox is unusable afterwards. */
    @Override
    void close();
}
