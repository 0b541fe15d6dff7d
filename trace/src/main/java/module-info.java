/**
 * The machine's event stream: the {@link io.mmemu.trace.Tracer} the models call where something
 * happens (faults, TLB misses and fills, flushes, shootdowns, syscalls, slab and page allocations,
 * scheduling, signals), its filter, and the sinks that turn events into a summary or a trace file.
 * It depends on nothing, so that every layer can hold the tracer.
 */
module io.mmemu.trace {
    exports io.mmemu.trace;
}
