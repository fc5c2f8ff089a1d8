// schema/disjoint_sets: the union-find shared by `errkb stats` and `errkb lint`.
#include "schema/disjoint_sets.hpp"

#include <catch2/catch.hpp>

#include <cstddef>
#include <set>

using errkb::schema::DisjointSets;

TEST_CASE("disjoint sets start as singletons", "[schema][disjoint_sets]") {
  DisjointSets sets(4);
  for (std::size_t i = 0; i < 4; ++i) CHECK(sets.find(i) == i);
  DisjointSets empty(0); // no elements: nothing to ask, nothing to fail
}

TEST_CASE("unite merges sets and reports whether anything changed", "[schema][disjoint_sets]") {
  DisjointSets sets(6);
  CHECK(sets.unite(0, 1));
  CHECK(sets.unite(2, 3));
  CHECK(sets.unite(3, 1)); // joins {0, 1} and {2, 3}
  CHECK_FALSE(sets.unite(0, 2));
  CHECK_FALSE(sets.unite(4, 4));
  CHECK(sets.find(0) == sets.find(3));
  CHECK(sets.find(1) == sets.find(2));
  CHECK(sets.find(4) != sets.find(0));
  CHECK(sets.find(5) != sets.find(4));
  std::set<std::size_t> roots;
  for (std::size_t i = 0; i < 6; ++i) roots.insert(sets.find(i));
  CHECK(roots.size() == 3);
}

TEST_CASE("a long chain ends in one set", "[schema][disjoint_sets]") {
  constexpr std::size_t n = 100000;
  DisjointSets sets(n);
  std::size_t merged = 0;
  for (std::size_t i = 1; i < n; ++i) merged += sets.unite(i - 1, i);
  CHECK(merged == n - 1);
  const std::size_t root = sets.find(0);
  std::size_t outside = 0;
  for (std::size_t i = 0; i < n; ++i) outside += sets.find(i) != root;
  CHECK(outside == 0);
}
