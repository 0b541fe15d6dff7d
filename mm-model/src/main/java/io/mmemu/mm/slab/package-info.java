/**
 * The kernel model's slab caches: the SLUB allocator of module {@code slub} wired to this
 * module's page allocator and guest physical memory, and the caches of the kernel objects the
 * model keeps (vm_area_struct, mm_struct, task_struct, ...), so that they occupy emulated
 * memory as they do in Linux and /proc/slabinfo counts them.
 *
 * <p>{@link io.mmemu.mm.slab.PageAllocatorPageSource} and
 * {@link io.mmemu.mm.slab.PhysicalMemoryAdapter} implement the two interfaces the slub module
 * owns; {@link io.mmemu.mm.slab.KernelSlab} owns the allocator and the caches.
 *
 * <p>Concurrency contract: as in {@code io.mmemu.mm.page}, nothing here is thread-safe beyond
 * what SLUB itself guarantees; the page allocator under it is not, and the model runs every
 * emulated CPU on one host thread, which serializes all allocations.
 */
package io.mmemu.mm.slab;
