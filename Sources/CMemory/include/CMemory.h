#ifndef CLOISTER_CMEMORY_H
#define CLOISTER_CMEMORY_H

// The C allocator's one call Swift cannot reach through Glibc: malloc_trim (declared in
// <malloc.h>, which the Glibc module does not export).

/// Returns memory the allocator holds free (in every arena) to the system; 1 if any was returned.
/// Does nothing and returns 0 where the C library has no malloc_trim.
int cloister_release_free_memory(void);

#endif
