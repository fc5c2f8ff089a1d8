#include "cli/progress.hpp"

#include <ostream>

namespace errkb::cli {

Progress::Progress(std::ostream& err, bool enabled, std::string label)
  : m_err(err), m_enabled(enabled), m_label(std::move(label)), m_start(std::chrono::steady_clock::now()),
    m_last(m_start) {}

Progress::~Progress() { finish(); }

void Progress::update(std::size_t done, std::size_t total) {
  if (!m_enabled || total == 0) return;
  auto now = std::chrono::steady_clock::now();
  if (now - m_start < std::chrono::milliseconds(300) || (m_drawn && now - m_last < std::chrono::milliseconds(100) && done < total))
    return;
  m_last = now;
  constexpr std::size_t k_width = 30;
  const std::size_t filled = done * k_width / total;
  m_err << "\r" << m_label << " [" << std::string(filled, '#') << std::string(k_width - filled, ' ') << "] " << done
        << "/" << total << std::flush;
  m_drawn = true;
}

void Progress::finish() {
  if (m_drawn) m_err << "\r\033[K" << std::flush;
  m_drawn = false;
}

} // namespace errkb::cli
