#include "chem_logs.h"

#include <RDGeneral/RDLog.h>
#include <openbabel/oberror.h>

#include <mutex>
#include <sstream>

namespace disco::docking {

namespace {
std::recursive_mutex& capture_mutex() {
  static std::recursive_mutex m;
  return m;
}

// Open Babel frames every message with "===" banners and "*** Open Babel Error  in Func" headers.
std::string first_message_line(const std::string& text, bool openbabel) {
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    std::string l = one_line(line);
    if (l.empty()) continue;
    if (openbabel && (l.find_first_not_of('=') == std::string::npos || l.rfind("***", 0) == 0)) continue;
    if (!openbabel && l.size() > 11 && l[0] == '[' && l[9] == ']') l = one_line(l.substr(10));
    if (!l.empty()) return l;
  }
  return "";
}
}  // namespace

std::string one_line(const std::string& text) {
  std::string s = text.substr(0, text.find('\n'));
  while (!s.empty() && (s.back() == '\r' || s.back() == ' ' || s.back() == '\t')) s.pop_back();
  const auto b = s.find_first_not_of(" \t");
  return b == std::string::npos ? "" : s.substr(b);
}

struct ChemLogCapture::State {
  std::unique_lock<std::recursive_mutex> lock{capture_mutex()};
  std::ostringstream rdkit, openbabel;
  std::ostream *error_dest = nullptr, *warning_dest = nullptr, *info_dest = nullptr;
  std::ostream* ob_dest = nullptr;
  OpenBabel::obMessageLevel ob_level = OpenBabel::obWarning;
};

ChemLogCapture::ChemLogCapture() : state_(std::make_unique<State>()) {
  if (!rdErrorLog || !rdWarningLog) RDLog::InitLogs();
  state_->error_dest = rdErrorLog ? rdErrorLog->dp_dest : nullptr;
  state_->warning_dest = rdWarningLog ? rdWarningLog->dp_dest : nullptr;
  state_->info_dest = rdInfoLog ? rdInfoLog->dp_dest : nullptr;
  if (rdErrorLog) rdErrorLog->dp_dest = &state_->rdkit;
  if (rdWarningLog) rdWarningLog->dp_dest = &state_->rdkit;
  if (rdInfoLog) rdInfoLog->dp_dest = &state_->rdkit;
  state_->ob_dest = OpenBabel::obErrorLog.GetOutputStream();
  state_->ob_level = OpenBabel::obErrorLog.GetOutputLevel();
  OpenBabel::obErrorLog.SetOutputStream(&state_->openbabel);
  OpenBabel::obErrorLog.SetOutputLevel(OpenBabel::obWarning);
}

ChemLogCapture::~ChemLogCapture() {
  if (rdErrorLog) rdErrorLog->dp_dest = state_->error_dest;
  if (rdWarningLog) rdWarningLog->dp_dest = state_->warning_dest;
  if (rdInfoLog) rdInfoLog->dp_dest = state_->info_dest;
  OpenBabel::obErrorLog.SetOutputStream(state_->ob_dest);
  OpenBabel::obErrorLog.SetOutputLevel(state_->ob_level);
  OpenBabel::obErrorLog.ClearLog();  // its in-memory list would otherwise grow with every file read
}

std::string ChemLogCapture::first_rdkit_message() const { return first_message_line(state_->rdkit.str(), false); }
std::string ChemLogCapture::first_openbabel_message() const {
  return first_message_line(state_->openbabel.str(), true);
}
void ChemLogCapture::clear() {
  state_->rdkit.str("");
  state_->openbabel.str("");
}

}  // namespace disco::docking
