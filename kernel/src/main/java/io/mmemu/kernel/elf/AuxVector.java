package io.mmemu.kernel.elf;

import io.mmemu.mm.phys.PageTypes;
import java.util.ArrayList;
import java.util.List;

/**
 * The values create_elf_tables() (fs/binfmt_elf.c) puts in the auxiliary vector, except the three
 * addresses of things it places on the stack itself (AT_RANDOM, AT_EXECFN, AT_PLATFORM).
 *
 * <p>Addresses are final, that is relocated: {@link #forImage} adds the load bias.
 *
 * @param sysinfoEhdr     AT_SYSINFO_EHDR, the vDSO's address; 0 omits the entry (mmemu has no vDSO)
 * @param minsigstksz     AT_MINSIGSTKSZ, get_sigframe_size() for the emulated CPU's xstate
 * @param hwcap           AT_HWCAP, ELF_HWCAP: CPUID.1:EDX of the emulated CPU
 * @param pagesz          AT_PAGESZ, ELF_EXEC_PAGESIZE
 * @param clktck          AT_CLKTCK, CLOCKS_PER_SEC (USER_HZ)
 * @param phdr            AT_PHDR, load bias + the program headers' unrelocated address
 * @param phent           AT_PHENT, sizeof(struct elf_phdr)
 * @param phnum           AT_PHNUM, e_phnum
 * @param base            AT_BASE, the interpreter's load address; 0 for static programs
 * @param flags           AT_FLAGS
 * @param entry           AT_ENTRY, load bias + e_entry
 * @param uid             AT_UID
 * @param euid            AT_EUID
 * @param gid             AT_GID
 * @param egid            AT_EGID
 * @param secure          AT_SECURE, bprm->secureexec
 * @param hwcap2          AT_HWCAP2, elf_hwcap2 (always present on x86, even when 0)
 * @param rseqFeatureSize AT_RSEQ_FEATURE_SIZE with CONFIG_RSEQ; 0 omits it and AT_RSEQ_ALIGN
 * @param rseqAlign       AT_RSEQ_ALIGN, __alignof__(struct rseq)
 */
public record AuxVector(long sysinfoEhdr, long minsigstksz, long hwcap, long pagesz, long clktck, long phdr,
        long phent, long phnum, long base, long flags, long entry, long uid, long euid, long gid, long egid,
        long secure, long hwcap2, long rseqFeatureSize, long rseqAlign) {

    /** CLOCKS_PER_SEC, that is USER_HZ, on x86. */
    public static final long CLOCKS_PER_SEC = 100;
    /** offsetof(struct rseq, end) since Linux 6.3, as the 6.18 host reports it. */
    public static final long RSEQ_FEATURE_SIZE = 28;
    /** __alignof__(struct rseq). */
    public static final long RSEQ_ALIGN = 32;

    /**
     * The vector for a static executable loaded with {@code loadBias} (0 for ET_EXEC), running as
     * root with no vDSO, no CPU features declared and no rseq; refine with the with-methods.
     *
     * @param image    the parsed executable
     * @param loadBias what the loader added to its addresses: 0 for ET_EXEC, the ET_DYN base otherwise
     * @return the vector with AT_PHDR and AT_ENTRY relocated
     */
    public static AuxVector forImage(ElfImage image, long loadBias) {
        return new AuxVector(0, 0, 0, PageTypes.PAGE_SIZE /* ELF_EXEC_PAGESIZE */, CLOCKS_PER_SEC, image.phdrVaddr() + loadBias, image.phent(),
                image.phnum(), 0, 0, image.entry() + loadBias, 0, 0, 0, 0, 0, 0, 0, 0);
    }

    /**
     * A copy with the emulated CPU's AT_HWCAP, AT_HWCAP2 and AT_MINSIGSTKSZ.
     *
     * @param newHwcap       AT_HWCAP: CPUID.1:EDX
     * @param newHwcap2      AT_HWCAP2: elf_hwcap2's bits
     * @param newMinsigstksz AT_MINSIGSTKSZ in bytes
     * @return the new vector
     */
    public AuxVector withCpu(long newHwcap, long newHwcap2, long newMinsigstksz) {
        return new AuxVector(sysinfoEhdr, newMinsigstksz, newHwcap, pagesz, clktck, phdr, phent, phnum, base, flags,
                entry, uid, euid, gid, egid, secure, newHwcap2, rseqFeatureSize, rseqAlign);
    }

    /**
     * A copy with the process credentials.
     *
     * @param newUid  AT_UID
     * @param newEuid AT_EUID
     * @param newGid  AT_GID
     * @param newEgid AT_EGID
     * @return the new vector
     */
    public AuxVector withCredentials(long newUid, long newEuid, long newGid, long newEgid) {
        return new AuxVector(sysinfoEhdr, minsigstksz, hwcap, pagesz, clktck, phdr, phent, phnum, base, flags,
                entry, newUid, newEuid, newGid, newEgid, secure, hwcap2, rseqFeatureSize, rseqAlign);
    }

    /**
     * A copy with a vDSO.
     *
     * @param newSysinfoEhdr the vDSO's address, or 0 for none (the entry is then left out)
     * @return the new vector
     */
    public AuxVector withSysinfoEhdr(long newSysinfoEhdr) {
        return new AuxVector(newSysinfoEhdr, minsigstksz, hwcap, pagesz, clktck, phdr, phent, phnum, base, flags,
                entry, uid, euid, gid, egid, secure, hwcap2, rseqFeatureSize, rseqAlign);
    }

    /**
     * A copy announcing rseq(2) support; only once the emulator implements rseq.
     *
     * @param newFeatureSize AT_RSEQ_FEATURE_SIZE, or 0 for no rseq
     * @param newAlign       AT_RSEQ_ALIGN, 0 exactly when {@code newFeatureSize} is
     * @return the new vector
     * @throws IllegalArgumentException when one of the two is 0 and the other is not
     */
    public AuxVector withRseq(long newFeatureSize, long newAlign) {
        if ((newFeatureSize == 0) != (newAlign == 0)) {
            throw new IllegalArgumentException("rseq feature size and alignment go together "
                    + "(expected: both 0 or both non-zero, got %d and %d)".formatted(newFeatureSize, newAlign));
        }
        return new AuxVector(sysinfoEhdr, minsigstksz, hwcap, pagesz, clktck, phdr, phent, phnum, base, flags,
                entry, uid, euid, gid, egid, secure, hwcap2, newFeatureSize, newAlign);
    }

    /**
     * The entries in the order create_elf_tables() writes them on x86-64: ARCH_DLINFO
     * (AT_SYSINFO_EHDR if there is a vDSO, AT_MINSIGSTKSZ), then the generic ones, ending with
     * AT_NULL. x86 defines ELF_PLATFORM ("x86_64") and ELF_HWCAP2 but no ELF_BASE_PLATFORM and
     * no AT_HWCAP3/4; AT_EXECFD only appears for binfmt_misc, which mmemu does not model.
     *
     * @param randomAddr   AT_RANDOM: where the 16 random bytes lie on the stack
     * @param execfnAddr   AT_EXECFN: where the file name string lies on the stack
     * @param platformAddr AT_PLATFORM: where the "x86_64" string lies on the stack
     * @return the entries, AT_NULL last, unmodifiable
     */
    public List<AuxEntry> entries(long randomAddr, long execfnAddr, long platformAddr) {
        List<AuxEntry> e = new ArrayList<>(24);
        if (sysinfoEhdr != 0) {
            e.add(new AuxEntry(AuxType.AT_SYSINFO_EHDR, sysinfoEhdr));
        }
        e.add(new AuxEntry(AuxType.AT_MINSIGSTKSZ, minsigstksz));
        e.add(new AuxEntry(AuxType.AT_HWCAP, hwcap));
        e.add(new AuxEntry(AuxType.AT_PAGESZ, pagesz));
        e.add(new AuxEntry(AuxType.AT_CLKTCK, clktck));
        e.add(new AuxEntry(AuxType.AT_PHDR, phdr));
        e.add(new AuxEntry(AuxType.AT_PHENT, phent));
        e.add(new AuxEntry(AuxType.AT_PHNUM, phnum));
        e.add(new AuxEntry(AuxType.AT_BASE, base));
        e.add(new AuxEntry(AuxType.AT_FLAGS, flags));
        e.add(new AuxEntry(AuxType.AT_ENTRY, entry));
        e.add(new AuxEntry(AuxType.AT_UID, uid));
        e.add(new AuxEntry(AuxType.AT_EUID, euid));
        e.add(new AuxEntry(AuxType.AT_GID, gid));
        e.add(new AuxEntry(AuxType.AT_EGID, egid));
        e.add(new AuxEntry(AuxType.AT_SECURE, secure));
        e.add(new AuxEntry(AuxType.AT_RANDOM, randomAddr));
        e.add(new AuxEntry(AuxType.AT_HWCAP2, hwcap2));
        e.add(new AuxEntry(AuxType.AT_EXECFN, execfnAddr));
        e.add(new AuxEntry(AuxType.AT_PLATFORM, platformAddr));
        if (rseqFeatureSize != 0) {
            e.add(new AuxEntry(AuxType.AT_RSEQ_FEATURE_SIZE, rseqFeatureSize));
            e.add(new AuxEntry(AuxType.AT_RSEQ_ALIGN, rseqAlign));
        }
        e.add(new AuxEntry(AuxType.AT_NULL, 0));
        return List.copyOf(e);
    }
}
