#include "disco/command.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <sstream>
#include <thread>

#include "disco/config.h"

namespace disco {

int apply_threads(int requested, const Config& config) {
  int threads = requested >= 0 ? requested : int(config.get_int("threads"));
  if (threads == 0) threads = int(std::max(1u, std::thread::hardware_concurrency()));
  at::set_num_threads(threads);
  return threads;
}

std::vector<std::string> command_words(const std::string& name) {
  std::istringstream in(name);
  std::vector<std::string> words;
  for (std::string w; in >> w;) words.push_back(w);
  return words;
}

void CommandTable::add(Command command, const std::string& origin) {
  auto words = command_words(command.name);
  if (words.empty()) throw PluginError("a command from " + origin + " has an empty name");
  if (!command.run) throw PluginError("command '" + command.name + "' from " + origin + " has no function");
  if (std::find(reserved_.begin(), reserved_.end(), words.front()) != reserved_.end())
    throw PluginError("command '" + command.name + "' from " + origin + " would hide the built-in subcommand '" +
                      words.front() + "'");
  std::string canonical;
  for (const auto& w : words) canonical += (canonical.empty() ? "" : " ") + w;
  command.name = canonical;
  for (auto& e : entries_) {
    if (e.words != words) continue;
    // The same plugin registering again (its library loaded by a second loader in one process) replaces
    // its own entry; another plugin may not take the name.
    if (e.origin != origin)
      throw PluginError("command '" + canonical + "' registered twice (by " + e.origin + " and " + origin + ")");
    e.command = std::move(command);
    return;
  }
  entries_.push_back({std::move(command), std::move(words), origin});
}

const Command* CommandTable::find(const std::vector<std::string>& words, size_t* consumed) const {
  const Entry* best = nullptr;
  for (const auto& e : entries_) {
    if (e.words.size() > words.size()) continue;
    if (!std::equal(e.words.begin(), e.words.end(), words.begin())) continue;
    if (!best || e.words.size() > best->words.size()) best = &e;
  }
  if (best && consumed) *consumed = best->words.size();
  return best ? &best->command : nullptr;
}

std::vector<Command> CommandTable::list() const {
  std::vector<Command> out;
  for (const auto& e : entries_) out.push_back(e.command);
  std::sort(out.begin(), out.end(), [](const Command& a, const Command& b) { return a.name < b.name; });
  return out;
}

std::string CommandTable::origin_of(const std::string& name) const {
  const auto words = command_words(name);
  for (const auto& e : entries_)
    if (e.words == words) return e.origin;
  return "";
}

}  // namespace disco
