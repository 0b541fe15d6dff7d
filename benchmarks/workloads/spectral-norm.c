/* The Computer Language Benchmarks Game's spectral-norm, to its published specification
 * (https://benchmarksgame-team.pages.debian.net/benchmarksgame/description/spectralnorm.html):
 * the spectral norm of the infinite matrix A(i,j) = 1/((i+j)(i+j+1)/2+i+1), by 10 steps of the
 * power method on its N x N corner. Floating point (divisions, SSE2) over two vectors of N doubles.
 * With THREADS > 1, each product is split by rows over that many pthreads (created per product:
 * clone, futex wake and join on every step).  Usage: spectral-norm N [THREADS] */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

static double eval_a(int i, int j) { return 1.0 / ((i + j) * (i + j + 1) / 2 + i + 1); }

struct job { const double *u; double *v; int n, from, to, transpose; };

static void *product(void *arg) {
    struct job *j = arg;
    for (int i = j->from; i < j->to; i++) {
        double sum = 0;
        if (j->transpose) for (int k = 0; k < j->n; k++) sum += eval_a(k, i) * j->u[k];
        else for (int k = 0; k < j->n; k++) sum += eval_a(i, k) * j->u[k];
        j->v[i] = sum;
    }
    return NULL;
}

static int threads = 1;

/* v = A u (transpose = 0) or v = A^T u (transpose = 1), rows split over the threads. */
static void times(const double *u, double *v, int n, int transpose) {
    pthread_t tid[64];
    struct job jobs[64];
    for (int t = 0; t < threads; t++)
        jobs[t] = (struct job) {u, v, n, (int) ((long) n * t / threads), (int) ((long) n * (t + 1) / threads), transpose};
    for (int t = 1; t < threads; t++)
        if (pthread_create(&tid[t], NULL, product, &jobs[t]) != 0) { perror("pthread_create"); exit(1); }
    product(&jobs[0]);
    for (int t = 1; t < threads; t++) pthread_join(tid[t], NULL);
}

static void times_at_a(const double *u, double *v, double *tmp, int n) {
    times(u, tmp, n, 0);
    times(tmp, v, n, 1);
}

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 100;
    threads = argc > 2 ? atoi(argv[2]) : 1;
    if (n < 1 || threads < 1 || threads > 64) { fprintf(stderr, "spectral-norm: bad N or THREADS\n"); return 2; }
    double *u = malloc(n * sizeof *u), *v = malloc(n * sizeof *v), *tmp = malloc(n * sizeof *tmp);
    for (int i = 0; i < n; i++) u[i] = 1;
    for (int i = 0; i < 10; i++) {
        times_at_a(u, v, tmp, n);
        times_at_a(v, u, tmp, n);
    }
    double vbv = 0, vv = 0;
    for (int i = 0; i < n; i++) { vbv += u[i] * v[i]; vv += v[i] * v[i]; }
    printf("%0.9f\n", sqrt(vbv / vv));
    return 0;
}
