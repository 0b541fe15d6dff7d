package io.mmemu.mm.vma;

/** mm->rss_stat counters (include/linux/mm_types_task.h), indexing {@link MmStruct#rss}. */
public enum RssStat {
    /** Pages of mapped files. */
    MM_FILEPAGES,
    /** Anonymous pages. */
    MM_ANONPAGES,
    /** Swap entries (always 0: there is no swap). */
    MM_SWAPENTS,
    /** Shared-memory pages (shmem and shared anonymous mappings). */
    MM_SHMEMPAGES
}
