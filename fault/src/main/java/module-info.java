/**
 * Fault injection as Linux's lib/fault-inject.c offers it: one {@link io.mmemu.fault.FaultAttr}
 * per injection point with Linux's attributes, the per-task fail-nth and make-it-fail, and the
 * {@link io.mmemu.fault.FaultInjector} that decides, records and replays injections. It depends
 * on nothing, so that every layer of the model (slub, mm-model, tlb, kernel) can hold its points.
 */
module io.mmemu.fault {
    exports io.mmemu.fault;
}
