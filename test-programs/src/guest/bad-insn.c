/*
 * bad-insn: executes ud2, the architecturally undefined instruction. The CPU raises #UD,
 * the kernel delivers SIGILL with the default action, and the process dies: a shell
 * reports status 132 (128 + SIGILL). Prints nothing, so stdout is empty either way.
 */
int main(void) {
    __asm__ volatile("ud2");
    return 0;
}
