/* Several caller threads using cgemm at once (pool busy -> spawned threads). */
#define _GNU_SOURCE 1
#include "cgemm.h"
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>
static int fails;
static void *caller(void *arg)
{
    unsigned s = (unsigned)(long)arg * 7919u + 1;
    for (int it = 0; it < 40; it++) {
        long m = 1 + rand_r(&s) % 300, n = 1 + rand_r(&s) % 300, k = 1 + rand_r(&s) % 500;
        float *a = malloc(4 * m * k), *b = malloc(4 * k * n), *c = malloc(4 * m * n), *r = malloc(4 * m * n);
        for (long x = 0; x < m * k; x++) a[x] = (float)rand_r(&s) / RAND_MAX - 0.5f;
        for (long x = 0; x < k * n; x++) b[x] = (float)rand_r(&s) / RAND_MAX - 0.5f;
        for (long i = 0; i < m; i++) for (long j = 0; j < n; j++) {
            float acc = 0.0f; for (long p = 0; p < k; p++) acc = fmaf(a[i * k + p], b[p * n + j], acc); r[i * n + j] = acc; }
        cgemm_sgemm(CGEMM_ISA_AUTO, 1 + it % 4, 0, 0, m, n, k, a, k, b, n, 0, c, n);
        if (memcmp(c, r, 4 * m * n)) __atomic_add_fetch(&fails, 1, __ATOMIC_RELAXED);
        free(a); free(b); free(c); free(r);
    }
    return NULL;
}
int main(void)
{
    pthread_t t[4];
    for (long i = 0; i < 4; i++) pthread_create(&t[i], NULL, caller, (void *)i);
    for (int i = 0; i < 4; i++) pthread_join(t[i], NULL);
    /* fork after the pool exists: the child must still work */
    pid_t pid = fork();
    if (pid == 0) { caller((void *)9L); _exit(fails != 0); }
    int st; waitpid(pid, &st, 0);
    printf("concurrent callers: %d mismatches; forked child: %s\n", fails, WIFEXITED(st) && WEXITSTATUS(st) == 0 ? "ok" : "FAIL");
    return fails != 0;
}
