#ifndef CLOISTER_FUZZ_DRIVER_H
#define CLOISTER_FUZZ_DRIVER_H

/// Runs libFuzzer's driver (command line, corpus, mutation loop) on the executable's
/// `LLVMFuzzerTestOneInput`, and returns its exit status.
///
/// SwiftPM renames an executable's entry point to `<Module>_main` and points `main` at it,
/// so libFuzzer's own `main` never links: each fuzz target's main.swift calls this instead.
int cloister_fuzz_main(int argc, char **argv);

#endif
