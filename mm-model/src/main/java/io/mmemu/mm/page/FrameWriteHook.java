package io.mmemu.mm.page;

/**
 * Told before the memory model changes a frame's contents from outside the guest's own
 * execution: Java writing it (copy_to_user(), a shmem write, zeroing a truncated page's tail) or
 * handing it to a new owner (a frame freed by put_page(), a frame becoming a slab).
 *
 * <p>Implemented by whoever caches something derived from frame contents that the memory model
 * does not see: the emulator's engines translate guest code and keep it by physical page, so
 * they must drop that code first. A frame that is no longer mapped anywhere (map count 0) when
 * this is called is being freed or reused.
 *
 * <p>On the page-free path: implementations answer a frame they know nothing about with one cheap
 * test, allocate nothing and take no lock.
 */
@FunctionalInterface
public interface FrameWriteHook {
    /**
     * Frame {@code pfn} is about to get new contents.
     *
     * @param pfn the frame's number
     */
    void beforeFrameWrite(long pfn);

    /** For models with no engines (unit tests): nothing caches frame contents. */
    FrameWriteHook NONE = pfn -> {};
}
