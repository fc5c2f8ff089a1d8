#include "cli/command.hpp"

#include "schema/error.hpp"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <unistd.h>

namespace errkb::cli {
namespace {

std::vector<CommandFactory>& registry() {
  static std::vector<CommandFactory> factories;
  return factories;
}

} // namespace

bool register_command(CommandFactory factory) {
  registry().push_back(std::move(factory));
  return true;
}

std::vector<std::unique_ptr<Command>> make_commands() {
  std::vector<std::unique_ptr<Command>> commands;
  for (const auto& factory : registry()) commands.push_back(factory());
  std::sort(commands.begin(), commands.end(),
            [](const auto& a, const auto& b) { return std::strcmp(a->name(), b->name()) < 0; });
  return commands;
}

void add_format_option(CLI::App& app, std::string& target, const std::vector<std::string>& allowed) {
  target = allowed.front();
  std::string names;
  for (const auto& f : allowed) names += (names.empty() ? "" : "|") + f;
  app.add_option("--format", target, "Output format: " + names + " (default " + allowed.front() + ")")
    ->check(CLI::IsMember(allowed));
}

void add_db_option(CLI::App& app, std::string& target) {
  const char* env = std::getenv("ERRKB_DB");
  target = (env != nullptr && *env != '\0') ? env : "errkb.db";
  app.add_option("--db", target, "SQLite database (default: $ERRKB_DB, else ./errkb.db)");
}

int run_main(int argc, const char* const* argv, std::ostream& out, std::ostream& err) {
  CLI::App app{"errkb: curate a knowledge base of known software errors", "errkb"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("errkb ") + ERRKB_VERSION);
  app.footer("Run `errkb COMMAND --help` for the options of a command.\n"
             "Exit codes: 0 ok, 1 findings or failure, 2 usage error.");

  auto commands = make_commands();
  std::vector<std::pair<CLI::App*, Command*>> subs;
  for (auto& command : commands) {
    CLI::App* sub = app.add_subcommand(command->name(), command->summary());
    command->setup(*sub);
    subs.emplace_back(sub, command.get());
  }

  if (argc > 1 && argv[1][0] != '-' &&
      std::none_of(subs.begin(), subs.end(), [&](const auto& s) { return s.second->name() == std::string(argv[1]); })) {
    err << "errkb: error: unknown command '" << argv[1] << "'\n";
    err << "Run `errkb --help` for the list of commands.\n";
    return static_cast<int>(ExitCode::usage);
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    out << app.help();
    return 0;
  } catch (const CLI::CallForAllHelp& e) {
    out << app.help("", CLI::AppFormatMode::All);
    return 0;
  } catch (const CLI::CallForVersion& e) {
    out << e.what() << "\n";
    return 0;
  } catch (const CLI::ParseError& e) {
    // CLI11 prints subcommand help itself for `--help` on a subcommand.
    if (e.get_exit_code() == 0) {
      for (auto& [sub, command] : subs) {
        if (sub->parsed()) {
          out << sub->help();
          return 0;
        }
      }
      out << app.help();
      return 0;
    }
    err << "errkb: error: " << e.what() << "\n";
    err << "Run `errkb --help` for usage.\n";
    return static_cast<int>(ExitCode::usage);
  }

  Context context{out, err, ::isatty(STDERR_FILENO) == 1};
  for (auto& [sub, command] : subs) {
    if (!sub->parsed()) continue;
    try {
      return command->run(context);
    } catch (const Error& e) {
      out.flush();
      err << "errkb: error: " << e.what() << "\n";
      return static_cast<int>(e.exit_code());
    } catch (const std::bad_alloc&) {
      err << "errkb: error: out of memory\n";
      return static_cast<int>(ExitCode::findings);
    } catch (const std::exception& e) {
      err << "errkb: error: " << e.what() << "\n";
      return static_cast<int>(ExitCode::findings);
    }
  }
  return static_cast<int>(ExitCode::usage);
}

} // namespace errkb::cli
