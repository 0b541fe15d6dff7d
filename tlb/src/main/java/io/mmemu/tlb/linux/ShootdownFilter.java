package io.mmemu.tlb.linux;

/**
 * Fault injection: decides whether a flush IPI is lost on its way. A dropped IPI leaves the
 * target's TLB holding translations its page tables no longer allow, which the
 * stale-translation checker then reports. The decision must be deterministic (a seeded
 * generator, a counter) so that a run can be replayed.
 */
@FunctionalInterface
public interface ShootdownFilter {
    /**
     * Whether the IPI from {@code fromCpu} to {@code toCpu} carrying {@code info} is dropped.
     *
     * @param fromCpu the CPU sending the IPI
     * @param toCpu   the target CPU
     * @param info    the flush the IPI asks for
     * @return true to drop it
     */
    boolean drop(int fromCpu, int toCpu, FlushTlbInfo info);

    /** Every IPI arrives: normal operation. */
    ShootdownFilter NONE = (from, to, info) -> false;

    /** Every IPI is lost. */
    ShootdownFilter ALL = (from, to, info) -> true;
}
