package io.mmemu.kernel;

/**
 * The CPU model the machine's CPUs present (CPUID) and the kernel sets up for. The default is
 * Unicorn's qemu64, like the host this project is checked against: no protection keys, so Linux
 * leaves CR4.PKE off and pkey_alloc() fails. {@link #SKYLAKE_SERVER} is QEMU's Skylake-Server,
 * whose CPUID has PKU (leaf 7, ECX bit 3) and an XSAVE area with the PKRU component (leaf 0xD,
 * sub-leaf 9: 8 bytes at offset 0xa80): Linux then sets CR4.PKE (OSPKE shows in CPUID.7:ECX bit 4)
 * and runs with the pkey model of arch/x86/mm/pkeys.c. QEMU 5.0's TCG filter (Unicorn 2.1) keeps
 * PKU and XSAVE but drops AVX, AVX2 and AVX-512, which it cannot run.
 */
public enum CpuModel {
    /** Unicorn's default model: no PKU. */
    QEMU64("qemu64", false),
    /** QEMU's Skylake-Server: PKU, XSAVE with PKRU. */
    SKYLAKE_SERVER("skylake-server", true);

    /** The default of --cpu-model. */
    public static final String DEFAULT = "qemu64";

    private final String cliName;
    private final boolean pku;

    CpuModel(String cliName, boolean pku) {
        this.cliName = cliName;
        this.pku = pku;
    }

    /** {@return the model's name on the command line} */
    public String cliName() {
        return cliName;
    }

    /** {@return whether the model has protection keys for user pages (X86_FEATURE_PKU), which Linux then enables} */
    public boolean pku() {
        return pku;
    }

    /**
     * The model named {@code name} ({@link #cliName}).
     *
     * @param name the name, e.g. "skylake-server"
     * @return the model
     * @throws IllegalArgumentException naming the models there are
     */
    public static CpuModel parse(String name) {
        for (CpuModel m : values()) {
            if (m.cliName.equals(name)) return m;
        }
        throw new IllegalArgumentException("unknown CPU model " + name + " (expected: qemu64 or skylake-server)");
    }
}
