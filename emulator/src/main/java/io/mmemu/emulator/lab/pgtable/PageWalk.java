package io.mmemu.emulator.lab.pgtable;

/**
 * A 4-level x86-64 page walker (lab 1): translate a virtual address through the paging
 * structures in physical memory as the CPU does (SDM vol. 3A, 4.5-4.7), with the machine set up
 * as Linux sets it up: CR0.WP = 1, EFER.NXE = 1, CR4.PKE and SMEP/SMAP off, MAXPHYADDR = 46.
 * The grader does not look at the Accessed and Dirty bits: a walker need not set them.
 */
@FunctionalInterface
public interface PageWalk {
    /**
     * Translates {@code vaddr} for an access of type {@code type} made from user mode
     * ({@code user}) or supervisor mode.
     *
     * @param mem   physical memory, holding the paging structures
     * @param cr3   CR3: the PML4's physical address in bits 51:12 (bits 11:0 are ignored here)
     * @param vaddr the virtual address (canonical)
     * @param type  read, write or instruction fetch
     * @param user  whether the access is made at CPL 3
     * @return the physical address, or the #PF error code
     */
    Translation translate(PhysRead mem, long cr3, long vaddr, AccessType type, boolean user);
}
