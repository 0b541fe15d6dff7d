/* The Computer Language Benchmarks Game's fannkuch-redux, to its published specification
 * (https://benchmarksgame-team.pages.debian.net/benchmarksgame/description/fannkuchredux.html):
 * for every permutation of 1..N, in the specification's order, count the prefix reversals
 * ("flips") until 1 comes first; print the checksum (flips added for even permutation indexes,
 * subtracted for odd) and the maximum. Pure CPU on a few cache lines: no allocation, no system
 * call in the loop.  Usage: fannkuch-redux N */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 7;
    if (n < 1 || n > 16) { fprintf(stderr, "fannkuch-redux: N must be 1..16\n"); return 2; }
    int perm[16], perm1[16], count[16];
    int max_flips = 0, checksum = 0, r = n;
    long perm_index = 0;
    for (int i = 0; i < n; i++) perm1[i] = i;
    for (;;) {
        while (r != 1) { count[r - 1] = r; r--; }
        for (int i = 0; i < n; i++) perm[i] = perm1[i];
        int flips = 0, k;
        while ((k = perm[0]) != 0) {
            for (int i = 0, j = k; i < j; i++, j--) { int t = perm[i]; perm[i] = perm[j]; perm[j] = t; }
            flips++;
        }
        if (flips > max_flips) max_flips = flips;
        checksum += (perm_index % 2 == 0) ? flips : -flips;
        /* The next permutation: rotate the first r+1 elements left, counting down. */
        for (;;) {
            if (r == n) {
                printf("%d\nPfannkuchen(%d) = %d\n", checksum, n, max_flips);
                return 0;
            }
            int perm0 = perm1[0];
            for (int i = 0; i < r; i++) perm1[i] = perm1[i + 1];
            perm1[r] = perm0;
            if (--count[r] > 0) break;
            r++;
        }
        perm_index++;
    }
}
