/* The Computer Language Benchmarks Game's k-nucleotide, to its published specification
 * (https://benchmarksgame-team.pages.debian.net/benchmarksgame/description/knucleotide.html):
 * read a FASTA file from stdin, take the sequence after ">THREE", and with a hash table count
 * every k-nucleotide fragment for k = 1, 2, 3, 4, 6, 12 and 18; print the frequencies of the 1- and
 * 2-mers sorted by count (then key), and the counts of GGT, GGTA, GGTATT, GGTATTTTAATT and
 * GGTATTTTAATTTATAGT. Stresses a growing heap (the sequence, realloc) and a hash table whose
 * entries scatter over megabytes (open addressing, keys packed 2 bits a nucleotide).
 * Usage: k-nucleotide < input.fasta */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct entry { uint64_t key; uint32_t count; };   /* key 0 = empty: stored keys carry a top marker bit */
struct table { struct entry *e; size_t size, used; };

static int code(char c) { switch (c) { case 'A': return 0; case 'C': return 1; case 'G': return 2; default: return 3; } }
static const char letters[] = "ACGT";

static uint64_t hash(uint64_t k) { k ^= k >> 29; k *= 0xbf58476d1ce4e5b9ULL; k ^= k >> 32; return k; }

static struct entry *slot(struct table *t, uint64_t key) {
    size_t mask = t->size - 1, i = hash(key) & mask;
    while (t->e[i].key != 0 && t->e[i].key != key) i = (i + 1) & mask;
    return &t->e[i];
}

static void grow(struct table *t) {
    struct table bigger = {calloc(t->size * 2, sizeof(struct entry)), t->size * 2, t->used};
    if (!bigger.e) { perror("calloc"); exit(1); }
    for (size_t i = 0; i < t->size; i++)
        if (t->e[i].key) *slot(&bigger, t->e[i].key) = t->e[i];
    free(t->e);
    *t = bigger;
}

static void count_fragments(struct table *t, const char *seq, size_t len, int k) {
    t->size = 64; t->used = 0; t->e = calloc(t->size, sizeof(struct entry));
    uint64_t mask = (k == 32) ? ~0ULL : ((1ULL << (2 * k)) - 1), marker = 1ULL << 63, key = 0;
    for (size_t i = 0; i < len; i++) {
        key = ((key << 2) | (uint64_t) code(seq[i])) & mask;
        if (i + 1 < (size_t) k) continue;
        struct entry *e = slot(t, key | marker);
        if (e->key == 0) {
            e->key = key | marker; e->count = 0;
            if (++t->used * 2 > t->size) { grow(t); e = slot(t, key | marker); }
        }
        e->count++;
    }
}

static void unpack(uint64_t key, int k, char *out) {
    for (int i = k - 1; i >= 0; i--) { out[i] = letters[key & 3]; key >>= 2; }
    out[k] = 0;
}

struct freq { char name[20]; uint32_t count; };
static int by_count(const void *a, const void *b) {
    const struct freq *x = a, *y = b;
    if (x->count != y->count) return x->count < y->count ? 1 : -1;
    return strcmp(x->name, y->name);
}

static void write_frequencies(const char *seq, size_t len, int k) {
    struct table t;
    count_fragments(&t, seq, len, k);
    struct freq f[16];
    size_t n = 0, total = 0;
    for (size_t i = 0; i < t.size; i++)
        if (t.e[i].key) { unpack(t.e[i].key, k, f[n].name); f[n].count = t.e[i].count; total += f[n].count; n++; }
    qsort(f, n, sizeof f[0], by_count);
    for (size_t i = 0; i < n; i++) printf("%s %.3f\n", f[i].name, 100.0 * f[i].count / total);
    printf("\n");
    free(t.e);
}

static void write_count(const char *seq, size_t len, const char *fragment) {
    struct table t;
    int k = (int) strlen(fragment);
    count_fragments(&t, seq, len, k);
    uint64_t key = 0;
    for (int i = 0; i < k; i++) key = (key << 2) | (uint64_t) code(fragment[i]);
    struct entry *e = slot(&t, key | 1ULL << 63);
    printf("%u\t%s\n", e->key ? e->count : 0, fragment);
    free(t.e);
}

int main(void) {
    char line[4096];
    size_t cap = 1 << 16, len = 0;
    char *seq = malloc(cap);
    while (fgets(line, sizeof line, stdin) && strncmp(line, ">THREE", 6) != 0) {}
    while (fgets(line, sizeof line, stdin) && line[0] != '>') {
        for (char *p = line; *p && *p != '\n'; p++) {
            if (len == cap) { cap *= 2; seq = realloc(seq, cap); if (!seq) { perror("realloc"); return 1; } }
            seq[len++] = (char) (*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
        }
    }
    if (len == 0) { fprintf(stderr, "k-nucleotide: no >THREE sequence on stdin\n"); return 1; }
    write_frequencies(seq, len, 1);
    write_frequencies(seq, len, 2);
    static const char *fragments[] = {"GGT", "GGTA", "GGTATT", "GGTATTTTAATT", "GGTATTTTAATTTATAGT"};
    for (int i = 0; i < 5; i++) write_count(seq, len, fragments[i]);
    free(seq);
    return 0;
}
