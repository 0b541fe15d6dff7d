package io.mmemu.testkit;

import io.mmemu.mm.check.AddressSpaceInvariants;
import io.mmemu.mm.fault.FaultResult;
import io.mmemu.mm.fault.UserFault;
import io.mmemu.mm.page.FrameTable;
import io.mmemu.mm.page.PageFlag;
import io.mmemu.mm.pgtable.Access;
import io.mmemu.mm.pgtable.PageWalker;
import io.mmemu.mm.pgtable.PfErr;
import io.mmemu.mm.pgtable.Pte;
import io.mmemu.mm.pgtable.WalkResult;
import io.mmemu.mm.phys.PageTypes;
import io.mmemu.mm.uaccess.UserAccess;
import io.mmemu.mm.vma.Errno;
import io.mmemu.mm.vma.Madvise;
import io.mmemu.mm.vma.MmEnv;
import io.mmemu.mm.vma.MmStruct;
import io.mmemu.mm.vma.Mprotect;
import io.mmemu.mm.vma.Mremap;
import io.mmemu.mm.vma.RssStat;
import io.mmemu.mm.vma.VmFlags;
import io.mmemu.mm.vma.Vma;
import java.util.Arrays;
import java.util.List;

/**
 * Address spaces without a CPU emulator: one {@link MmEnv} (guest RAM, the page allocator, the
 * kernel's slab caches) and a fixed number of slots, each holding one live {@link MmStruct}.
 * The calls are the system calls and the user accesses a process makes, each through the
 * kernel function that serves it, and return what the system call returns (an address, 0, or a
 * negative errno) or what the access's page fault came to.
 *
 * <pre>{@code
 * try (MmSandbox s = MmSandbox.boot()) {
 *     long a = s.mmap(0, 0, 3 * MmSandbox.PAGE_SIZE, MmSandbox.PROT_READ | MmSandbox.PROT_WRITE, false);
 *     s.store(0, a, (byte) 1);                  // demand-zero fault, then the store
 *     long child = s.fork(0, 1);                // dup_mmap(): the page is now shared copy-on-write
 *     s.touch(1, a, Access.WRITE);              // the child's write copies it
 * }
 * }</pre>
 *
 * <p>Each new address space gets its {@code mmap_base} at the top of a 4 MiB window that
 * straddles the 512 GiB line ({@link #WINDOW_BASE}), so that mappings placed by the kernel,
 * the ones {@link Where} aims at, and the heap compete for the same space, and one window
 * crosses a PML4, a PDPT, a PD and a page-table boundary. Only anonymous private memory is
 * mapped here.
 */
public final class MmSandbox implements Sandbox {
    /** Guest RAM of {@link #boot()}. */
    public static final long DEFAULT_RAM = 64L << 20;
    /** Address spaces of {@link #boot()}. */
    public static final int DEFAULT_SLOTS = 3;
    /** The page size, 4 KiB. */
    public static final long PAGE_SIZE = PageTypes.PAGE_SIZE;
    /** The window's first address: 2 MiB below 512 GiB. */
    public static final long WINDOW_BASE = 0x7F_FFE0_0000L;
    /** The window's size in pages (4 MiB). */
    public static final int WINDOW_PAGES = 1024;
    /** The window's end, each new address space's {@code mmap_base}. */
    public static final long WINDOW_END = WINDOW_BASE + WINDOW_PAGES * PAGE_SIZE;
    /** Each new address space's {@code start_brk}: 64 pages into the window. */
    public static final long START_BRK = WINDOW_BASE + 64 * PAGE_SIZE;
    /** mmap()'s protection bits. */
    public static final int PROT_NONE = 0, PROT_READ = 1, PROT_WRITE = 2, PROT_EXEC = 4;

    private final MmEnv env;
    /** Built before the first address space, so its leak baseline is the empty machine. */
    private final AddressSpaceInvariants invariants;
    private final PageWalker walker;
    /** get_user_pages()'s fault-in, for the madvise() advice that populates pages. */
    private final UserAccess userAccess;
    private final MmStruct[] mms;
    private long lastWalk;

    private MmSandbox(long ramBytes, int slots) {
        if (slots < 1) throw new IllegalArgumentException("slots must be positive (got " + slots + ")");
        env = MmEnv.boot(ramBytes);
        invariants = new AddressSpaceInvariants(env);
        walker = new PageWalker(env.mem());
        userAccess = new UserAccess(env);
        mms = new MmStruct[slots];
        for (int i = 0; i < slots; i++) mms[i] = newMm();
    }

    /**
     * {@value #DEFAULT_SLOTS} empty address spaces over 64 MiB of guest RAM.
     *
     * @return the sandbox
     */
    public static MmSandbox boot() {
        return boot(DEFAULT_RAM, DEFAULT_SLOTS);
    }

    /**
     * {@code slots} empty address spaces over {@code ramBytes} of guest RAM (reserved lazily
     * from the host: untouched RAM costs nothing).
     *
     * @param ramBytes guest RAM, a multiple of the page size
     * @param slots how many address spaces live at once, at least 1
     * @return the sandbox
     */
    public static MmSandbox boot(long ramBytes, int slots) {
        return new MmSandbox(ramBytes, slots);
    }

    private MmStruct newMm() {
        MmStruct mm = MmStruct.mmAlloc(env);
        if (mm == null) throw new IllegalStateException("no memory for a PML4 (RAM too small?)");
        mm.mmapBase = WINDOW_END;
        mm.startBrk = START_BRK;
        mm.brk = START_BRK;
        return mm;
    }

    /**
     * The machine the address spaces share: guest RAM, frames, allocator and kernel slab caches.
     *
     * @return the environment
     */
    public MmEnv env() {
        return env;
    }

    /**
     * mm-model's checker of this machine, whose leak baseline is the machine before the
     * sandbox's first address space ({@link StandardInvariants#addressSpace()} calls it).
     *
     * @return the checker
     */
    public AddressSpaceInvariants invariants() {
        return invariants;
    }

    /**
     * How many address spaces live at once.
     *
     * @return the number of slots
     */
    public int slots() {
        return mms.length;
    }

    /**
     * The address space in {@code slot} (taken modulo {@link #slots()}).
     *
     * @param slot the slot
     * @return its address space
     */
    public MmStruct mm(int slot) {
        return mms[Math.floorMod(slot, mms.length)];
    }

    /**
     * Every live address space, in slot order (a snapshot: exit and fork replace slots).
     *
     * @return the address spaces
     */
    public List<MmStruct> live() {
        return List.copyOf(Arrays.asList(mms));
    }

    /**
     * mmap(addr, len, prot, MAP_PRIVATE | MAP_ANONYMOUS [| MAP_FIXED]): with {@code fixed} the
     * mapping goes at {@code addr}, replacing what was there; otherwise {@code addr} is a hint
     * that get_unmapped_area() takes if the range is free.
     *
     * @param slot the address space
     * @param addr the address (page aligned) or hint (0 for none)
     * @param len the length in bytes, a positive multiple of the page size
     * @param prot PROT_READ, PROT_WRITE, PROT_EXEC bits
     * @param fixed MAP_FIXED
     * @return the mapping's address, or -EINVAL, -ENOMEM or -EPERM as Linux returns them
     */
    public long mmap(int slot, long addr, long len, int prot, boolean fixed) {
        MmStruct mm = mm(slot);
        if (len <= 0 || (len & (PAGE_SIZE - 1)) != 0 || (fixed && (addr & (PAGE_SIZE - 1)) != 0)) return -Errno.EINVAL;
        if (len > MmStruct.TASK_SIZE) return -Errno.ENOMEM;
        if (fixed) {
            if (addr > MmStruct.TASK_SIZE - len) return -Errno.ENOMEM;
            if (addr < MmStruct.MMAP_MIN_ADDR) return -Errno.EPERM; // security_mmap_addr()
        } else {
            addr = mm.getUnmappedArea(addr, len);
            if (addr < 0) return addr;
        }
        // As sys_mmap for MAP_PRIVATE | MAP_ANONYMOUS: the VM_MAY* bits, VM_ACCOUNT for writable private memory.
        int vmFlags = VmFlags.calcVmProtBits(prot) | VmFlags.VM_MAYREAD | VmFlags.VM_MAYWRITE | VmFlags.VM_MAYEXEC
                | ((prot & PROT_WRITE) != 0 ? VmFlags.VM_ACCOUNT : 0);
        return mm.mmapRegion(addr, len, vmFlags, null, 0, null);
    }

    /**
     * munmap(addr, len).
     *
     * @param slot the address space
     * @param addr the start, page aligned
     * @param len the length in bytes
     * @return 0 or a negative errno
     */
    public long munmap(int slot, long addr, long len) {
        return mm(slot).doMunmap(addr, len);
    }

    /**
     * mprotect(addr, len, prot): changes the VMAs up to the first hole, then fails with ENOMEM.
     *
     * @param slot the address space
     * @param addr the start, page aligned
     * @param len the length in bytes
     * @param prot PROT_READ, PROT_WRITE, PROT_EXEC bits
     * @return 0 or a negative errno
     */
    public long mprotect(int slot, long addr, long len, int prot) {
        return Mprotect.doMprotect(mm(slot), addr, len, prot);
    }

    /**
     * mremap(oldAddr, oldLen, newLen, flags, newAddr): shrinks, grows in place or (with
     * MREMAP_MAYMOVE) moves a mapping; MREMAP_FIXED moves it to {@code newAddr}, MREMAP_DONTUNMAP
     * leaves the old range mapped and empty.
     *
     * @param slot the address space
     * @param oldAddr the mapping's start, page aligned
     * @param oldLen its length in bytes
     * @param newLen the new length in bytes
     * @param flags {@link Mremap#MREMAP_MAYMOVE}, {@link Mremap#MREMAP_FIXED}, {@link Mremap#MREMAP_DONTUNMAP}
     * @param newAddr the destination for MREMAP_FIXED, else ignored
     * @return the mapping's new address, or -EINVAL, -EFAULT or -ENOMEM as Linux returns them
     */
    public long mremap(int slot, long oldAddr, long oldLen, long newLen, int flags, long newAddr) {
        return Mremap.doMremap(mm(slot), oldAddr, oldLen, newLen, flags, newAddr);
    }

    /**
     * brk(newBrk): moves the program break, mapping or unmapping the heap's pages.
     *
     * @param slot the address space
     * @param newBrk the break asked for
     * @return the break afterwards: {@code newBrk}, or the old break when the move was refused
     */
    public long brk(int slot, long newBrk) {
        return mm(slot).sysBrk(newBrk);
    }

    /**
     * madvise(addr, len, advice): MADV_DONTNEED drops the pages (private anonymous memory reads
     * zero again); MADV_DONTFORK, MADV_DOFORK, MADV_WIPEONFORK, MADV_KEEPONFORK mark the VMAs for
     * fork; the other advice as mm-model models it.
     *
     * @param slot the address space
     * @param addr the start, page aligned
     * @param len the length in bytes
     * @param advice a {@link Madvise} MADV_* constant
     * @return 0, or a negative errno (-ENOMEM when part of the range is unmapped, after advising the rest)
     */
    public long madvise(int slot, long addr, long len, int advice) {
        return Madvise.doMadvise(mm(slot), addr, len, advice, userAccess::faultIn);
    }

    /**
     * One user-mode access as the CPU makes it: the page walker walks the page tables (setting
     * Accessed and Dirty bits); on a fault do_user_addr_fault() runs and the walk is retried (a
     * fetch from a non-executable page faults twice: the first fault maps it NX).
     *
     * @param slot the address space
     * @param va the virtual address
     * @param access {@link Access#READ}, {@link Access#WRITE} or {@link Access#FETCH}
     * @return {@link FaultResult#HANDLED} when the access went through (with or without a
     *     fault), else the signal or out-of-memory result the fault came to
     * @throws IllegalStateException if the access still faults after two handled faults (a model bug)
     */
    public FaultResult touch(int slot, long va, int access) {
        MmStruct mm = mm(slot);
        long r = walker.walk(mm.pgd().cr3(), va, access, true, env.pagingControl());
        for (int attempt = 0; WalkResult.isFault(r); attempt++) {
            if (attempt == 2) {
                throw new IllegalStateException(Access.name(access) + " at 0x" + Long.toHexString(va)
                        + " still faults after the fault was handled twice (" + PfErr.describe(WalkResult.errorCode(r)) + ")");
            }
            FaultResult f = UserFault.doUserAddrFault(mm, va, WalkResult.errorCode(r));
            if (f != FaultResult.HANDLED) return f;
            r = walker.walk(mm.pgd().cr3(), va, access, true, env.pagingControl());
        }
        lastWalk = r;
        return FaultResult.HANDLED;
    }

    /**
     * A user store of one byte: {@link #touch} for a write, then the byte written to the frame
     * the translation names.
     *
     * @param slot the address space
     * @param va the virtual address
     * @param value the byte
     * @return as {@link #touch}; nothing is stored unless it is HANDLED
     */
    public FaultResult store(int slot, long va, byte value) {
        FaultResult f = touch(slot, va, Access.WRITE);
        if (f == FaultResult.HANDLED) env.mem().putByte(physicalAddress(va), value);
        return f;
    }

    /**
     * A user load of one byte: {@link #touch} for a read, then the byte read.
     *
     * @param slot the address space
     * @param va the virtual address
     * @return the byte (0..255), or -1 when the access did not go through
     */
    public int load(int slot, long va) {
        return touch(slot, va, Access.READ) == FaultResult.HANDLED ? env.mem().getByte(physicalAddress(va)) & 0xff : -1;
    }

    private long physicalAddress(long va) {
        return WalkResult.pagePa(lastWalk) + (va & (PAGE_SIZE - 1));
    }

    /**
     * The last walk that succeeded, packed as {@link WalkResult} reads it (the frame, the rights
     * granted): what a TLB would cache for the last access that went through.
     *
     * @return the walk result
     */
    public long lastWalk() {
        return lastWalk;
    }

    /**
     * fork(): the address space in {@code childSlot} exits, and dup_mmap() of the one in
     * {@code parentSlot} takes its place, sharing every private page copy-on-write.
     *
     * @param parentSlot the parent's slot
     * @param childSlot the child's slot; the slot after the parent's if it is the parent's own
     * @return 0, or -ENOMEM when dup_mmap() failed (the child's slot then holds an empty address space)
     */
    public long fork(int parentSlot, int childSlot) {
        int p = Math.floorMod(parentSlot, mms.length), c = Math.floorMod(childSlot, mms.length);
        if (c == p) c = (p + 1) % mms.length;
        if (c == p) throw new IllegalStateException("fork needs two slots (this sandbox has one)");
        mms[c].exitMmap();
        MmStruct child = mms[p].dupMmap();
        mms[c] = child != null ? child : newMm();
        return child != null ? 0 : -Errno.ENOMEM;
    }

    /**
     * The process in {@code slot} exits: exit_mmap() tears its address space down, and a new
     * empty one (mm_alloc()) takes the slot.
     *
     * @param slot the slot
     */
    public void exit(int slot) {
        int i = Math.floorMod(slot, mms.length);
        mms[i].exitMmap();
        mms[i] = newMm();
    }

    /**
     * Every address space: its VMAs as /proc/PID/maps prints them, its counters, and every
     * page-table entry that maps a page, with the frame's reference and map counts.
     */
    @Override
    public String describe() {
        StringBuilder sb = new StringBuilder();
        FrameTable frames = env.frames();
        for (int i = 0; i < mms.length; i++) {
            MmStruct mm = mms[i];
            sb.append(String.format("mm%d: %d page tables, rss anon %d file %d, brk [0x%x, 0x%x), mmap_base 0x%x%n", i,
                    mm.pgd().nrTables(), mm.rss(RssStat.MM_ANONPAGES), mm.rss(RssStat.MM_FILEPAGES), mm.startBrk, mm.brk,
                    mm.mmapBase));
            List<Vma> vmas = mm.vmas();
            if (vmas.isEmpty()) sb.append("  (no VMAs)\n");
            for (Vma v : vmas) sb.append("  ").append(v.mapsLine()).append('\n');
            mm.pgd().forEachPresentPte(0, MmStruct.TASK_SIZE + PAGE_SIZE, (va, slot, pte) -> {
                long pfn = Pte.pfn(pte);
                sb.append(String.format("    0x%012x -> pfn 0x%-6x %-32s ref %d map %d%s%n", va, pfn, Pte.describe(pte),
                        frames.pageRefCount(pfn), frames.pageMapcount(pfn),
                        (pte & Pte.SPECIAL) != 0 ? " zero page" : frames.testPageFlag(pfn, PageFlag.ANON) ? " anon" : ""));
            });
        }
        sb.append(String.format("free pages %d of %d%n", env.allocator().nrFreePages(), env.frames().nrPages()));
        return sb.toString();
    }

    /** Releases the guest RAM (the address spaces go with it, without exit_mmap()). */
    @Override
    public void close() {
        env.mem().close();
    }
}
