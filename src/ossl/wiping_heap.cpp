#include "ossl/wiping_heap.hpp"

#include <cstdlib>
#include <cstring>

#include <malloc.h>

#include <openssl/crypto.h>

namespace ossl {

void* wiping_malloc(std::size_t size) {
    return std::malloc(size);
}

void* wiping_calloc(std::size_t count, std::size_t size) {
    return std::calloc(count, size);
}

void wiping_free(void* block) {
    if (block == nullptr) return;
    // The usable size covers everything the caller could have written.
    OPENSSL_cleanse(block, ::malloc_usable_size(block));
    std::free(block);
}

void* wiping_realloc(void* block, std::size_t size) {
    if (block == nullptr) return std::malloc(size);
    if (size == 0) {
        wiping_free(block);
        return nullptr;
    }
    // Never let realloc move or trim the block behind our back: copy, then wipe the old one.
    const std::size_t old_size = ::malloc_usable_size(block);
    void* moved = std::malloc(size);
    if (moved == nullptr) return nullptr;
    std::memcpy(moved, block, old_size < size ? old_size : size);
    wiping_free(block);
    return moved;
}

char* wiping_strdup(const char* text) {
    const std::size_t size = std::strlen(text) + 1;
    auto* copy = static_cast<char*>(std::malloc(size));
    if (copy != nullptr) std::memcpy(copy, text, size);
    return copy;
}

namespace {

void* openssl_malloc(std::size_t size, const char*, int) {
    return wiping_malloc(size);
}
void* openssl_realloc(void* block, std::size_t size, const char*, int) {
    return wiping_realloc(block, size);
}
void openssl_free(void* block, const char*, int) {
    wiping_free(block);
}

} // namespace

bool use_wiping_heap_for_openssl() {
    return CRYPTO_set_mem_functions(openssl_malloc, openssl_realloc, openssl_free) == 1;
}

} // namespace ossl
