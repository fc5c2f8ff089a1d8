#pragma once
// Splitting index ranges over threads; internal to the lint module.
#include <algorithm>
#include <cstddef>
#include <thread>
#include <vector>

namespace errkb::lint {

// `requested` threads, or one per core when 0.
inline unsigned thread_count(unsigned requested) {
  return requested != 0 ? requested : std::max(1u, std::thread::hardware_concurrency());
}

// Runs `work(part)` for each part in [0, parts), each on its own thread, part 0 on
// the calling thread; returns when all are done.
template <typename Work>
void run_parts(std::size_t parts, const Work& work) {
  std::vector<std::thread> pool;
  for (std::size_t p = 1; p < parts; ++p) pool.emplace_back([&, p] { work(p); });
  if (parts > 0) work(0);
  for (auto& thread : pool) thread.join();
}

// Runs `work(begin, end)` over [0, n) split into at most `threads` contiguous
// parts of at least 32 items, the first on the calling thread.
template <typename Work>
void parallel(std::size_t n, unsigned threads, const Work& work) {
  const std::size_t parts = std::max<std::size_t>(1, std::min<std::size_t>(threads, n / 32));
  run_parts(parts, [&](std::size_t p) { work(p * n / parts, (p + 1) * n / parts); });
}

} // namespace errkb::lint
