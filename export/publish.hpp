#pragma once
// Atomic publication of a bundle folder.
//
// A bundle is written into a staging folder `.<name>.new-XXXXXX` beside the
// target DIR, every file and folder fsynced, then renamed into place:
//
// - DIR absent: rename(staging, DIR). Atomic.
// - DIR present, ReplaceMode::exchange (Linux renameat2 RENAME_EXCHANGE, used
//   whenever the file system supports it): the staging folder and DIR swap
//   names in one atomic step; the old bundle, now under the staging name, is
//   removed. DIR is the complete old or the complete new bundle at every instant.
// - DIR present, ReplaceMode::rename_aside (POSIX rename only; the fallback when
//   RENAME_EXCHANGE is not supported): rename(DIR, `.<name>.old-XXXXXX`), then
//   rename(staging, DIR), then remove the old one. Between the two renames DIR
//   does not exist. A process killed in that window leaves the complete old
//   bundle as `.<name>.old-XXXXXX` and the complete new one as
//   `.<name>.new-XXXXXX` (same suffix); the next export of DIR (recover())
//   finishes the interrupted replacement by renaming that new bundle into
//   place, and `errkb verify DIR` says so meanwhile.
//
// Every staging and old folder is flock()ed by the process that owns it, so
// recover() touches only leftovers of processes that are gone: a concurrent
// export is never disturbed, and leftovers of killed exports are removed by the
// next export of the same DIR.
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace errkb::bundle {

enum class ReplaceMode { exchange, rename_aside };

// Called with the name of each step of a publication as it completes:
// "staged", then "renamed" (DIR was absent) or "exchanged" or "moved-aside" and
// "moved-in", then "cleaned". For tests that kill the process at each step.
using StepHook = std::function<void(std::string_view step)>;

// What recover() did, one sentence each (empty when there was nothing to do).
std::vector<std::string> recover(const std::string& target);

// When an interrupted rename_aside publication left DIR absent: the sentence
// describing what the next export will restore; nullopt otherwise. Changes nothing.
std::optional<std::string> interrupted_publication(const std::string& target);

class Staging {
public:
  // Checks that `target` may be replaced (it is absent, an empty folder, or an
  // errkb bundle: a folder with a manifest.json of format "errkb-bundle"; a
  // symlink or anything else is refused with an Error, so a mistyped --out never
  // deletes a folder of other files), creates its parent folders, and creates
  // the locked staging folder beside it.
  explicit Staging(const std::string& target);

  // Removes the staging folder unless it was published; never throws.
  ~Staging();
  Staging(const Staging&) = delete;
  Staging& operator=(const Staging&) = delete;

  // The staging folder, to write the bundle into.
  const std::string& path() const noexcept { return m_path; }

  // Makes the staged bundle `target` as described at the top of this file.
  // Throws Error when a rename fails (the target is then untouched, or, between
  // the two renames of rename_aside, restored).
  void publish(ReplaceMode mode = ReplaceMode::exchange, const StepHook& hook = {});

private:
  std::string m_target;
  std::string m_parent;
  std::string m_name;
  std::string m_suffix;
  std::string m_path;
  int m_lock_fd = -1;
  bool m_published = false;
};

} // namespace errkb::bundle
