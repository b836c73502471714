/*
 * bench_customer: `svcsync-bench customer` (bench_customer.c).
 */
#ifndef BENCH_CUSTOMER_H
#define BENCH_CUSTOMER_H

#include <stdint.h>

/* Fill two stores with n tickets for m customers (with and without customer
 * files), time `customer show --phone` over `runs` random phones and print
 * the figures. 0, or -1 with the reason printed. */
int bench_customer_run(uint64_t n, uint64_t m, int runs);

#endif
