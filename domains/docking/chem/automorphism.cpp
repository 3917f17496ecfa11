#include "automorphism.h"

#include <GraphMol/GraphMol.h>
#include <GraphMol/Substruct/SubstructMatch.h>

#include <algorithm>
#include <map>
#include <memory>
#include <numeric>

namespace disco::docking {

namespace {
// Element + connectivity only: plain atoms of the same atomic numbers joined by single bonds.
std::unique_ptr<RDKit::RWMol> stripped(const RDKit::ROMol& mol) {
  auto out = std::make_unique<RDKit::RWMol>();
  for (const auto* a : mol.atoms()) {
    auto* atom = new RDKit::Atom(a->getAtomicNum());
    atom->setNoImplicit(true);
    out->addAtom(atom, true, true);
  }
  for (const auto* b : mol.bonds()) out->addBond(b->getBeginAtomIdx(), b->getEndAtomIdx(), RDKit::Bond::SINGLE);
  out->updatePropertyCache(false);
  return out;
}
}  // namespace

std::string graph_summary(const RDKit::ROMol& mol) {
  std::map<std::string, int> counts;
  for (const auto* a : mol.atoms()) ++counts[a->getSymbol()];
  std::string s;
  for (const auto& [sym, n] : counts) s += (s.empty() ? "" : " ") + sym + std::to_string(n);
  return s + " (" + std::to_string(mol.getNumBonds()) + " bonds)";
}

Isomorphisms graph_isomorphisms(const RDKit::ROMol& reference, const RDKit::ROMol& probe, size_t max_mappings) {
  Isomorphisms out;
  if (reference.getNumAtoms() != probe.getNumAtoms() || reference.getNumBonds() != probe.getNumBonds()) return out;
  const auto ref = stripped(reference), query = stripped(probe);
  RDKit::SubstructMatchParameters params;
  params.uniquify = false;
  params.useChirality = false;
  params.recursionPossible = false;
  params.maxMatches = unsigned(std::max<size_t>(1, max_mappings) + 1);
  const auto matches = RDKit::SubstructMatch(*ref, *query, params);
  const size_t n = probe.getNumAtoms();
  std::vector<int32_t> identity(n);
  std::iota(identity.begin(), identity.end(), 0);
  for (const auto& match : matches) {
    std::vector<int32_t> m(n, -1);
    for (const auto& [q, r] : match) m[size_t(q)] = r;
    out.mappings.push_back(std::move(m));
  }
  if (out.mappings.size() > max_mappings) {
    out.truncated = true;
    out.mappings.resize(max_mappings);
  }
  // The identity first (when it is one), so that mappings[0] is the plain atom order.
  auto it = std::find(out.mappings.begin(), out.mappings.end(), identity);
  if (it != out.mappings.end()) std::rotate(out.mappings.begin(), it, it + 1);
  else if (&reference == &probe && !out.mappings.empty()) out.mappings.insert(out.mappings.begin(), identity);
  return out;
}

}  // namespace disco::docking
