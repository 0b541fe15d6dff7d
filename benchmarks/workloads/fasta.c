/* The Computer Language Benchmarks Game's fasta, to its published specification
 * (https://benchmarksgame-team.pages.debian.net/benchmarksgame/description/fasta.html):
 * ONE repeats the ALU sequence for 2N nucleotides, TWO draws 3N from the IUB ambiguity codes and
 * THREE 5N from Homo sapiens frequencies, with the specification's linear congruential generator
 * (seed 42), 60 nucleotides a line. Deterministic: bin/bench workloads feeds its output to
 * k-nucleotide and to gzip.  Usage: fasta N */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define IM 139968
#define IA 3877
#define IC 29573
#define LINE 60

static long last = 42;
static double gen_random(double max) { last = (last * IA + IC) % IM; return max * last / IM; }

static const char alu[] =
    "GGCCGGGCGCGGTGGCTCACGCCTGTAATCCCAGCACTTTGG"
    "GAGGCCGAGGCGGGCGGATCACCTGAGGTCAGGAGTTCGAGA"
    "CCAGCCTGGCCAACATGGTGAAACCCCGTCTCTACTAAAAAT"
    "ACAAAAATTAGCCGGGCGTGGTGGCGCGCGCCTGTAATCCCA"
    "GCTACTCGGGAGGCTGAGGCAGGAGAATCGCTTGAACCCGGG"
    "AGGCGGAGGTTGCAGTGAGCCGAGATCGCGCCACTGCACTCC"
    "AGCCTGGGCGACAGAGCGAGACTCCGTCTCAAAAA";

struct aminoacid { char c; double p; };

static struct aminoacid iub[] = {
    {'a', 0.27}, {'c', 0.12}, {'g', 0.12}, {'t', 0.27}, {'B', 0.02}, {'D', 0.02}, {'H', 0.02},
    {'K', 0.02}, {'M', 0.02}, {'N', 0.02}, {'R', 0.02}, {'S', 0.02}, {'V', 0.02}, {'W', 0.02}, {'Y', 0.02}};
static struct aminoacid homosapiens[] = {
    {'a', 0.3029549426680}, {'c', 0.1979883004921}, {'g', 0.1975473066391}, {'t', 0.3015094502008}};

static void make_cumulative(struct aminoacid *a, int n) {
    double cp = 0;
    for (int i = 0; i < n; i++) { cp += a[i].p; a[i].p = cp; }
}

static void repeat_fasta(const char *id, const char *desc, const char *s, long n) {
    char line[LINE + 1];
    long len = (long) strlen(s), pos = 0;
    printf(">%s %s\n", id, desc);
    while (n > 0) {
        int m = n < LINE ? (int) n : LINE;
        for (int i = 0; i < m; i++) { line[i] = s[pos++]; if (pos == len) pos = 0; }
        line[m] = '\n';
        fwrite(line, 1, m + 1, stdout);
        n -= m;
    }
}

static void random_fasta(const char *id, const char *desc, struct aminoacid *a, int na, long n) {
    char line[LINE + 1];
    printf(">%s %s\n", id, desc);
    while (n > 0) {
        int m = n < LINE ? (int) n : LINE;
        for (int i = 0; i < m; i++) {
            double r = gen_random(1.0);
            int k = 0;
            while (k < na - 1 && r >= a[k].p) k++;
            line[i] = a[k].c;
        }
        line[m] = '\n';
        fwrite(line, 1, m + 1, stdout);
        n -= m;
    }
}

int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 1000;
    make_cumulative(iub, sizeof iub / sizeof iub[0]);
    make_cumulative(homosapiens, sizeof homosapiens / sizeof homosapiens[0]);
    repeat_fasta("ONE", "Homo sapiens alu", alu, n * 2);
    random_fasta("TWO", "IUB ambiguity codes", iub, sizeof iub / sizeof iub[0], n * 3);
    random_fasta("THREE", "Homo sapiens frequency", homosapiens, sizeof homosapiens / sizeof homosapiens[0], n * 5);
    return 0;
}
