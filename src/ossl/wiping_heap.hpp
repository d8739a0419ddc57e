// Heap functions that wipe every block before it goes back to malloc: OpenSSL and libcurl copy
// challenges, passwords and keys into buffers of their own (DER encodings sorted in temporaries,
// request buffers, copies of CURLOPT_PASSWORD) and free them without wiping. Installed as their
// allocators, these make sure no freed block keeps such a copy.
#pragma once

#include <cstddef>

namespace ossl {

void* wiping_malloc(std::size_t size);
void* wiping_calloc(std::size_t count, std::size_t size);
void* wiping_realloc(void* block, std::size_t size); // wipes the old block when it moves or shrinks
void wiping_free(void* block);
char* wiping_strdup(const char* text);

// Makes OpenSSL allocate through the functions above. Must run before OpenSSL allocates anything
// (first thing in main); false when it was too late.
bool use_wiping_heap_for_openssl();

} // namespace ossl
