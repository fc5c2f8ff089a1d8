#include "lint/similarity.hpp"

#include "lint/parallel.hpp"
#include "schema/disjoint_sets.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace errkb::lint {
namespace {

std::uint64_t mix(std::uint64_t x) { // splitmix64 finalizer
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

std::string fold(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  bool space = false, digit = false;
  for (char c : text) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    if (c >= '0' && c <= '9') {
      if (!digit || out.empty() || out.back() != '0') out += '0';
      digit = true;
      continue;
    }
    digit = false;
    out += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  }
  return out;
}

// Rows per band and bands: the fewest hashes that find a pair at `threshold` with
// probability >= 99%, preferring 6 rows per band (few false candidates).
void choose_bands(double threshold, int& rows, int& bands) {
  for (rows = 6; rows > 1; --rows) {
    const double p = std::pow(threshold, rows);
    bands = static_cast<int>(std::ceil(std::log(0.01) / std::log1p(-std::min(p, 0.999999))));
    if (bands <= 40) break;
  }
  const double p = std::pow(threshold, rows);
  bands = std::clamp(static_cast<int>(std::ceil(std::log(0.01) / std::log1p(-std::min(p, 0.999999)))), 1, 64);
}

} // namespace

std::vector<std::uint64_t> shingles(std::string_view text) {
  const std::string folded = fold(text);
  std::vector<std::uint64_t> out;
  if (folded.size() < 4) {
    std::uint64_t h = 0xcbf29ce484222325ULL;
    for (char c : folded) h = (h ^ static_cast<unsigned char>(c)) * 0x100000001b3ULL;
    out.push_back(mix(h));
    return out;
  }
  out.reserve(folded.size() - 3);
  for (std::size_t i = 0; i + 4 <= folded.size(); ++i) {
    std::uint32_t window = 0;
    std::memcpy(&window, folded.data() + i, 4);
    out.push_back(mix(window));
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

double jaccard(const std::vector<std::uint64_t>& a, const std::vector<std::uint64_t>& b) {
  if (a.empty() && b.empty()) return 1.0;
  std::size_t i = 0, j = 0, common = 0;
  while (i < a.size() && j < b.size()) {
    if (a[i] < b[j]) {
      ++i;
    } else if (b[j] < a[i]) {
      ++j;
    } else {
      ++common;
      ++i;
      ++j;
    }
  }
  return static_cast<double>(common) / static_cast<double>(a.size() + b.size() - common);
}

std::vector<std::vector<std::size_t>> similar_groups(const std::vector<std::string>& texts, double threshold) {
  const std::size_t n = texts.size();
  int rows = 6, bands = 10;
  choose_bands(threshold, rows, bands);
  const std::size_t k = static_cast<std::size_t>(rows * bands);

  // Hash functions h_i(x) = a_i * x + b_i over the mixed shingle hash (multiply-add
  // universal hashing, odd a_i), fixed seeds so results are deterministic.
  std::vector<std::uint64_t> a(k), b(k);
  for (std::size_t i = 0; i < k; ++i) {
    a[i] = mix(0x9e3779b97f4a7c15ULL * (i + 1)) | 1;
    b[i] = mix(0xc2b2ae3d27d4eb4fULL * (i + 7));
  }

  // Signatures are independent: shingle and hash them on every core.
  std::vector<std::vector<std::uint64_t>> sets(n);
  std::vector<std::uint64_t> minhash(n * k);
  auto sketch = [&](std::size_t from, std::size_t to) {
    for (std::size_t t = from; t < to; ++t) {
      sets[t] = shingles(texts[t]);
      std::uint64_t* mins = minhash.data() + t * k;
      std::fill(mins, mins + k, ~std::uint64_t{0});
      for (std::uint64_t s : sets[t]) {
        for (std::size_t i = 0; i < k; ++i) mins[i] = std::min(mins[i], a[i] * s + b[i]);
      }
    }
  };
  parallel(n, thread_count(0), sketch);

  // Bands are independent too: each thread takes every `threads`-th band and keeps the
  // similar pairs it finds (its own union-find skips pairs it already connected). Which
  // pairs each thread skips does not change the connected components merged below.
  const unsigned threads = std::min<unsigned>(thread_count(0), static_cast<unsigned>(bands));
  std::vector<std::vector<std::pair<std::size_t, std::size_t>>> linked(threads);
  auto scan_bands = [&](std::size_t part) {
    schema::DisjointSets seen(n);
    std::vector<std::pair<std::uint64_t, std::size_t>> buckets(n);
    auto similar = [&](std::size_t x, std::size_t y) {
      if (seen.find(x) == seen.find(y)) return;
      if (jaccard(sets[x], sets[y]) < threshold) return;
      seen.unite(x, y);
      linked[part].emplace_back(x, y);
    };
    for (int band = static_cast<int>(part); band < bands; band += static_cast<int>(threads)) {
      for (std::size_t t = 0; t < n; ++t) {
        std::uint64_t key = static_cast<std::uint64_t>(band) * 0x9e3779b97f4a7c15ULL;
        const std::uint64_t* mins = minhash.data() + t * k + static_cast<std::size_t>(band * rows);
        for (int r = 0; r < rows; ++r) key = mix(key ^ mins[r]);
        buckets[t] = {key, t};
      }
      std::sort(buckets.begin(), buckets.end());
      // A small bucket compares all its pairs; a large one compares each member with
      // the bucket's first and with its predecessor only, so that one huge bucket (many
      // templated signatures) cannot make the pass quadratic.
      constexpr std::size_t k_all_pairs = 32;
      for (std::size_t start = 0; start < n;) {
        std::size_t end = start + 1;
        while (end < n && buckets[end].first == buckets[start].first) ++end;
        for (std::size_t m = start + 1; m < end; ++m) {
          if (end - start <= k_all_pairs) {
            for (std::size_t o = start; o < m; ++o) similar(buckets[o].second, buckets[m].second);
          } else {
            similar(buckets[start].second, buckets[m].second);
            if (m > start + 1) similar(buckets[m - 1].second, buckets[m].second);
          }
        }
        start = end;
      }
    }
  };
  run_parts(threads, scan_bands);
  schema::DisjointSets components(n);
  for (const auto& pairs : linked)
    for (const auto& [x, y] : pairs) components.unite(x, y);

  std::vector<std::vector<std::size_t>> by_root(n);
  for (std::size_t t = 0; t < n; ++t) by_root[components.find(t)].push_back(t);
  std::vector<std::vector<std::size_t>> groups;
  for (auto& group : by_root) {
    if (group.size() >= 2) groups.push_back(std::move(group));
  }
  std::sort(groups.begin(), groups.end());
  return groups;
}

} // namespace errkb::lint
