#pragma once
// A one-line progress bar on stderr, drawn only when stderr is a terminal and the
// run lasts long enough to need one.
#include <chrono>
#include <cstddef>
#include <iosfwd>
#include <string>

namespace errkb::cli {

class Progress {
public:
  Progress(std::ostream& err, bool enabled, std::string label);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  // Reports `done` of `total`; redraws at most every 100 ms, and not before 300 ms.
  void update(std::size_t done, std::size_t total);
  // Erases the bar.
  void finish();

private:
  std::ostream& m_err;
  bool m_enabled;
  bool m_drawn = false;
  std::string m_label;
  std::chrono::steady_clock::time_point m_start;
  std::chrono::steady_clock::time_point m_last;
};

} // namespace errkb::cli
