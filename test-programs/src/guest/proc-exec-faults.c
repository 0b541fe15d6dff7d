/*
 * proc-exec-faults: a parent forks children that exec tiny static programs whose text sits at
 * 0x400000, where the parent's own text is too (this program is not PIE), and that end in
 * every way a program can: exit with a code, a data fault on NULL, on a kernel address and on
 * the last page of the address space, an instruction fetch from that page, ud2, and a loop
 * long enough to span several time slices before it exits. On one CPU the engine runs the
 * parent, then a child's code at the parent's addresses from other frames, then the parent
 * again, often right after the child died of a fault. Each program is written to /tmp and
 * unlinked after use. Prints each child's end, one line per round. Exits 0.
 */
#include <elf.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define CODE_AT 0x400078UL

struct variant {
    const char *what;
    unsigned char code[32];
    size_t len;
};

static const struct variant variants[] = {
    {"exit 7", {0xbf, 7, 0, 0, 0, 0xb8, 60, 0, 0, 0, 0x0f, 0x05}, 12},
    {"load from NULL", {0x31, 0xc0, 0x8b, 0x00}, 4},
    {"load from a kernel address", {0x48, 0xb8, 0x00, 0xf0, 0x12, 0xbc, 0xff, 0xff, 0xff, 0xff, 0x8b, 0x00}, 12},
    {"neg of the last page", {0xf7, 0x5c, 0x88, 0xa5}, 4},
    {"jump to the last page", {0x48, 0xb8, 0x00, 0xf8, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xe0}, 12},
    {"ud2", {0x0f, 0x0b}, 2},
    /* mov ecx, 3000000; loop: dec ecx; jnz loop; mov edi, 3; mov eax, 60; syscall */
    {"count down, exit 3", {0xb9, 0xc0, 0xc6, 0x2d, 0x00, 0xff, 0xc9, 0x75, 0xfc, 0xbf, 3, 0, 0, 0, 0xb8, 60, 0, 0, 0, 0x0f,
                            0x05}, 21},
};

static int write_program(const char *path, const struct variant *v) {
    static unsigned char img[4096];
    memset(img, 0, sizeof img);
    Elf64_Ehdr *eh = (Elf64_Ehdr *)img;
    memcpy(eh->e_ident, ELFMAG, SELFMAG);
    eh->e_ident[EI_CLASS] = ELFCLASS64;
    eh->e_ident[EI_DATA] = ELFDATA2LSB;
    eh->e_ident[EI_VERSION] = EV_CURRENT;
    eh->e_type = ET_EXEC;
    eh->e_machine = EM_X86_64;
    eh->e_version = EV_CURRENT;
    eh->e_entry = CODE_AT;
    eh->e_phoff = sizeof *eh;
    eh->e_ehsize = sizeof *eh;
    eh->e_phentsize = sizeof(Elf64_Phdr);
    eh->e_phnum = 1;
    Elf64_Phdr *ph = (Elf64_Phdr *)(img + sizeof *eh);
    ph->p_type = PT_LOAD;
    ph->p_flags = PF_R | PF_X;
    ph->p_vaddr = ph->p_paddr = 0x400000;
    ph->p_filesz = ph->p_memsz = sizeof img;
    ph->p_align = 4096;
    memcpy(img + (CODE_AT - 0x400000), v->code, v->len);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0755);
    if (fd < 0) return -1;
    int ok = write(fd, img, sizeof img) == (ssize_t)sizeof img;
    return close(fd) == 0 && ok ? 0 : -1;
}

int main(void) {
    const int nvariants = (int)(sizeof variants / sizeof variants[0]);
    char path[64];
    snprintf(path, sizeof path, "/tmp/proc-exec-faults.%d", (int)getpid());
    for (int round = 0; round < 3 * nvariants; round++) {
        const struct variant *v = &variants[(round * 5) % nvariants];
        if (write_program(path, v) != 0) { perror("write program"); return 1; }
        fflush(stdout);
        pid_t pid = fork();
        if (pid < 0) { perror("fork"); return 1; }
        if (pid == 0) {
            char *args[] = {path, NULL};
            char *env[] = {NULL};
            execve(path, args, env);
            _exit(127);
        }
        /* The parent computes while the child runs, so both span time slices. */
        volatile uint64_t x = (uint64_t)round;
        for (int i = 0; i < 200000; i++) x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        int st;
        if (waitpid(pid, &st, 0) != pid) { perror("waitpid"); return 1; }
        if (WIFSIGNALED(st)) printf("round %2d, %s: killed by signal %d\n", round, v->what, WTERMSIG(st));
        else printf("round %2d, %s: exited %d\n", round, v->what, WEXITSTATUS(st));
    }
    unlink(path);
    return 0;
}
