/**
 * The physical page allocator: a buddy allocator over page frame numbers ({@link
 * io.mmemu.mm.page.PageAllocator}) and per-frame metadata, Linux's struct page array ({@link
 * io.mmemu.mm.page.FrameTable}).
 *
 * <p>The package manages frame numbers, never memory contents: whoever owns the physical
 * memory segment zeroes and copies frames. {@link io.mmemu.mm.page.FrameTable#testAndClearFresh}
 * tells it when zeroing can be skipped.
 *
 * <p>Concurrency contract: nothing here is thread-safe and nothing uses atomics. The model runs
 * every CPU on one host thread (docs/architecture.md, "Determinism"), and the caller's serialization
 * plays the part of zone-&gt;lock. Exhaustion is an ordinary outcome ({@code NO_PAGE}); misuse
 * (double free, freeing a reserved frame, a wrong order) throws with the frame's state, as
 * Linux's bad_page() reports it.
 */
package io.mmemu.mm.page;
