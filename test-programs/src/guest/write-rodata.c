/*
 * write-rodata: stores into a string literal. The literal lives in .rodata, which the
 * linker puts in a read-only PT_LOAD segment, so the write hits a present page without
 * write permission (a protection fault, error code P|W|U), and the kernel kills the
 * process with SIGSEGV: status 139. Prints nothing.
 */
int main(void) {
    char *literal = "read-only string literal";
    /* Hide where the pointer points: GCC deletes a plain store it can see hits a literal. */
    __asm__ volatile("" : "+r"(literal));
    *(volatile char *)literal = 'R';
    return literal[1];
}
