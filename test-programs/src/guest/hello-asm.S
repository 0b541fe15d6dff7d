/*
 * hello-asm: no libc, no stack use beyond the kernel's initial frame. Exercises the bare
 * syscall path: write(1, msg, len) then exit_group(3). Prints "hello from asm" and
 * exits with status 3. If write returns anything but len, exits with status 1 instead.
 */
#define SYS_write      1
#define SYS_exit_group 231

        .text
        .globl _start
_start:
        mov     $SYS_write, %eax
        mov     $1, %edi                /* fd: stdout */
        lea     msg(%rip), %rsi
        mov     $msg_len, %edx
        syscall
        mov     $3, %edi                /* status when the whole message was written */
        cmp     $msg_len, %rax
        je      1f
        mov     $1, %edi
1:      mov     $SYS_exit_group, %eax
        syscall
        hlt                             /* not reached: exit_group does not return */

        .section .rodata
msg:    .ascii  "hello from asm\n"
        .set    msg_len, . - msg

        .section .note.GNU-stack, "", @progbits
