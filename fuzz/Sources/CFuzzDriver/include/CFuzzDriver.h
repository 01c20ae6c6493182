#ifndef STRATA_CFUZZDRIVER_H
#define STRATA_CFUZZDRIVER_H
#include <stddef.h>
#include <stdint.h>

/// Runs libFuzzer's driver (LLVMFuzzerRunDriver) with the process's arguments and the given test function.
/// SwiftPM gives an executable target's entry point its own name, so libFuzzer's `main` is not used.
int strata_fuzz_run_driver(int argc, char **argv, int (*test)(const uint8_t *data, size_t size));

#endif
