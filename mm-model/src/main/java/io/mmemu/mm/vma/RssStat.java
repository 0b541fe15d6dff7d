package io.mmemu.mm.vma;

/** mm->rss_stat counters (include/linux/mm_types_task.h), indexing {@link MmStruct#rss}. */
public enum RssStat {
    MM_FILEPAGES,
    MM_ANONPAGES,
    MM_SWAPENTS,
    MM_SHMEMPAGES
}
