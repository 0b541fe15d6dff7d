/* The Computer Language Benchmarks Game's binary-trees, to its published specification
 * (https://benchmarksgame-team.pages.debian.net/benchmarksgame/description/binarytrees.html):
 * allocate perfect binary trees bottom-up with malloc, walk them to count their nodes, free them;
 * a stretch tree of depth N+1, a long-lived tree of depth N, and many short-lived trees of depths
 * 4, 6, ..., N. Stresses the allocator: brk/mmap growth, page faults, and pointer chasing.
 * Usage: binary-trees N */
#include <stdio.h>
#include <stdlib.h>

struct node { struct node *left, *right; };

static struct node *bottom_up_tree(int depth) {
    struct node *n = malloc(sizeof *n);
    if (!n) { perror("malloc"); exit(1); }
    if (depth > 0) { n->left = bottom_up_tree(depth - 1); n->right = bottom_up_tree(depth - 1); }
    else n->left = n->right = NULL;
    return n;
}

static long item_check(const struct node *n) {
    return n->left ? 1 + item_check(n->left) + item_check(n->right) : 1;
}

static void delete_tree(struct node *n) {
    if (n->left) { delete_tree(n->left); delete_tree(n->right); }
    free(n);
}

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 10, min_depth = 4;
    int max_depth = min_depth + 2 > n ? min_depth + 2 : n, stretch_depth = max_depth + 1;

    struct node *stretch = bottom_up_tree(stretch_depth);
    printf("stretch tree of depth %d\t check: %ld\n", stretch_depth, item_check(stretch));
    delete_tree(stretch);

    struct node *long_lived = bottom_up_tree(max_depth);
    for (int depth = min_depth; depth <= max_depth; depth += 2) {
        long iterations = 1L << (max_depth - depth + min_depth), check = 0;
        for (long i = 0; i < iterations; i++) {
            struct node *t = bottom_up_tree(depth);
            check += item_check(t);
            delete_tree(t);
        }
        printf("%ld\t trees of depth %d\t check: %ld\n", iterations, depth, check);
    }
    printf("long lived tree of depth %d\t check: %ld\n", max_depth, item_check(long_lived));
    delete_tree(long_lived);
    return 0;
}
