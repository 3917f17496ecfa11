// RDKit and Open Babel report problems by printing to stderr. While one of these objects lives, their
// messages go to a buffer instead, so that a failed read can be reported as one line with the library's
// own reason, and nothing else reaches the terminal. Not reentrant; serialised by a mutex.
#pragma once
#include <memory>
#include <string>

namespace disco::docking {

class ChemLogCapture {
 public:
  ChemLogCapture();
  ~ChemLogCapture();
  ChemLogCapture(const ChemLogCapture&) = delete;
  ChemLogCapture& operator=(const ChemLogCapture&) = delete;
  // The first non-empty message line captured since construction (or the last clear), without RDKit's
  // "[hh:mm:ss] " stamp or Open Babel's banner lines; empty when there was none.
  std::string first_rdkit_message() const;
  std::string first_openbabel_message() const;
  void clear();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// "RDKit: <message>" -> a single trimmed line (the first one).
std::string one_line(const std::string& text);

}  // namespace disco::docking
