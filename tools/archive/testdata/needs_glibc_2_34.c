/* Fixture for ofiuco-archive's ELF checks: one symbol bound to GLIBC_2.34. */
#include <pthread.h>
static void *run(void *arg) { return arg; }
int ofiuco_fixture_start(void) {
    pthread_t t;
    if (pthread_create(&t, 0, run, 0) != 0) return -1;
    return pthread_join(t, 0);
}
