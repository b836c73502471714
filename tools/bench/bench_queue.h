/*
 * bench_queue: `svcsync-bench queue` (bench_queue.c).
 */
#ifndef BENCH_QUEUE_H
#define BENCH_QUEUE_H

#include <stdint.h>

/* Fill a shop's store with n tickets (a tenth resolved), time `svcsync
 * queue onsite` and `queue callbacks` (a page of 20) over `runs` runs each
 * and print the figures. 0, or -1 with the reason printed. */
int bench_queue_run(uint64_t n, int runs);

#endif
