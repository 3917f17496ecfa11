// Subcommands that plugins add to the `disco` command line (e.g. `disco rmsd`, `disco data check` from the
// docking plugin). A plugin adds them through the Registry it is handed; the CLI looks a command up after
// loading the plugins when the first word on the command line is none of its built-in subcommands, and
// hands it the rest of the arguments. The command parses its own arguments (and answers --help itself).
//
//   static void register_me(disco::Registry& r) {
//     r.add_command({"data check", "Parse every complex in a folder", run_check}, "docking");
//   }
//
// A command reports failure by throwing a disco::Error (UsageError, DataError, ...): the CLI prints its
// message as one `error:` line and exits with its code, exactly as for the built-in subcommands.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "disco/error.h"
#include "disco/progress.h"

namespace disco {

// What the CLI passes to a command: its arguments and the global options that apply to every command.
struct CommandContext {
  std::string program;             // "disco data check": for usage lines and --help
  std::vector<std::string> args;   // the words after the command's name
  Reporter reporter;               // log lines on stderr (quiet under -q); results go to stdout
  int threads = -1;                // -j/--threads; -1 = not given
  bool quiet = false;              // -q/--quiet
};

class Config;

// Sets LibTorch's intra-op thread count for a command and returns it: `requested` (-j/--threads) when >= 0,
// else the config's `threads`; 0 means every core.
int apply_threads(int requested, const Config& config);

struct Command {
  std::string name;     // one or more words, e.g. "rmsd" or "data check"
  std::string summary;  // one line, listed by `disco --help`
  std::function<int(const CommandContext&)> run;  // returns the exit code (0 ok)
};

// The commands of one Registry (Registry::add_command adds to it).
class DISCO_API CommandTable {
 public:
  // Throws PluginError when the name is empty, names a built-in subcommand (see set_reserved) or was
  // registered before by another origin (the same origin registering again replaces its entry).
  void add(Command command, const std::string& origin);
  // The command whose name is the longest prefix of `words`; sets *consumed to its word count.
  // nullptr when none matches.
  const Command* find(const std::vector<std::string>& words, size_t* consumed) const;
  std::vector<Command> list() const;                         // sorted by name
  std::string origin_of(const std::string& name) const;      // who registered it; empty if unknown
  // The CLI's own subcommands: a plugin may not take these names (checked on the first word).
  void set_reserved(std::vector<std::string> first_words) { reserved_ = std::move(first_words); }

 private:
  struct Entry {
    Command command;
    std::vector<std::string> words;
    std::string origin;
  };
  std::vector<Entry> entries_;
  std::vector<std::string> reserved_;
};

// "data  check" -> {"data", "check"}: a command name split at white space.
DISCO_API std::vector<std::string> command_words(const std::string& name);

}  // namespace disco
