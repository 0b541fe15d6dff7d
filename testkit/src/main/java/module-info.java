/**
 * Property-based testing of mmemu's memory management from outside its modules: sandboxes that
 * build an address space or a SLUB allocator over test memory, scripts of actions that drive
 * them, and jqwik arbitraries that generate those scripts. See {@link io.mmemu.testkit}.
 */
module io.mmemu.testkit {
    requires transitive io.mmemu.mm;
    requires transitive io.mmemu.slub;
    requires transitive net.jqwik.api;

    exports io.mmemu.testkit;
}
