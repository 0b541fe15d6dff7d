package io.mmemu.kernel;

import io.mmemu.kernel.elf.ArgumentListTooLongException;
import io.mmemu.kernel.elf.AuxVector;
import io.mmemu.kernel.elf.ElfImage;
import io.mmemu.kernel.elf.ElfType;
import io.mmemu.kernel.elf.InitialStack;
import io.mmemu.kernel.elf.LoadSegment;
import io.mmemu.mm.phys.PageTypes;
import io.mmemu.mm.uaccess.UserAccess;
import io.mmemu.mm.vma.Errno;
import io.mmemu.mm.vma.MappedFile;
import io.mmemu.mm.vma.MmEnv;
import io.mmemu.mm.vma.MmStruct;
import io.mmemu.mm.vma.VmFlags;
import java.util.List;

/**
 * Models load_elf_binary(), fs/binfmt_elf.c, for static executables (ET_EXEC and static-PIE),
 * with exec_mmap()'s fresh address space and setup_arg_pages()'s stack.
 *
 * <ol>
 *   <li>A new mm with mmap_base from mmap_base() (randomised or not).</li>
 *   <li>Each PT_LOAD becomes a private file mapping of the program (elf_map); the bss part of
 *       the last file page is zeroed (padzero, which takes a COW fault) and the rest of memsz
 *       becomes anonymous memory (vm_brk_flags). A static-PIE is placed where get_unmapped_area
 *       puts its whole span (load_bias from a top-down search below mmap_base), as Linux ≥ 5.x
 *       does for an ET_DYN without interpreter.</li>
 *   <li>brk starts at the page-aligned end of bss; for a static-PIE at ELF_ET_DYN_BASE; with
 *       ASLR one page above bss, then arch_randomize_brk().</li>
 *   <li>The stack: [stack] VMA (VM_GROWSDOWN) ending at the (randomised) stack top, the strings,
 *       auxv and pointers laid out by {@link InitialStack}, grown by 128 KiB as setup_arg_pages
 *       does.</li>
 * </ol>
 */
public final class BinfmtElf {
    /** setup_arg_pages()'s stack_expand. */
    static final long STACK_EXPAND = 131072;

    /**
     * The entry state of the new program.
     *
     * @param mm    the new address space, not yet installed
     * @param entry the relocated entry point, where start_thread() points rip
     * @param sp    the initial stack pointer, pointing at argc
     */
    record Loaded(MmStruct mm, long entry, long sp) {}

    private BinfmtElf() {}

    /**
     * Builds a new address space for {@code image} and returns it with the entry point and stack
     * pointer. The caller installs it (exec_mmap) and sets the registers.
     */
    static Loaded load(MmEnv env, UserAccess uaccess, ElfImage image, MappedFile file, List<String> argv,
            List<String> envp, String execfn, AddressLayout layout, byte[] random16, long hwcap, long hwcap2)
            throws ExecFailure {
        MmStruct mm = MmStruct.mmAlloc(env);
        if (mm == null) throw new ExecFailure(Errno.ENOMEM, "out of memory for a new address space");
        try {
            return loadInto(mm, uaccess, image, file, argv, envp, execfn, layout, random16, hwcap, hwcap2);
        } catch (ExecFailure | RuntimeException e) {
            mm.exitMmap();
            throw e;
        }
    }

    /** Pages of [vvar], [vvar_vclock] and [vdso] on the 6.18 host kernel the tests compare with. */
    static final int VVAR_PAGES = 4, VVAR_VCLOCK_PAGES = 2, VDSO_PAGES = 2;

    /**
     * Models map_vdso(), arch/x86/entry/vdso/vma.c: the vDSO's special mappings, placed like an
     * mmap without a hint. mmemu has no vDSO code and does not advertise one (no AT_SYSINFO_EHDR),
     * so the C library makes real syscalls; the areas are there so that the address-space layout,
     * and so every later mmap, lands where the host kernel puts it.
     */
    private static void mapVdsoArea(MmStruct mm) throws ExecFailure {
        long len = (long) (VVAR_PAGES + VVAR_VCLOCK_PAGES + VDSO_PAGES) << PageTypes.PAGE_SHIFT;
        long at = mm.getUnmappedArea(0, len);
        if (at < 0) throw new ExecFailure(Errno.ENOMEM, "no room for the vDSO area");
        // vdso_install_vvar_mapping() and map_vdso()'s flags (smaps shows "pf io de dd" and "de").
        int ro = VmFlags.VM_READ | VmFlags.VM_MAYREAD | VmFlags.VM_IO | VmFlags.VM_DONTDUMP | VmFlags.VM_PFNMAP
                | VmFlags.VM_DONTEXPAND;
        // _install_special_mapping() fails when its vm_area_struct cannot be allocated; map_vdso()
        // gives the error back and load_elf_binary() fails with it.
        long r = mm.mmapRegion(at, VVAR_PAGES << PageTypes.PAGE_SHIFT, ro, null, 0, "[vvar]");
        if (r >= 0) {
            r = mm.mmapRegion(at + (VVAR_PAGES << PageTypes.PAGE_SHIFT), VVAR_VCLOCK_PAGES << PageTypes.PAGE_SHIFT, ro,
                    null, 0, "[vvar_vclock]");
        }
        if (r >= 0) {
            r = mm.mmapRegion(at + ((VVAR_PAGES + VVAR_VCLOCK_PAGES) << PageTypes.PAGE_SHIFT),
                    VDSO_PAGES << PageTypes.PAGE_SHIFT,
                    VmFlags.VM_READ | VmFlags.VM_EXEC | VmFlags.VM_MAYREAD | VmFlags.VM_MAYWRITE | VmFlags.VM_MAYEXEC
                            | VmFlags.VM_DONTEXPAND,
                    null, 0, "[vdso]");
        }
        if (r < 0) throw new ExecFailure((int) -r, "cannot map the vDSO area");
    }

    private static Loaded loadInto(MmStruct mm, UserAccess uaccess, ElfImage image, MappedFile file, List<String> argv,
            List<String> envp, String execfn, AddressLayout layout, byte[] random16, long hwcap, long hwcap2)
            throws ExecFailure {
        long stackTop = layout.stackTop();
        mm.mmapBase = layout.mmapBase(mm.rlimitStack);

        long loadBias = 0;
        if (image.type() == ElfType.DYN) {
            long span = image.mappingEnd() - image.mappingStart(); // page-rounded total_mapping_size()
            long at = mm.getUnmappedArea(0, span);
            if (at < 0) throw new ExecFailure(Errno.ENOMEM, "no room for the program's " + span + " bytes");
            loadBias = at - (image.mappingStart() & PageTypes.PAGE_MASK);
        }

        long elfBss = 0, elfBrk = 0;
        long startCode = Long.MAX_VALUE, endCode = 0, startData = 0, endData = 0;
        for (LoadSegment seg : image.loadSegments()) {
            long vaddr = seg.vaddr() + loadBias;
            long pageStart = vaddr & PageTypes.PAGE_MASK;
            long pageOff = PageTypes.offsetInPage(vaddr);
            int vmFlags = VmFlags.calcVmProtBits(seg.prot()) | VmFlags.VM_MAYREAD | VmFlags.VM_MAYWRITE
                    | VmFlags.VM_MAYEXEC;
            // elf_map() → vm_mmap(MAP_PRIVATE) → mmap_region(): accountable_mapping() charges a private
            // writable file mapping (VM_ACCOUNT, "ac" in smaps), which stays set when RELRO makes part
            // of it read-only, so that part never merges with the read-only segment before it.
            if ((vmFlags & VmFlags.VM_WRITE) != 0) vmFlags |= VmFlags.VM_ACCOUNT;
            if (seg.filesz() > 0) {
                long len = MmStruct.pageAlign(seg.filesz() + pageOff);
                long r = mm.mmapRegion(pageStart, len, vmFlags, file, (seg.fileOffset() - pageOff) >>> PageTypes.PAGE_SHIFT, null);
                if (r < 0) throw new ExecFailure((int) -r, "cannot map segment " + seg);
            }
            long fileEnd = vaddr + seg.filesz();
            long memEnd = vaddr + seg.memsz();
            if (seg.memsz() > seg.filesz()) {
                // padzero(): clear the rest of the last file page (a private COW copy).
                long padEnd = Math.min(MmStruct.pageAlign(fileEnd), memEnd);
                if (seg.filesz() > 0 && padEnd > fileEnd && seg.write()) {
                    if (uaccess.clearUser(mm, fileEnd, (int) (padEnd - fileEnd)) < 0) {
                        throw new ExecFailure(Errno.EFAULT, "cannot clear bss of segment " + seg);
                    }
                }
                long zeroStart = seg.filesz() > 0 ? MmStruct.pageAlign(fileEnd) : pageStart;
                long zeroEnd = MmStruct.pageAlign(memEnd);
                if (zeroEnd > zeroStart) {
                    // vm_brk_flags(): anonymous, VM_DATA_DEFAULT_FLAGS plus exec if the segment is.
                    int bssFlags = VmFlags.VM_READ | VmFlags.VM_WRITE | VmFlags.VM_MAYREAD | VmFlags.VM_MAYWRITE
                            | VmFlags.VM_MAYEXEC | VmFlags.VM_ACCOUNT | (seg.exec() ? VmFlags.VM_EXEC : 0);
                    long r = mm.mmapRegion(zeroStart, zeroEnd - zeroStart, bssFlags, null, 0, null);
                    if (r < 0) throw new ExecFailure((int) -r, "cannot map bss of segment " + seg);
                }
            }
            if (seg.exec()) {
                startCode = Math.min(startCode, vaddr);
                endCode = Math.max(endCode, fileEnd);
            }
            if (startData == 0 || vaddr < startData) startData = seg.exec() ? startData : vaddr;
            endData = Math.max(endData, fileEnd);
            elfBss = Math.max(elfBss, fileEnd);
            elfBrk = Math.max(elfBrk, memEnd);
        }
        mm.startCode = startCode == Long.MAX_VALUE ? 0 : startCode;
        mm.endCode = endCode;
        mm.startData = startData;
        mm.endData = endData;

        boolean brkMoved = false;
        if (image.type() == ElfType.DYN) {
            elfBrk = AddressLayout.ELF_ET_DYN_BASE;
            brkMoved = true;
        }
        mm.startBrk = mm.brk = MmStruct.pageAlign(elfBrk);
        if (layout.randomize()) {
            if (!brkMoved) mm.startBrk = mm.brk = mm.brk + PageTypes.PAGE_SIZE;
            mm.startBrk = mm.brk = layout.randomizeBrk(mm.brk);
        }

        mapVdsoArea(mm);

        // The stack: strings and tables first, then the VMA around them.
        AuxVector aux = AuxVector.forImage(image, loadBias).withCpu(hwcap, hwcap2, 2048);
        InitialStack stack;
        try {
            stack = InitialStack.build(stackTop, argv, envp, execfn, random16, aux, mm.rlimitStack);
        } catch (ArgumentListTooLongException e) {
            throw new ExecFailure(Errno.E2BIG, e.getMessage());
        }
        long stackVmaStart = (stack.argStart() & PageTypes.PAGE_MASK) - STACK_EXPAND;
        int stackFlags = VmFlags.VM_GROWSDOWN | VmFlags.VM_READ | VmFlags.VM_WRITE | VmFlags.VM_MAYREAD
                | VmFlags.VM_MAYWRITE | VmFlags.VM_MAYEXEC | VmFlags.VM_ACCOUNT
                | (image.stackExecutable() ? VmFlags.VM_EXEC : 0);
        long r = mm.mmapRegion(stackVmaStart, stackTop - stackVmaStart, stackFlags, null, 0, "[stack]");
        if (r < 0) throw new ExecFailure((int) -r, "cannot map the stack");
        byte[] bytes = stack.bytes();
        if (uaccess.copyToUser(mm, stack.low(), bytes, 0, bytes.length) < 0) {
            throw new ExecFailure(Errno.EFAULT, "cannot write the initial stack");
        }
        mm.startStack = stack.sp();
        mm.argStart = stack.argStart();
        mm.argEnd = stack.argEnd();
        mm.envStart = stack.argEnd();
        mm.envEnd = stack.envEnd();
        return new Loaded(mm, image.entry() + loadBias, stack.sp());
    }
}
