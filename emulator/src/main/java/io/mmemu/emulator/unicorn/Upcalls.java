package io.mmemu.emulator.unicorn;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.MemorySegment;

/**
 * The Java side of each native callback {@link Unicorn} registers: one small record per hook
 * type, whose {@code invoke} has the shape of {@link UnicornNative#CALLBACK} (six long arguments,
 * of which the callback's C type uses the first few, and a long result), calls the typed
 * {@link Hooks} interface, and catches everything. An upcall never
 * throws: an exception escaping into native code kills the JVM, so a failure goes to
 * {@link Unicorn#hookFailed}, which stops the engine, and {@link Unicorn#emuStart} raises it.
 */
final class Upcalls {
    private Upcalls() {}

    record TlbFill(Unicorn owner, Hooks.TlbFill hook) {
        /** The uc_tlb_entry at {@code result}: paddr at offset 0, perms at 8. */
        private static final MemorySegment ALL = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);

        /** bool (*)(uc_engine *, uint64_t vaddr, uc_mem_type type, uc_tlb_entry *result, void *user_data); 1 is true. */
        long invoke(long uc, long vaddr, long type, long result, long userData, long unused) {
            try {
                long t = hook.fill(vaddr, (int) type);
                if (t == Hooks.TlbFill.NO_TRANSLATION) return 0;
                ALL.set(JAVA_LONG, result, t & ~0xfffL);
                ALL.set(JAVA_INT, result + 8, (int) (t & Uc.PROT_ALL));
                return 1;
            } catch (Throwable e) {
                owner.hookFailed("TLB fill", e);
                return 0;
            }
        }
    }

    record Syscall(Unicorn owner, Hooks.Syscall hook) {
        long invoke(long uc, long userData, long unused2, long unused3, long unused4, long unused5) {
            try {
                hook.onSyscall();
            } catch (Throwable e) {
                owner.hookFailed("syscall", e);
            }
            return 0;
        }
    }

    record Interrupt(Unicorn owner, Hooks.Interrupt hook) {
        long invoke(long uc, long intno, long userData, long unused3, long unused4, long unused5) {
            try {
                hook.onInterrupt((int) intno);
            } catch (Throwable e) {
                owner.hookFailed("interrupt", e);
            }
            return 0;
        }
    }

    record InvalidInstruction(Unicorn owner, Hooks.InvalidInstruction hook) {
        long invoke(long uc, long userData, long unused2, long unused3, long unused4, long unused5) {
            try {
                return hook.onInvalidInstruction() ? 1 : 0;
            } catch (Throwable e) {
                owner.hookFailed("invalid instruction", e);
                return 0;
            }
        }
    }

    record Code(Unicorn owner, Hooks.Code hook) {
        long invoke(long uc, long address, long size, long userData, long unused4, long unused5) {
            try {
                hook.onCode(address, (int) size);
            } catch (Throwable e) {
                owner.hookFailed("code", e);
            }
            return 0;
        }
    }

    record Memory(Unicorn owner, Hooks.Memory hook) {
        long invoke(long uc, long type, long address, long size, long value, long userData) {
            try {
                hook.onAccess((int) type, address, (int) size, value);
            } catch (Throwable e) {
                owner.hookFailed("memory", e);
            }
            return 0;
        }
    }
}
