/*
 * tlb-loop: a TLB-friendly loop for the instruction-rate benchmark (bin/bench ips): 20 million
 * rounds of six instructions that read and write a 32 KiB buffer (8 pages, which every TLB
 * preset holds), then exit_group(0). Its loop bytes are the ones the benchmark's bare-Unicorn
 * side runs, so both sides execute the same instructions.
 */
    .globl _start
    .text
_start:
    mov $20000000, %rcx
    lea buf(%rip), %rdi
    xor %eax, %eax
loop:
    mov %rcx, %rdx
    and $0x7ff8, %rdx
    add (%rdi,%rdx), %rax
    mov %al, (%rdi,%rdx)
    dec %rcx
    jnz loop
    xor %edi, %edi
    mov $231, %eax      /* exit_group(0) */
    syscall

    .bss
    .balign 4096
buf:
    .zero 32768
