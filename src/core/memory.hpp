// Large buffers on transparent huge pages: where the kernel gives them on request (THP mode "madvise", Debian's
// default), a buffer's first touch costs one page fault per 2 MiB instead of one per 4 KiB. On virtual machines a
// fault costs microseconds, so filling a fresh 100 MB buffer took 0.3 s there and 0.02 s on huge pages. But when
// the kernel has no free huge page it compacts memory first (defrag "madvise"): buffers made and let go in turn, as
// the store's exchange makes them, were slower on huge pages (pipeline/store_stage.cpp), so they do not ask.
#pragma once
#include <cstddef>

namespace precis {

// Asks for huge pages over the whole 2 MiB pages inside [p, p + bytes). Call before the memory is first touched
// (after reserve, before resize or fill). Below 4 MiB, or where the kernel refuses, it does nothing: the buffer
// works the same either way.
void prefer_huge_pages(void* p, size_t bytes);

// An empty std::vector or std::string made n long, every element `value`, on huge pages: room is reserved, huge pages
// asked for, and only then is the memory touched.
template <class Container>
void resize_huge(Container& c, size_t n, typename Container::value_type value = {}) {
    c.reserve(n);
    prefer_huge_pages(static_cast<void*>(c.data()), c.capacity() * sizeof(*c.data()));
    c.assign(n, value);
}

// Frees a container's memory. `c = {}` would not: for std::vector and std::string it assigns an empty list, which
// keeps the capacity (a 100 MB vector "emptied" that way still holds its 100 MB).
template <class Container>
void free_storage(Container& c) {
    Container().swap(c);
}

// glibc malloc settings for a long run that keeps many per-sample results while it makes more: the heap's free top is
// kept (up to 1 GiB) rather than given back after every sample and faulted in again, and grows 64 MiB at a time.
// Measured on 200,000 per-sample samples (3 ranks, warm inputs): the samples stage 188 -> 90 s, the run's kernel time
// 173 -> 55 s (glibc trimmed and regrew the heap, and faulted its pages in again, around every sample).
// Call first thing in main; the peak memory is the same, memory freed late in a run stays with the process.
void tune_allocator();
// Gives the heap's free memory back to the system (malloc_trim): after a stage that freed many small allocations
// (the samples' results, once they are in the store), which tune_allocator's settings would otherwise keep.
void give_back_free_memory();

}  // namespace precis
