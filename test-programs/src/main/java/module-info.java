/**
 * The guest programs (static x86-64 ELF binaries built from C and assembly) with the host
 * kernel's output for each, and the oracle that runs them natively.
 */
module io.mmemu.testprograms {
    exports io.mmemu.testprograms;
}
