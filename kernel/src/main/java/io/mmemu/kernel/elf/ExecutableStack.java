package io.mmemu.kernel.elf;

/** Models the EXSTACK_* values load_elf_binary() derives from PT_GNU_STACK, include/linux/binfmts.h. */
public enum ExecutableStack {
    /** EXSTACK_DEFAULT: no PT_GNU_STACK. On x86-64 (64-bit) the stack is then not executable. */
    DEFAULT,
    /** EXSTACK_DISABLE_X: PT_GNU_STACK without PF_X. */
    DISABLE_X,
    /** EXSTACK_ENABLE_X: PT_GNU_STACK with PF_X. */
    ENABLE_X
}
