package io.mmemu.kernel;

import io.mmemu.kernel.arch.FpuState;
import io.mmemu.kernel.arch.PtRegs;
import io.mmemu.mm.task.Task;
import io.mmemu.mm.uaccess.UserAccess;
import io.mmemu.mm.vma.Errno;
import io.mmemu.mm.vma.MmStruct;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * PTRACE_GETREGSET and PTRACE_SETREGSET over x86-64's user regsets (x86_64_regsets,
 * arch/x86/kernel/ptrace.c), as ptrace_request() and ptrace_regset(), kernel/ptrace.c, reach them.
 *
 * <ol>
 *   <li>The struct iovec at {@code data} is read (EFAULT); the regset is found by its note type
 *       (EINVAL for one x86-64 does not have); iov_len must be a multiple of the regset's 8-byte
 *       unit (EINVAL) and is cut to the regset's size; on success the cut length is written back
 *       to iov_len (EFAULT).</li>
 *   <li>GETREGSET copies the first iov_len bytes of the regset's image (a short buffer gets what
 *       fits, copy_regset_to_user()); SETREGSET hands iov_len bytes to the regset's set method,
 *       which checks the length as Linux's does.</li>
 *   <li>The regsets: NT_PRSTATUS (struct user_regs_struct: genregs_get()/genregs_set(), a word at
 *       a time through putreg()), NT_PRFPREG (the fxsave image: xfpregs_get()/xfpregs_set()),
 *       NT_386_IOPERM (no task of the model has an I/O bitmap: ENXIO, and no set method:
 *       EOPNOTSUPP) and NT_X86_XSTATE (xstateregs_get()/xstateregs_set(): the standard-format
 *       XSAVE image of x87 | SSE | PKRU, {@link Signals#XSTATE_USER_SIZE} bytes; ENODEV on a CPU
 *       without XSAVE, the qemu64 model). NT_X86_SHSTK is absent, as with the host's kernel
 *       (CONFIG_X86_USER_SHADOW_STACK unset): EINVAL.</li>
 * </ol>
 *
 * <p>The FPU state read and written is the one the tracee stopped with ({@link Ptrace.Tracee#fpu});
 * a SETREGSET loads it into the CPU when the tracee runs again, as fpu_force_restore() makes the
 * next return to user mode XRSTOR it, so a PKRU set through NT_X86_XSTATE is the one the tracee
 * runs with.
 */
final class PtraceRegsets {
    static final int PTRACE_GETREGSET = 0x4204, PTRACE_SETREGSET = 0x4205;
    /** Note types of the regsets, include/uapi/linux/elf.h. */
    static final int NT_PRSTATUS = 1, NT_PRFPREG = 2, NT_386_IOPERM = 0x201, NT_X86_XSTATE = 0x202;
    /** IO_BITMAP_LONGS: NT_386_IOPERM's size in longs. */
    static final int IO_BITMAP_LONGS = 65536 / 64;
    /** XFEATURE_MASK_FP | XFEATURE_MASK_SSE. */
    static final long XFEATURE_MASK_FPSSE = 0x3;
    /** mxcsr_feature_mask: every MXCSR bit the CPU implements (DAZ included). */
    static final int MXCSR_FEATURE_MASK = 0xffff;
    private static final int MXCSR = 24, XCOMP_BV = Signals.XSAVE_HEADER + 8;

    private final UserAccess uaccess;

    PtraceRegsets(UserAccess uaccess) {
        this.uaccess = uaccess;
    }

    /**
     * Models ptrace_request()'s PTRACE_GETREGSET and PTRACE_SETREGSET with ptrace_regset().
     *
     * @param xsave whether the CPU has XSAVE (the PKU model): use_xsave()
     */
    long ptraceRegset(Task caller, Ptrace.Tracee tr, boolean xsave, long request, long type, long uiov) {
        MmStruct mm = caller.mm();
        byte[] iov = new byte[16];
        if (uaccess.copyFromUser(mm, iov, 0, uiov, 16) < 0) return -Errno.EFAULT;
        ByteBuffer kiov = ByteBuffer.wrap(iov).order(ByteOrder.LITTLE_ENDIAN);
        long base = kiov.getLong(0), len = kiov.getLong(8);
        long n = switch ((int) type) { // find_regset(): the note type is an unsigned int
            case NT_PRSTATUS -> Ptrace.USER_REGS_SIZE / 8;
            case NT_PRFPREG -> Signals.FXSAVE_SIZE / 8;
            case NT_386_IOPERM -> IO_BITMAP_LONGS;
            case NT_X86_XSTATE -> xsave ? Signals.XSTATE_USER_SIZE / 8 : 0; // update_regset_xstate_info()
            default -> -1;
        };
        if (n < 0 || (len & 7) != 0) return -Errno.EINVAL;
        int count = (int) (Long.compareUnsigned(len, n * 8) < 0 ? len : n * 8); // iov_len is a size_t
        long ret = request == PTRACE_GETREGSET ? copyRegsetToUser(mm, tr, xsave, (int) type, base, count)
                : copyRegsetFromUser(mm, tr, xsave, (int) type, base, count);
        if (ret != 0) return ret;
        return uaccess.putUserLong(mm, uiov + 8, count) < 0 ? -Errno.EFAULT : 0;
    }

    /** Models copy_regset_to_user(): the regset's get method, then the first {@code count} bytes to {@code base}. */
    private long copyRegsetToUser(MmStruct mm, Ptrace.Tracee tr, boolean xsave, int type, long base, int count) {
        byte[] image = switch (type) {
            case NT_PRSTATUS -> genregsGet(tr.regs);
            case NT_PRFPREG -> Signals.saveFpstate(tr.fpu); // xfpregs_get()
            case NT_X86_XSTATE -> xsave ? xstateregsGet(tr) : null;
            default -> null; // ioperm_get(): no I/O bitmap
        };
        if (image == null) return type == NT_X86_XSTATE ? -Errno.ENODEV : -Errno.ENXIO;
        return uaccess.copyToUser(mm, base, image, 0, count) < 0 ? -Errno.EFAULT : 0;
    }

    /** Models copy_regset_from_user(): no set method (EOPNOTSUPP), access_ok() (EFAULT), then the set method. */
    long copyRegsetFromUser(MmStruct mm, Ptrace.Tracee tr, boolean xsave, int type, long base, int count) {
        if (type == NT_386_IOPERM) return -Errno.EOPNOTSUPP;
        long end = base + count; // access_ok(): the range ends at or below TASK_SIZE_MAX without wrapping
        if (Long.compareUnsigned(end, MmStruct.TASK_SIZE) > 0 || Long.compareUnsigned(end, base) < 0) return -Errno.EFAULT;
        return switch (type) {
            case NT_PRSTATUS -> genregsSet(mm, tr, base, count);
            case NT_PRFPREG -> xfpregsSet(mm, tr, base, count);
            default -> xstateregsSet(mm, tr, xsave, base, count);
        };
    }

    /** Models genregs_get(): struct user_regs_struct of the stopped registers. */
    static byte[] genregsGet(PtRegs r) {
        ByteBuffer b = ByteBuffer.allocate(Ptrace.USER_REGS_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        for (long x : Ptrace.userRegs(r)) b.putLong(x);
        return b.array();
    }

    /**
     * Models genregs_set(): a word at a time from {@code base}, each through putreg() (EFAULT for a
     * word that cannot be read, EIO from putreg()); the words before a failing one stay set.
     */
    private long genregsSet(MmStruct mm, Ptrace.Tracee tr, long base, int count) {
        byte[] word = new byte[8];
        tr.regsDirty = true;
        for (int pos = 0; pos + 8 <= count; pos += 8) {
            if (uaccess.copyFromUser(mm, word, 0, base + pos, 8) < 0) return -Errno.EFAULT;
            long ret = Ptrace.putreg(tr.regs, pos, ByteBuffer.wrap(word).order(ByteOrder.LITTLE_ENDIAN).getLong(0));
            if (ret != 0) return ret;
        }
        return 0;
    }

    /**
     * Models xfpregs_set(), arch/x86/kernel/fpu/regset.c: exactly a struct fxregs_state (EINVAL),
     * copied in (EFAULT), MXCSR within mxcsr_feature_mask (EINVAL); the x87 control and status
     * words, MXCSR and XMM0-15 become the tracee's, and with XSAVE the header marks FP and SSE in use.
     */
    private long xfpregsSet(MmStruct mm, Ptrace.Tracee tr, long base, int count) {
        if (count != Signals.FXSAVE_SIZE) return -Errno.EINVAL;
        byte[] raw = new byte[count];
        if (uaccess.copyFromUser(mm, raw, 0, base, count) < 0) return -Errno.EFAULT;
        ByteBuffer b = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
        if ((b.getInt(MXCSR) & ~MXCSR_FEATURE_MASK) != 0) return -Errno.EINVAL;
        loadFp(tr.fpu, b);
        tr.fpu.mxcsr = b.getInt(MXCSR);
        Signals.loadXmm(tr.fpu, b);
        tr.xfeatures |= XFEATURE_MASK_FPSSE;
        tr.fpuDirty = true;
        return 0;
    }

    /**
     * Models xstateregs_get() → copy_xstate_to_uabi_buf(XSTATE_COPY_XSAVE): the XSAVE image the
     * signal frame carries (sw_reserved describing the user layout), its header's xstate_bv the
     * tracee's xfeatures, and PKRU's area zero when that component is in its init state.
     */
    private static byte[] xstateregsGet(Ptrace.Tracee tr) {
        byte[] image = java.util.Arrays.copyOf(Signals.saveXstate(tr.fpu), Signals.XSTATE_USER_SIZE);
        ByteBuffer b = ByteBuffer.wrap(image).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(Signals.XSAVE_HEADER, tr.xfeatures);
        if ((tr.xfeatures & Signals.XFEATURE_MASK_PKRU) == 0) b.putInt(Signals.XSTATE_PKRU_OFFSET, 0);
        return image;
    }

    /**
     * Models xstateregs_set() → copy_uabi_from_kernel_to_xstate(): ENODEV without XSAVE; a whole
     * standard-format buffer only (EFAULT otherwise); copied in (EFAULT); the header validated
     * (validate_user_xstate_header(): features the task may not use, a compacted xcomp_bv or
     * reserved bytes set are EINVAL); MXCSR checked when FP or SSE is in use (EINVAL). Each user
     * component in xstate_bv is taken from the buffer; one not in it is in its init state when the
     * tracee's XRSTOR loads it (x87 after FNINIT, XMM zero, PKRU 0), MXCSR staying as it was
     * unless FP or SSE carried it.
     */
    private long xstateregsSet(MmStruct mm, Ptrace.Tracee tr, boolean xsave, long base, int count) {
        if (!xsave) return -Errno.ENODEV;
        if (count != Signals.XSTATE_USER_SIZE) return -Errno.EFAULT; // fpu_user_cfg.max_size
        byte[] raw = new byte[count];
        if (uaccess.copyFromUser(mm, raw, 0, base, count) < 0) return -Errno.EFAULT;
        ByteBuffer b = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
        long xfeatures = b.getLong(Signals.XSAVE_HEADER);
        if ((xfeatures & ~Signals.XFEATURES_USER) != 0 || b.getLong(XCOMP_BV) != 0) return -Errno.EINVAL;
        for (int i = XCOMP_BV + 8; i < Signals.XSAVE_HEADER + 64; i += 8) {
            if (b.getLong(i) != 0) return -Errno.EINVAL; // header.reserved
        }
        if ((xfeatures & XFEATURE_MASK_FPSSE) != 0 && (b.getInt(MXCSR) & ~MXCSR_FEATURE_MASK) != 0) return -Errno.EINVAL;
        FpuState fpu = tr.fpu;
        if ((xfeatures & 0x1) != 0) loadFp(fpu, b);
        else {
            fpu.fpcw = FpuState.FPCW_INIT;
            fpu.fpsw = 0;
        }
        if ((xfeatures & XFEATURE_MASK_FPSSE) != 0) fpu.mxcsr = b.getInt(MXCSR);
        if ((xfeatures & 0x2) != 0) Signals.loadXmm(fpu, b);
        else java.util.Arrays.fill(fpu.xmm, 0);
        fpu.pkru = (xfeatures & Signals.XFEATURE_MASK_PKRU) != 0 ? b.getInt(Signals.XSTATE_PKRU_OFFSET) : 0;
        tr.xfeatures = xfeatures;
        tr.fpuDirty = true;
        return 0;
    }

    /** The x87 words of an fxsave area the model keeps. */
    private static void loadFp(FpuState fpu, ByteBuffer b) {
        fpu.fpcw = Short.toUnsignedInt(b.getShort(0));
        fpu.fpsw = Short.toUnsignedInt(b.getShort(2));
    }
}
