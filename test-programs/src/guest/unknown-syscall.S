/*
 * unknown-syscall: calls syscall 9999 (which no kernel has) twice and exits with the errno it
 * got, so the status is 38 (ENOSYS) natively and under mmemu; `mmemu run --verbose` names the
 * unknown call once.
 */
    .globl _start
    .text
_start:
    mov $9999, %eax
    syscall
    mov $9999, %eax
    syscall
    neg %rax
    mov %rax, %rdi
    mov $231, %eax      /* exit_group(errno) */
    syscall
