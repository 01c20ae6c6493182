#ifndef STRATA_MALLOC_H
#define STRATA_MALLOC_H

/// Caps the number of malloc arenas glibc creates (one per thread that meets a busy arena, up to 8 per core by
/// default), as the environment variable MALLOC_ARENA_MAX does. Memory freed in one thread's arena is not reused by
/// another's, so a run whose files are parsed on several threads and whose statements go through the event loop's
/// thread holds more memory than it uses. Returns 1 when the limit was set, 0 where there is nothing to set (not
/// glibc).
int strata_limit_malloc_arenas(int count);

#endif
