/*
 * mt-xmodify: cross-modifying code (SDM vol. 3A, "Handling Self- and Cross-Modifying Code").
 * The main thread writes a tiny function, "mov eax, imm32; ret", into an anonymous
 * PROT_READ|PROT_WRITE|PROT_EXEC page, then hands it to a worker thread, which executes a
 * serializing instruction (CPUID), as the protocol for cross-modifying code requires, and
 * calls the function. Round after round the main thread rewrites the immediate (and every
 * fourth round the whole instruction, to "mov eax, imm32; neg eax; ret"), so the worker must
 * run the bytes as they are now, never an older version that another CPU translated before.
 * The worker records what each call returned; the main thread prints the rounds after
 * joining it. Then the same with the code in a second page of the mapping that the worker
 * writes and the main thread runs. Last, single-threaded, the kernel writes the code: read()
 * from a pipe into a third page, call, and again with other bytes, so the function must change
 * although no instruction of the program stored into it. Exits 0.
 */
#define _GNU_SOURCE
#include "mmtest.h"
#include "mttest.h"

#define ROUNDS 40

typedef int (*fn)(void);

static unsigned char *page;
static volatile int turns[2]; /* per part: 0, the writer's turn; 1, the runner's */
static int results[2][ROUNDS];

static void emit(unsigned char *code, int round) {
    int value = 1000 + round * 7;
    unsigned char *p = code;
    *p++ = 0xb8; /* mov eax, imm32 */
    memcpy(p, &value, 4);
    p += 4;
    if (round % 4 == 3) {
        *p++ = 0xf7; /* neg eax */
        *p++ = 0xd8;
    }
    *p++ = 0xc3; /* ret */
}

static void serialize(void) {
    unsigned a = 0, b, c = 0, d;
    __asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d)::"memory");
}

static void write_rounds(int part) {
    volatile int *turn = &turns[part];
    for (int r = 0; r < ROUNDS; r++) {
        while (__atomic_load_n(turn, __ATOMIC_ACQUIRE) != 0) mt_yield();
        emit(page + part * 4096, r);
        __atomic_store_n(turn, 1, __ATOMIC_RELEASE);
    }
}

static void run_rounds(int part) {
    volatile int *turn = &turns[part];
    for (int r = 0; r < ROUNDS; r++) {
        while (__atomic_load_n(turn, __ATOMIC_ACQUIRE) != 1) mt_yield();
        serialize();
        results[part][r] = ((fn)(page + part * 4096))();
        __atomic_store_n(turn, 0, __ATOMIC_RELEASE);
    }
}

static void *worker(void *arg) {
    (void)arg;
    run_rounds(0);   /* part 1: main writes, the worker runs */
    write_rounds(1); /* part 2: the worker writes, main runs */
    return NULL;
}

int main(void) {
    page = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (page == MAP_FAILED) {
        printf("mmap failed: %s\n", ename(errno));
        return 1;
    }
    pthread_t t;
    if (pthread_create(&t, NULL, worker, NULL) != 0) return 2;
    write_rounds(0);
    run_rounds(1);
    pthread_join(t, NULL);
    int wrong = 0;
    for (int part = 0; part < 2; part++) {
        printf("part %d (%s writes, %s runs):", part + 1, part ? "worker" : "main", part ? "main" : "worker");
        for (int r = 0; r < ROUNDS; r++) {
            int want = (1000 + r * 7) * (r % 4 == 3 ? -1 : 1);
            if (results[part][r] != want) wrong++;
            printf(" %d", results[part][r]);
        }
        printf("\n");
    }
    printf("stale results: %d\n", wrong);

    int fds[2];
    if (pipe(fds) != 0) return 3;
    for (int r = 0; r < 3; r++) {
        unsigned char code[16];
        emit(code, 100 + r);
        if (write(fds[1], code, sizeof code) != sizeof code) return 4;
        if (read(fds[0], page + 8192, sizeof code) != sizeof code) return 5;
        printf("part 3 (read() writes, main runs): round %d returns %d\n", r, ((fn)(page + 8192))());
    }
    return 0;
}
