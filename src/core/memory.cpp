#include "core/memory.hpp"

#include <malloc.h>
#ifdef PRECIS_JEMALLOC
#include <jemalloc/jemalloc.h>
#endif
#ifdef __GLIBC__
#include <gnu/libc-version.h>
#endif
#include <sys/mman.h>

#include <cstdint>
#include <string>

namespace precis {

void prefer_huge_pages(void* p, size_t bytes) {
#ifdef MADV_HUGEPAGE
    constexpr uintptr_t huge = uintptr_t(2) << 20;
    if (p == nullptr || bytes < 2 * huge) return;
    const uintptr_t begin = (reinterpret_cast<uintptr_t>(p) + huge - 1) & ~(huge - 1);
    const uintptr_t end = (reinterpret_cast<uintptr_t>(p) + bytes) & ~(huge - 1);
    if (end > begin) (void)::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);
#else
    (void)p, (void)bytes;
#endif
}

#ifdef PRECIS_JEMALLOC
void tune_allocator() {}  // jemalloc's defaults: freed pages go back to the system after ~10 s unused

void give_back_free_memory() {
    // this thread's cached allocations first, then every arena's unused pages
    (void)mallctl("thread.tcache.flush", nullptr, nullptr, nullptr, 0);
    const std::string purge = "arena." + std::to_string(MALLCTL_ARENAS_ALL) + ".purge";
    (void)mallctl(purge.c_str(), nullptr, nullptr, nullptr, 0);
}

std::string allocator_name() {
    const char* version = nullptr;
    size_t size = sizeof version;
    if (mallctl("version", &version, &size, nullptr, 0) != 0 || version == nullptr) return "jemalloc";
    return std::string("jemalloc ") + version;
}
#else
void tune_allocator() {
#ifdef M_TRIM_THRESHOLD
    (void)mallopt(M_TRIM_THRESHOLD, 1 << 30);
    (void)mallopt(M_TOP_PAD, 64 << 20);
#endif
}

void give_back_free_memory() { (void)malloc_trim(0); }

std::string allocator_name() {
#ifdef __GLIBC__
    return std::string("glibc ") + gnu_get_libc_version();
#else
    return "the system's malloc";
#endif
}
#endif

}  // namespace precis
