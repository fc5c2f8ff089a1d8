#pragma once
// Text comparisons the rules share.
#include <string>
#include <string_view>

namespace errkb::lint {

// True when `text` is empty or only ASCII whitespace.
bool is_blank(std::string_view text);

// `text` without surrounding whitespace, as `lint --fix` trims it. One-line text
// loses all leading and trailing whitespace. Multi-line text only loses its leading
// blank lines (an indented first line of code keeps its indentation) and its trailing
// whitespace, except for one final newline when it had one (as a YAML `|` block).
std::string trimmed(std::string_view text);

// Comparison key for "says the same thing": ASCII-lowercased, whitespace runs
// collapsed to one space, trimmed, final . ; : ! removed.
std::string comparison_key(std::string_view text);

// W401/W402 key of a signature: ASCII-lowercased, whitespace collapsed, trimmed.
std::string signature_key(std::string_view text);

// True when `text` holds a letter (ASCII letter or any non-ASCII character):
// texts without one (codes, numbers, punctuation) need no translation.
bool has_letters(std::string_view text);

// "domain/slug" of an id ("python/x/py311-linux" -> "python/x").
std::string error_key(std::string_view id);

// Days since 1970-01-01 of a YYYY-MM-DD date (no validation beyond the digits).
long days_from_civil(std::string_view date);

} // namespace errkb::lint
