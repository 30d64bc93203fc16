// Large buffers on transparent huge pages: where the kernel gives them on request (THP mode "madvise", Debian's
// default), a buffer's first touch costs one page fault per 2 MiB instead of one per 4 KiB. On virtual machines a
// fault costs microseconds, so filling a fresh 100 MB buffer took 0.3 s there and 0.02 s on huge pages. But when
// the kernel has no free huge page it compacts memory first (defrag "madvise"): buffers made and let go in turn, as
// the store's exchange made them before it kept its buffers from round to round (stop 41), were slower on huge
// pages, so the exchange does not ask.
#pragma once
#include <cstddef>
#include <string>

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

// The allocator's settings for a long run that keeps many per-sample results while it makes more. precis links
// jemalloc (CMakeLists.txt, PRECIS_JEMALLOC; not in the sanitizer builds): with glibc's malloc a worker's heap filled
// with holes, what each sample freed around what it kept, and each allocation searched more of them as the run went
// on (at 100,000 per-sample samples ~42,000 free chunks a worker, glibc's _int_malloc 20 -> 46 us a sample from
// 30,000 to 200,000 samples: the samples stage's growth exponent 1.12). jemalloc's size classes keep an allocation's
// cost flat (bench/README.md, stop 43). Where glibc's malloc is used, its heap's free top is kept (up to 1 GiB)
// rather than given back after every sample and faulted in again, and grows 64 MiB at a time (at 200,000 samples:
// the samples stage 188 -> 90 s, the run's kernel time 173 -> 55 s). Call first thing in main.
void tune_allocator();
// Gives the allocator's free memory back to the system (jemalloc: its arenas purged; glibc: malloc_trim): after a
// stage that freed many allocations (the samples' results, once they are in the store), which the allocator would
// otherwise keep for a while.
void give_back_free_memory();
// "jemalloc 5.3.0-0-g..." or "glibc 2.36": the malloc this build uses (precis --version)
std::string allocator_name();

}  // namespace precis
