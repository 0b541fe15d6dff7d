package io.mmemu.mm.fault;

import io.mmemu.mm.pgtable.Access;
import io.mmemu.mm.pgtable.PageWalker;
import io.mmemu.mm.pgtable.PfErr;
import io.mmemu.mm.pgtable.WalkResult;
import io.mmemu.mm.vma.MmEnv;
import io.mmemu.mm.vma.MmStruct;
import java.util.function.Function;

/**
 * One user-mode access as the CPU makes it, for tests: walk; on a fault, do_user_addr_fault and
 * walk again (a fetch from a non-exec VMA is mapped NX first and faults a second time), as
 * testkit's MmSandbox.touch() does for the address-space properties.
 */
public final class CpuAccess {

    private final MmEnv env;
    private final PageWalker walker;
    private long lastWalk;

    public CpuAccess(MmEnv env) {
        this.env = env;
        this.walker = new PageWalker(env.mem());
    }

    /** The last successful walk's result, for checking the rights a TLB would cache. */
    public long lastWalk() {
        return lastWalk;
    }

    /**
     * Makes the access; HANDLED also when no fault was needed. An access that still faults after
     * two handled faults is a model bug: {@code stuck} turns its description into the error thrown.
     */
    public FaultResult access(MmStruct mm, long va, int access, Function<String, AssertionError> stuck) {
        long r = walker.walk(mm.pgd().cr3(), va, access, true, env.pagingControl());
        if (!WalkResult.isFault(r)) {
            lastWalk = r;
            return FaultResult.HANDLED;
        }
        for (int attempt = 0; attempt < 2; attempt++) {
            FaultResult f = UserFault.doUserAddrFault(mm, va, WalkResult.errorCode(r));
            if (f != FaultResult.HANDLED) return f;
            r = walker.walk(mm.pgd().cr3(), va, access, true, env.pagingControl());
            if (!WalkResult.isFault(r)) {
                lastWalk = r;
                return f;
            }
        }
        throw stuck.apply(Access.name(access) + " at 0x" + Long.toHexString(va)
                + " still faults after the fault was handled twice (" + PfErr.describe(WalkResult.errorCode(r)) + ")");
    }
}
