#include "vina_ligand.h"

#include <deque>
#include <functional>

#include "disco/error.h"
#include "vina_terms.h"

namespace disco::docking {

double VinaLigand::affinity_factor() const { return 1.0 / (1.0 + kVinaRotatableWeight * num_rotatable); }

VinaLigand make_vina_ligand(const PdbqtMolecule& pdbqt, int64_t num_atoms, const std::vector<std::array<int32_t, 2>>& bonds,
                            const std::string& name) {
  std::vector<int64_t> heavy;
  const std::vector<XsType> types = xs_types(pdbqt.atoms, name, &heavy);
  VinaLigand lig;
  lig.types.assign(size_t(num_atoms), XsType::C_H);
  std::vector<bool> seen(size_t(num_atoms), false);
  for (size_t k = 0; k < heavy.size(); ++k) {
    const int serial = pdbqt.atoms[size_t(heavy[k])].serial;
    if (serial < 1 || serial > num_atoms || seen[size_t(serial - 1)])
      throw DataError(name + ": Open Babel's PDBQT atom " + std::to_string(serial) + " is not one of the molecule's " +
                      std::to_string(num_atoms) + " heavy atoms");
    seen[size_t(serial - 1)] = true;
    lig.types[size_t(serial - 1)] = types[k];
  }
  if (int64_t(heavy.size()) != num_atoms)
    throw DataError(name + ": Open Babel's PDBQT has " + std::to_string(heavy.size()) + " heavy atoms, the molecule " +
                    std::to_string(num_atoms));

  std::vector<std::vector<int32_t>> neighbours(static_cast<size_t>(num_atoms));
  for (const auto& b : bonds) {
    neighbours[size_t(b[0])].push_back(b[1]);
    neighbours[size_t(b[1])].push_back(b[0]);
  }
  auto rotatable = [&](int32_t a, int32_t b) {
    for (const auto& r : pdbqt.rotatable_bonds)
      if ((r[0] - 1 == a && r[1] - 1 == b) || (r[0] - 1 == b && r[1] - 1 == a)) return true;
    return false;
  };
  // Rigid pieces: connected components once the rotatable bonds are cut.
  std::vector<int32_t> piece(size_t(num_atoms), -1);
  int32_t pieces = 0;
  for (int32_t s = 0; s < num_atoms; ++s) {
    if (piece[size_t(s)] >= 0) continue;
    std::deque<int32_t> queue{s};
    piece[size_t(s)] = pieces;
    while (!queue.empty()) {
      const int32_t a = queue.front();
      queue.pop_front();
      for (int32_t b : neighbours[size_t(a)])
        if (piece[size_t(b)] < 0 && !rotatable(a, b)) {
          piece[size_t(b)] = pieces;
          queue.push_back(b);
        }
    }
    ++pieces;
  }
  // Pairs in different pieces and more than three bonds apart (breadth-first search from each atom).
  for (int32_t s = 0; s < num_atoms; ++s) {
    std::vector<int> hops(size_t(num_atoms), -1);
    std::deque<int32_t> queue{s};
    hops[size_t(s)] = 0;
    while (!queue.empty()) {
      const int32_t a = queue.front();
      queue.pop_front();
      if (hops[size_t(a)] == 3) continue;
      for (int32_t b : neighbours[size_t(a)])
        if (hops[size_t(b)] < 0) {
          hops[size_t(b)] = hops[size_t(a)] + 1;
          queue.push_back(b);
        }
    }
    for (int32_t t = s + 1; t < num_atoms; ++t)
      if (piece[size_t(s)] != piece[size_t(t)] && hops[size_t(t)] < 0) lig.intra_pairs.push_back({s, t});
  }
  // N_rot, as Vina counts it.
  for (const auto& r : pdbqt.rotatable_bonds) {
    const int32_t a = r[0] - 1, b = r[1] - 1;
    if (a < 0 || b < 0 || a >= num_atoms || b >= num_atoms) continue;  // a bond to a hydrogen moves no heavy atom
    lig.rotatable_bonds.push_back({a, b});
    if (neighbours[size_t(b)].size() > 1) lig.num_rotatable += 0.5;
    if (neighbours[size_t(a)].size() > 1) lig.num_rotatable += 0.5;
  }
  return lig;
}

}  // namespace disco::docking
