/**
 * Property-based tests of mmemu's memory management, written outside mmemu: build a piece of
 * it over test memory, drive it with scripts of actions, check invariants after every step, and
 * let jqwik generate and shrink the scripts.
 *
 * <h2>The pieces</h2>
 * <ul>
 *   <li>Sandboxes: {@link io.mmemu.testkit.MmSandbox} (address spaces over guest RAM, no CPU
 *       emulator: mmap, munmap, mprotect, mremap, brk, madvise, user accesses that fault pages
 *       in as a CPU would, fork, exit) and {@link io.mmemu.testkit.SlubSandbox} (a SLUB allocator on several CPUs
 *       and nodes: kmem_cache_alloc/free, kmalloc/kfree, with a {@link io.mmemu.testkit.Migration}
 *       forced inside a call).</li>
 *   <li>Actions: {@link io.mmemu.testkit.MmAction} and {@link io.mmemu.testkit.SlubAction},
 *       records whose {@code toString} reads as a script line, so that a shrunk counterexample
 *       reads as the script that breaks the property.</li>
 *   <li>Arbitraries: {@link io.mmemu.testkit.MmActions} and {@link io.mmemu.testkit.SlubActions}.</li>
 *   <li>Checking: an {@link io.mmemu.testkit.Invariant} is one call after every step;
 *       {@link io.mmemu.testkit.Scripts#run} runs a script and fails with the steps run and the
 *       state; {@link io.mmemu.testkit.StandardInvariants} are the model's own.</li>
 * </ul>
 *
 * <h2>A property in a few lines</h2>
 * <pre>{@code
 * class MyProperties {
 *     static final Invariant<SlubSandbox> DISTINCT = Invariant.that("live objects are distinct",
 *             s -> s.live().stream().map(o -> o.address()).distinct().count() == s.live().size());
 *
 *     @Property(tries = 200)
 *     void slubKeepsItsInvariants(@ForAll("slubScripts") List<SlubAction> script) {
 *         try (SlubSandbox s = SlubSandbox.create()) {
 *             Scripts.run(s, script, StandardInvariants.slub().and(DISTINCT));
 *             assertEquals(List.of(), s.drainAndDestroy());
 *         }
 *     }
 *
 *     @Provide
 *     Arbitrary<List<SlubAction>> slubScripts() {
 *         return SlubActions.scripts(SlubSandbox.DEFAULT_CPUS);
 *     }
 * }
 * }</pre>
 * The {@code examples/} project of the repository holds two such properties and builds against
 * the installed testkit.
 *
 * <p>Sandboxes are single-threaded, deterministic (no clock, no hash order) and cheap: a try
 * costs milliseconds, and guest RAM is reserved lazily. The JVM needs
 * {@code --enable-native-access=ALL-UNNAMED} (the RAM is reserved with mmap through
 * java.lang.foreign).
 */
package io.mmemu.testkit;
