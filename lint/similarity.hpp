#pragma once
// Near-duplicate text detection in sub-quadratic time: MinHash signatures of
// character 4-gram shingles, banded into LSH buckets; only texts sharing a bucket
// are compared, and every reported pair is verified with the exact Jaccard
// similarity. Groups are connected components of verified pairs.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace errkb::lint {

// The shingle set of `text` (ASCII-lowercased, digit runs folded to "0", whitespace
// collapsed): sorted, distinct 64-bit hashes of its 4-byte windows (the whole text
// when shorter).
std::vector<std::uint64_t> shingles(std::string_view text);

// |a ∩ b| / |a ∪ b| of two sorted, distinct sets (1 when both are empty).
double jaccard(const std::vector<std::uint64_t>& a, const std::vector<std::uint64_t>& b);

// Groups of indices into `texts` linked by similarity >= `threshold` (0 < threshold
// <= 1). Each group is sorted and has at least two members; groups are sorted by
// their first member. Recall is about 99% for pairs at the threshold (the LSH
// bands are chosen for that); precision is exact.
std::vector<std::vector<std::size_t>> similar_groups(const std::vector<std::string>& texts, double threshold);

} // namespace errkb::lint
