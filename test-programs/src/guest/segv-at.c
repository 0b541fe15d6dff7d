/*
 * segv-at: stores to 0x10000123, an unmapped address that is not page aligned, and is killed by
 * SIGSEGV (status 139). mmemu reports the exact fault address (si_addr, CR2), not just its page.
 */
int main(void) {
    volatile int *p = (volatile int *) 0x10000123UL;
    *p = 1;
    return 0;
}
