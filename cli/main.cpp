#include "cli/command.hpp"

#include <iostream>
#include <malloc.h>

int main(int argc, char** argv) {
  // Parsing threads allocate and free many small JSON nodes; without these glibc keeps
  // returning memory to the kernel and re-faulting it, and every munmap in a threaded
  // process costs TLB shootdowns on all cores.
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
  mallopt(M_MMAP_THRESHOLD, 64 << 20);
  mallopt(M_ARENA_MAX, 4);
  std::ios::sync_with_stdio(false);
  return errkb::cli::run_main(argc, argv, std::cout, std::cerr);
}
