#pragma once
// The command framework: one `command_<name>.cpp` per subcommand, each registering
// itself with ERRKB_REGISTER_COMMAND. `setup` only declares options (touches no
// files); `run` calls the library and formats its results.
#include <CLI/CLI.hpp>

#include <functional>
#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

namespace errkb::cli {

struct Context {
  std::ostream& out;         // results
  std::ostream& err;         // diagnostics, progress
  bool stderr_is_terminal;   // progress bars only when true
};

class Command {
public:
  virtual ~Command() = default;
  virtual const char* name() const = 0;
  virtual const char* summary() const = 0;
  // Declares options and positionals on `app`; throws nothing, opens nothing.
  virtual void setup(CLI::App& app) = 0;
  // Runs the parsed command; returns the exit code (0 ok, 1 findings/failure, 2 usage).
  virtual int run(Context& context) = 0;
};

using CommandFactory = std::function<std::unique_ptr<Command>()>;

// Adds a command to the registry; returns true so it can initialise a static.
bool register_command(CommandFactory factory);

// Every registered command, sorted by name.
std::vector<std::unique_ptr<Command>> make_commands();

// Runs errkb with `argv`, writing to `out` and `err`; returns the exit code.
int run_main(int argc, const char* const* argv, std::ostream& out, std::ostream& err);

// Adds `--format` restricted to `allowed` (first is the default) bound to `target`.
void add_format_option(CLI::App& app, std::string& target, const std::vector<std::string>& allowed);

// Adds `--db FILE` bound to `target` (default: $ERRKB_DB, else errkb.db).
void add_db_option(CLI::App& app, std::string& target);

} // namespace errkb::cli

#define ERRKB_CONCAT_INNER(a, b) a##b
#define ERRKB_CONCAT(a, b) ERRKB_CONCAT_INNER(a, b)
#define ERRKB_REGISTER_COMMAND(Type)                                                             \
  namespace {                                                                                    \
  [[maybe_unused]] const bool ERRKB_CONCAT(k_registered_, __LINE__) =                            \
    ::errkb::cli::register_command([] { return std::unique_ptr<::errkb::cli::Command>(new Type()); }); \
  }
