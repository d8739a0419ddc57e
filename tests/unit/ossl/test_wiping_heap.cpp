// ossl/wiping_heap: the allocator OpenSSL and libcurl use keeps content like malloc does.
#include <catch2/catch.hpp>

#include <cstring>

#include "ossl/wiping_heap.hpp"

TEST_CASE("wiping_realloc keeps the content when it grows and shrinks a block", "[ossl][heap]") {
    auto* block = static_cast<char*>(ossl::wiping_malloc(8));
    REQUIRE(block != nullptr);
    std::memcpy(block, "secret!", 8);
    block = static_cast<char*>(ossl::wiping_realloc(block, 4096));
    REQUIRE(block != nullptr);
    CHECK(std::memcmp(block, "secret!", 8) == 0);
    block = static_cast<char*>(ossl::wiping_realloc(block, 3));
    REQUIRE(block != nullptr);
    CHECK(std::memcmp(block, "sec", 3) == 0);
    CHECK(ossl::wiping_realloc(block, 0) == nullptr); // freed, like realloc(p, 0) in glibc
    ossl::wiping_free(nullptr);
}

TEST_CASE("wiping_strdup and wiping_calloc behave like strdup and calloc", "[ossl][heap]") {
    char* copy = ossl::wiping_strdup("password");
    REQUIRE(copy != nullptr);
    CHECK(std::strcmp(copy, "password") == 0);
    ossl::wiping_free(copy);
    auto* zeros = static_cast<unsigned char*>(ossl::wiping_calloc(16, 4));
    REQUIRE(zeros != nullptr);
    bool all_zero = true;
    for (int i = 0; i < 64; ++i)
        all_zero = all_zero && zeros[i] == 0;
    CHECK(all_zero);
    ossl::wiping_free(zeros);
}
