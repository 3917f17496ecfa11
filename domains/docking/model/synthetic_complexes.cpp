#include "synthetic_complexes.h"

#include <GraphMol/ROMol.h>

#include <random>
#include <string>

#include "conformer.h"
#include "molecule.h"
#include "protein.h"

namespace disco::docking {

namespace {

// Small drug-like molecules with 0-4 rotatable bonds.
const char* const kSmiles[] = {
    "CC(=O)Nc1ccc(O)cc1",            // paracetamol
    "CC(C)Cc1ccc(cc1)C(C)C(=O)O",    // ibuprofen
    "CC(=O)Oc1ccccc1C(=O)O",         // aspirin
    "Cn1cnc2c1c(=O)n(C)c(=O)n2C",    // caffeine
    "CCOC(=O)c1ccc(N)cc1",           // benzocaine
    "CC(C)NCC(O)c1ccc(O)c(O)c1",     // isoprenaline
    "OC(=O)CCc1ccccc1",              // hydrocinnamic acid
    "NCCc1ccc(O)c(O)c1",             // dopamine
};

}  // namespace

std::vector<Complex> synthetic_complexes(int64_t count, uint64_t seed) {
  std::vector<Complex> out;
  std::mt19937_64 rng(seed * 7919 + 17);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  std::normal_distribution<double> normal;
  const int64_t num_smiles = int64_t(sizeof(kSmiles) / sizeof(kSmiles[0]));
  for (int64_t i = 0; i < count; ++i) {
    const std::string name = "synthetic_" + std::to_string(i);
    const Ligand ligand = ligand_from_smiles(kSmiles[i % num_smiles], name);
    ConformerOptions co;
    co.seed = uint32_t(seed * 1000 + uint64_t(i));
    const Conformer conf = generate_conformer(*ligand.mol, name, co);
    Complex c;
    c.id = name;
    c.layout = "synthetic";
    c.ligand_reader = "rdkit-smiles";
    c.ligand = build_ligand_graph(*ligand.mol, {}, conf.pos);
    c.ligand_molblock = mol_block(*ligand.mol, conf.pos);
    // A shell of residues 4-8 Å from the ligand's atoms, none closer than 3.5 Å to any atom.
    const auto& pos = c.ligand.pos;
    ReceptorGraph& rec = c.receptor;
    for (int attempts = 0; rec.ca.size() < 40 && attempts < 20000; ++attempts) {
      const Vec3& anchor = pos[size_t(unit(rng) * double(pos.size())) % pos.size()];
      Vec3 dir(normal(rng), normal(rng), normal(rng));
      const double n = norm(dir);
      if (n < 1e-9) continue;
      const Vec3 p = anchor + dir * ((4.0 + 4.0 * unit(rng)) / n);
      bool clash = false;
      for (const Vec3& a : pos) clash = clash || distance2(a, p) < 3.5 * 3.5;
      for (const Vec3& q : rec.ca) clash = clash || distance2(q, p) < 3.0 * 3.0;
      if (clash) continue;
      rec.ca.push_back(p);
      rec.n_offset.push_back({-1.2, 0.6, 0.0});
      rec.c_offset.push_back({1.2, 0.6, 0.0});
      rec.residue_type.push_back(int32_t(unit(rng) * 20.0) % 20);
      rec.chain_index.push_back(0);
      rec.residues.push_back({'A', int32_t(rec.ca.size()), ' ', residue_type_name(rec.residue_type.back())});
    }
    if (rec.chains.empty()) rec.chains.push_back('A');
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace disco::docking
