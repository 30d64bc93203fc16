#include "core/memory.hpp"

#include <malloc.h>
#include <sys/mman.h>

#include <cstdint>

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

void tune_allocator() {
#ifdef M_TRIM_THRESHOLD
    (void)mallopt(M_TRIM_THRESHOLD, 1 << 30);
    (void)mallopt(M_TOP_PAD, 64 << 20);
#endif
}

void give_back_free_memory() { (void)malloc_trim(0); }

}  // namespace precis
