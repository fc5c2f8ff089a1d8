#pragma once
// Disjoint sets (union-find) over the indexes 0..n-1: the connected components of
// the record graph (`errkb stats`) and the groups of similar records (`errkb lint`).
#include <cstddef>
#include <numeric>
#include <utility>
#include <vector>

namespace errkb::schema {

// Path compression and union by size: near-constant time per operation. Which
// element represents a set is unspecified; compare find() results with each other.
class DisjointSets {
public:
  explicit DisjointSets(std::size_t count) : m_parent(count), m_size(count, 1) {
    std::iota(m_parent.begin(), m_parent.end(), std::size_t{0});
  }

  // The representative of the set holding `x` (x < the count given).
  std::size_t find(std::size_t x) {
    std::size_t root = x;
    while (m_parent[root] != root) root = m_parent[root];
    while (m_parent[x] != root) x = std::exchange(m_parent[x], root);
    return root;
  }

  // Merges the sets holding `a` and `b`; false when they are already one set.
  bool unite(std::size_t a, std::size_t b) {
    a = find(a);
    b = find(b);
    if (a == b) return false;
    if (m_size[a] < m_size[b]) std::swap(a, b);
    m_parent[b] = a;
    m_size[a] += m_size[b];
    return true;
  }

private:
  std::vector<std::size_t> m_parent;
  std::vector<std::size_t> m_size; // elements in the set, valid for representatives
};

} // namespace errkb::schema
