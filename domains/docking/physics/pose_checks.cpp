// Pose checks (see pose_checks.h for what each check means and where its threshold comes from).
#include "pose_checks.h"

#include <DistGeom/BoundsMatrix.h>
#include <DistGeom/TriangleSmooth.h>
#include <GraphMol/DistGeomHelpers/BoundsMatrixBuilder.h>
#include <GraphMol/GraphMol.h>
#include <GraphMol/MolOps.h>
#include <GraphMol/PeriodicTable.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <limits>
#include <stdexcept>
#include <unordered_map>
#include <utility>

#include "disco/error.h"

namespace disco::docking {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

const char* const kBondLengths = "bond_lengths";
const char* const kBondAngles = "bond_angles";
const char* const kInternalClash = "internal_clash";
const char* const kAromaticFlatness = "aromatic_ring_flatness";
const char* const kDoubleBondFlatness = "double_bond_flatness";
const char* const kChirality = "tetrahedral_chirality";
const char* const kDoubleBondStereo = "double_bond_stereo";
const char* const kProteinClash = "protein_clash";
const char* const kProteinContact = "protein_contact";

std::string format(const char* fmt, double a) {
  char buf[64];
  std::snprintf(buf, sizeof buf, fmt, a);
  return buf;
}

// Smallest-eigenvalue eigenvector of a symmetric 3x3 matrix (cyclic Jacobi rotations): the normal of the
// best-fit plane when the matrix is the points' scatter matrix.
Vec3 smallest_eigenvector(std::array<std::array<double, 3>, 3> a) {
  std::array<std::array<double, 3>, 3> v{{{1, 0, 0}, {0, 1, 0}, {0, 0, 1}}};
  for (int sweep = 0; sweep < 50; ++sweep) {
    const double off = a[0][1] * a[0][1] + a[0][2] * a[0][2] + a[1][2] * a[1][2];
    if (off < 1e-30) break;
    for (int p = 0; p < 2; ++p) {
      for (int q = p + 1; q < 3; ++q) {
        if (std::abs(a[p][q]) < 1e-300) continue;
        const double theta = (a[q][q] - a[p][p]) / (2 * a[p][q]);
        const double t = (theta >= 0 ? 1.0 : -1.0) / (std::abs(theta) + std::sqrt(theta * theta + 1));
        const double c = 1 / std::sqrt(t * t + 1), s = t * c;
        for (int k = 0; k < 3; ++k) {  // A <- A J
          const double akp = a[k][p], akq = a[k][q];
          a[k][p] = c * akp - s * akq;
          a[k][q] = s * akp + c * akq;
        }
        for (int k = 0; k < 3; ++k) {  // A <- J^T A
          const double apk = a[p][k], aqk = a[q][k];
          a[p][k] = c * apk - s * aqk;
          a[q][k] = s * apk + c * aqk;
        }
        for (int k = 0; k < 3; ++k) {  // V <- V J
          const double vkp = v[k][p], vkq = v[k][q];
          v[k][p] = c * vkp - s * vkq;
          v[k][q] = s * vkp + c * vkq;
        }
      }
    }
  }
  int smallest = 0;
  for (int k = 1; k < 3; ++k)
    if (a[k][k] < a[smallest][smallest]) smallest = k;
  return {v[0][smallest], v[1][smallest], v[2][smallest]};
}

// Largest distance of the points to their least-squares plane.
double distance_from_plane(const std::vector<Vec3>& points) {
  const Vec3 c = centroid(points);
  std::array<std::array<double, 3>, 3> scatter{};
  for (const auto& p : points) {
    const Vec3 d = p - c;
    const double x[3] = {d.x, d.y, d.z};
    for (int r = 0; r < 3; ++r)
      for (int s = 0; s < 3; ++s) scatter[size_t(r)][size_t(s)] += x[r] * x[s];
  }
  const Vec3 n = smallest_eigenvector(scatter);
  double worst = 0;
  for (const auto& p : points) worst = std::max(worst, std::abs(dot(p - c, n)));
  return worst;
}

double signed_volume(const Vec3& centre, const Vec3& a, const Vec3& b, const Vec3& c) {
  return dot(a - centre, cross(b - centre, c - centre));
}

// RDKit's element symbols are capitalised ("Se"); PDB files write "SE".
std::string element_symbol(const std::string& pdb_element) {
  std::string s;
  for (size_t i = 0; i < pdb_element.size(); ++i)
    s += char(i == 0 ? std::toupper(static_cast<unsigned char>(pdb_element[i]))
                     : std::tolower(static_cast<unsigned char>(pdb_element[i])));
  return s;
}

// RDKit's vdW radius of a PDB element; an element RDKit does not know (a malformed column) gets carbon's
// radius, the commonest protein atom, rather than stopping the checks.
double protein_vdw_radius(const std::string& pdb_element) {
  const auto* table = RDKit::PeriodicTable::getTable();
  try {
    return table->getRvdw(static_cast<unsigned>(table->getAtomicNumber(element_symbol(pdb_element))));
  } catch (...) {
    return table->getRvdw(6u);
  }
}

}  // namespace

struct PoseChecker::Impl {
  PoseCheckThresholds thresholds;
  size_t num_atoms = 0;
  std::vector<std::string> symbols;  // per ligand atom
  std::vector<double> vdw;           // per ligand atom

  struct Pair {
    int i, j;
    double reference;  // input distance (bonds, 1-3 pairs) or DG lower bound (non-covalent pairs)
    int via = -1;      // the angle's centre atom (1-3 pairs)
  };
  std::vector<Pair> bonds, angles, noncovalent;
  bool dg_smoothed = true;

  std::vector<std::vector<int>> aromatic_rings;      // atom indices
  std::vector<std::vector<int>> double_bond_systems;  // the two carbons first, then their neighbours

  struct ChiralTriple {
    int centre;
    std::array<int, 3> nbr;
    bool positive;  // sign of the input's signed volume
  };
  std::vector<ChiralTriple> chiral_triples;
  int num_chiral_centres = 0;

  struct StereoBond {
    int a, b, c, d;  // a-b=c-d, b=c the double bond
    bool cis;        // in the input
  };
  std::vector<StereoBond> stereo_bonds;

  // The protein: heavy atoms in a uniform cell list whose cell edge is at least the largest search radius,
  // so that the 27 cells around a ligand atom hold every protein atom that matters to it.
  bool has_protein = false;
  std::vector<Vec3> protein_pos;
  std::vector<double> protein_vdw;
  std::vector<std::string> protein_label;
  double cell = 1;
  std::unordered_map<int64_t, std::vector<int>> cells;

  static int64_t cell_key(int64_t x, int64_t y, int64_t z) {
    constexpr int64_t kOffset = 1 << 20;  // cell coordinates stay well within +-2^20
    return ((x + kOffset) << 42) | ((y + kOffset) << 21) | (z + kOffset);
  }
  std::array<int64_t, 3> cell_of(const Vec3& p) const {
    return {int64_t(std::floor(p.x / cell)), int64_t(std::floor(p.y / cell)), int64_t(std::floor(p.z / cell))};
  }

  void prepare_molecule(const RDKit::ROMol& mol, const std::vector<Vec3>& ref);
  void prepare_protein(const Protein& protein);

  PoseCheck check_pairs(const char* name, const std::vector<Pair>& pairs, double tolerance,
                        const std::vector<Vec3>& pose) const;
  PoseCheck check_internal_clash(const std::vector<Vec3>& pose) const;
  PoseCheck check_flatness(const char* name, const std::vector<std::vector<int>>& systems, double threshold,
                           const char* what, const std::vector<Vec3>& pose) const;
  PoseCheck check_chirality(const std::vector<Vec3>& pose) const;
  PoseCheck check_double_bond_stereo(const std::vector<Vec3>& pose) const;
  std::pair<PoseCheck, PoseCheck> check_protein(const std::vector<Vec3>& pose) const;

  std::string atom(int i) const { return symbols[size_t(i)] + std::to_string(i + 1); }
};

void PoseChecker::Impl::prepare_molecule(const RDKit::ROMol& input, const std::vector<Vec3>& ref) {
  // A private copy: RDKit caches the topological distance matrix on the molecule, and a molecule from
  // elsewhere may lack ring information, which the bounds and the ring checks need.
  RDKit::RWMol mol(input);
  if (!mol.getRingInfo()->isInitialized()) RDKit::MolOps::findSSSR(mol);
  num_atoms = mol.getNumAtoms();
  if (ref.size() != num_atoms)
    throw DataError("pose checks: the input coordinates have " + std::to_string(ref.size()) +
                    " atoms, the molecule " + std::to_string(num_atoms));
  const auto* table = RDKit::PeriodicTable::getTable();
  for (const auto* a : mol.atoms()) {
    symbols.push_back(a->getSymbol());
    vdw.push_back(table->getRvdw(static_cast<unsigned>(a->getAtomicNum())));
  }

  // Bonds, and angles as the 1-3 distance between the ends of two bonds sharing an atom.
  for (const auto* b : mol.bonds()) {
    const int i = int(b->getBeginAtomIdx()), j = int(b->getEndAtomIdx());
    bonds.push_back({std::min(i, j), std::max(i, j), distance(ref[size_t(i)], ref[size_t(j)])});
  }
  for (const auto* centre : mol.atoms()) {
    std::vector<int> nbrs;
    for (const auto* n : mol.atomNeighbors(centre)) nbrs.push_back(int(n->getIdx()));
    std::sort(nbrs.begin(), nbrs.end());
    for (size_t x = 0; x < nbrs.size(); ++x)
      for (size_t y = x + 1; y < nbrs.size(); ++y)
        angles.push_back({nbrs[x], nbrs[y], distance(ref[size_t(nbrs[x])], ref[size_t(nbrs[y])]), int(centre->getIdx())});
  }

  // Non-covalent pairs (neither bonded nor 1-3) with RDKit's DG lower bounds, built as PoseBusters asks
  // GetMoleculeBoundsMatrix for them: 1-5 bounds from topology, scaled vdW radii, triangle smoothing.
  if (num_atoms > 1) {
    const double* topo = RDKit::MolOps::getDistanceMat(mol);  // bonds on the shortest path; owned by mol
    auto build = [&](bool smooth) {
      auto bm = boost::make_shared<DistGeom::BoundsMatrix>(static_cast<unsigned>(num_atoms));
      RDKit::DGeomHelpers::initBoundsMat(bm);
      RDKit::DGeomHelpers::setTopolBounds(mol, bm, /*set15bounds=*/true, /*scaleVDW=*/true,
                                          /*useMacrocycle14config=*/false, /*forceTransAmides=*/true);
      const bool ok = !smooth || DistGeom::triangleSmoothBounds(bm);
      return std::make_pair(bm, ok);
    };
    auto [bm, ok] = build(true);
    if (!ok) {  // inconsistent bounds (strained rings): keep the unsmoothed topology bounds
      dg_smoothed = false;
      bm = build(false).first;
    }
    for (size_t i = 0; i < num_atoms; ++i)
      for (size_t j = i + 1; j < num_atoms; ++j)
        if (topo[i * num_atoms + j] >= 3)  // 1e8 for atoms in different fragments: also non-covalent
          noncovalent.push_back({int(i), int(j), bm->getLowerBound(unsigned(i), unsigned(j))});
  }

  // Aromatic 5- and 6-membered rings of sp2 atoms (PoseBusters' SMARTS [ar5^2] / [ar6^2] rings).
  const RDKit::RingInfo* rings = mol.getRingInfo();
  for (const auto& ring : rings->atomRings()) {
    if (ring.size() != 5 && ring.size() != 6) continue;
    const bool flat = std::all_of(ring.begin(), ring.end(), [&](int i) {
      const auto* a = mol.getAtomWithIdx(unsigned(i));
      return a->getIsAromatic() && a->getHybridization() == RDKit::Atom::SP2;
    });
    if (flat) aromatic_rings.push_back(ring);
  }

  // C=C double bonds between two 3-connected sp2 carbons (PoseBusters: [C;X3;^2](*)(*)=[C;X3;^2](*)(*))
  // with their heavy neighbours; with hydrogens implicit, a system needs four atoms to say anything.
  for (const auto* b : mol.bonds()) {
    if (b->getBondType() != RDKit::Bond::DOUBLE || b->getIsAromatic()) continue;
    const auto* x = b->getBeginAtom();
    const auto* y = b->getEndAtom();
    auto sp2_carbon = [](const RDKit::Atom* a) {
      return a->getAtomicNum() == 6 && !a->getIsAromatic() && a->getHybridization() == RDKit::Atom::SP2 &&
             a->getTotalDegree() == 3;
    };
    if (!sp2_carbon(x) || !sp2_carbon(y)) continue;
    std::vector<int> system{int(x->getIdx()), int(y->getIdx())};
    for (const auto* end : {x, y})
      for (const auto* n : mol.atomNeighbors(end))
        if (n != x && n != y) system.push_back(int(n->getIdx()));
    if (system.size() >= 4) double_bond_systems.push_back(system);
  }

  // Tetrahedral centres RDKit marks (read_ligand assigns stereo from the input's 3-D coordinates). Every
  // triple of (up to four) heavy neighbours must keep the sign of its signed volume: with four neighbours
  // this also catches a single substituent pushed through the plane of the other three.
  for (const auto* a : mol.atoms()) {
    const auto tag = a->getChiralTag();
    if (tag != RDKit::Atom::CHI_TETRAHEDRAL_CW && tag != RDKit::Atom::CHI_TETRAHEDRAL_CCW) continue;
    std::vector<int> nbrs;
    for (const auto* n : mol.atomNeighbors(a)) nbrs.push_back(int(n->getIdx()));
    std::sort(nbrs.begin(), nbrs.end());
    if (nbrs.size() < 3) continue;
    if (nbrs.size() > 4) nbrs.resize(4);
    const int c = int(a->getIdx());
    bool any = false;
    for (size_t p = 0; p < nbrs.size(); ++p)
      for (size_t q = p + 1; q < nbrs.size(); ++q)
        for (size_t r = q + 1; r < nbrs.size(); ++r) {
          const double v = signed_volume(ref[size_t(c)], ref[size_t(nbrs[p])], ref[size_t(nbrs[q])], ref[size_t(nbrs[r])]);
          if (std::abs(v) < thresholds.min_chiral_volume) continue;
          chiral_triples.push_back({c, {nbrs[p], nbrs[q], nbrs[r]}, v > 0});
          any = true;
        }
    if (any) ++num_chiral_centres;
  }

  // Double bonds RDKit marks E/Z (or cis/trans): one heavy substituent on each end, the lowest-numbered;
  // whatever the pair, its cis/trans relation flips exactly when the bond's E/Z does.
  for (const auto* b : mol.bonds()) {
    const auto stereo = b->getStereo();
    if (stereo != RDKit::Bond::STEREOE && stereo != RDKit::Bond::STEREOZ && stereo != RDKit::Bond::STEREOCIS &&
        stereo != RDKit::Bond::STEREOTRANS)
      continue;
    const int bi = int(b->getBeginAtomIdx()), ci = int(b->getEndAtomIdx());
    auto substituent = [&](int end, int other) {
      int best = -1;
      for (const auto* n : mol.atomNeighbors(mol.getAtomWithIdx(unsigned(end))))
        if (int(n->getIdx()) != other && (best < 0 || int(n->getIdx()) < best)) best = int(n->getIdx());
      return best;
    };
    const int ai = substituent(bi, ci), di = substituent(ci, bi);
    if (ai < 0 || di < 0) continue;
    const double t = dihedral(ref[size_t(ai)], ref[size_t(bi)], ref[size_t(ci)], ref[size_t(di)]);
    stereo_bonds.push_back({ai, bi, ci, di, std::abs(t) < M_PI / 2});
  }
}

void PoseChecker::Impl::prepare_protein(const Protein& protein) {
  has_protein = true;
  double max_radius = 0;
  for (const auto& res : protein.residues)
    for (const auto& a : res.atoms) {
      if (a.element == "H" || a.element == "D") continue;
      protein_pos.push_back(a.pos);
      protein_vdw.push_back(protein_vdw_radius(a.element));
      protein_label.push_back(res.label() + ":" + a.name);
      max_radius = std::max(max_radius, protein_vdw.back());
    }
  const double max_ligand = vdw.empty() ? 0 : *std::max_element(vdw.begin(), vdw.end());
  cell = std::max({thresholds.protein_max_distance, thresholds.protein_clash_fraction * (max_radius + max_ligand), 1.0});
  for (size_t k = 0; k < protein_pos.size(); ++k) {
    const auto c = cell_of(protein_pos[k]);
    cells[cell_key(c[0], c[1], c[2])].push_back(int(k));
  }
}

PoseCheck PoseChecker::Impl::check_pairs(const char* name, const std::vector<Pair>& pairs, double tolerance,
                                         const std::vector<Vec3>& pose) const {
  PoseCheck out{name, true, kNaN, tolerance, ""};
  if (pairs.empty()) {
    out.detail = std::string("no ") + (name == std::string(kBondLengths) ? "bonds" : "angles");
    return out;
  }
  const Pair* worst = nullptr;
  double worst_dev = -1, worst_d = 0;
  int bad = 0;
  for (const auto& p : pairs) {
    const double d = distance(pose[size_t(p.i)], pose[size_t(p.j)]);
    const double dev = std::abs(d / p.reference - 1);
    if (dev > tolerance) ++bad;
    if (dev > worst_dev) worst_dev = dev, worst = &p, worst_d = d;
  }
  out.value = worst_dev;
  out.passed = bad == 0;
  const std::string what = worst->via < 0 ? atom(worst->i) + "-" + atom(worst->j)
                                          : atom(worst->i) + "-" + atom(worst->via) + "-" + atom(worst->j);
  out.detail = std::to_string(bad) + " of " + std::to_string(pairs.size()) + " outside; worst " + what + ": " +
               format("%.3f", worst_d) + " A against " + format("%.3f", worst->reference) + " A in the input";
  return out;
}

PoseCheck PoseChecker::Impl::check_internal_clash(const std::vector<Vec3>& pose) const {
  PoseCheck out{kInternalClash, true, kNaN, thresholds.internal_clash_fraction, ""};
  if (noncovalent.empty()) {
    out.detail = "no atom pairs 3 or more bonds apart";
    return out;
  }
  const Pair* worst = nullptr;
  double worst_ratio = std::numeric_limits<double>::infinity(), worst_d = 0;
  int bad = 0;
  for (const auto& p : noncovalent) {
    if (p.reference <= 0) continue;
    const double d = distance(pose[size_t(p.i)], pose[size_t(p.j)]);
    const double ratio = d / p.reference;
    if (ratio < thresholds.internal_clash_fraction) ++bad;
    if (ratio < worst_ratio) worst_ratio = ratio, worst = &p, worst_d = d;
  }
  if (!worst) {
    out.detail = "no lower bounds";
    return out;
  }
  out.value = worst_ratio;
  out.passed = bad == 0;
  out.detail = std::to_string(bad) + " of " + std::to_string(noncovalent.size()) + " pairs clash; closest " +
               atom(worst->i) + "-" + atom(worst->j) + ": " + format("%.3f", worst_d) + " A, lower bound " +
               format("%.3f", worst->reference) + " A" + (dg_smoothed ? "" : " (unsmoothed bounds)");
  return out;
}

PoseCheck PoseChecker::Impl::check_flatness(const char* name, const std::vector<std::vector<int>>& systems,
                                            double threshold, const char* what, const std::vector<Vec3>& pose) const {
  PoseCheck out{name, true, kNaN, threshold, ""};
  if (systems.empty()) {
    out.detail = std::string("no ") + what;
    return out;
  }
  double worst = -1;
  size_t worst_k = 0;
  int bad = 0;
  for (size_t k = 0; k < systems.size(); ++k) {
    std::vector<Vec3> pts;
    for (int i : systems[k]) pts.push_back(pose[size_t(i)]);
    const double d = distance_from_plane(pts);
    if (d > threshold) ++bad;
    if (d > worst) worst = d, worst_k = k;
  }
  out.value = worst;
  out.passed = bad == 0;
  std::string atoms;
  for (int i : systems[worst_k]) atoms += (atoms.empty() ? "" : ",") + atom(i);
  out.detail = std::to_string(bad) + " of " + std::to_string(systems.size()) + " " + what + " not flat; worst (" +
               atoms + ") " + format("%.3f", worst) + " A from its plane";
  return out;
}

PoseCheck PoseChecker::Impl::check_chirality(const std::vector<Vec3>& pose) const {
  PoseCheck out{kChirality, true, kNaN, 0, ""};
  if (chiral_triples.empty()) {
    out.detail = "no specified tetrahedral centres";
    return out;
  }
  std::vector<int> changed;
  for (const auto& t : chiral_triples) {
    const double v = signed_volume(pose[size_t(t.centre)], pose[size_t(t.nbr[0])], pose[size_t(t.nbr[1])],
                                   pose[size_t(t.nbr[2])]);
    if ((v > 0) != t.positive && (changed.empty() || changed.back() != t.centre)) changed.push_back(t.centre);
  }
  out.value = double(changed.size());
  out.passed = changed.empty();
  out.detail = std::to_string(changed.size()) + " of " + std::to_string(num_chiral_centres) + " centres inverted";
  for (size_t k = 0; k < changed.size(); ++k) out.detail += (k == 0 ? ": " : ", ") + atom(changed[k]);
  return out;
}

PoseCheck PoseChecker::Impl::check_double_bond_stereo(const std::vector<Vec3>& pose) const {
  PoseCheck out{kDoubleBondStereo, true, kNaN, 0, ""};
  if (stereo_bonds.empty()) {
    out.detail = "no specified E/Z double bonds";
    return out;
  }
  std::vector<std::string> changed;
  for (const auto& s : stereo_bonds) {
    const double t = dihedral(pose[size_t(s.a)], pose[size_t(s.b)], pose[size_t(s.c)], pose[size_t(s.d)]);
    if ((std::abs(t) < M_PI / 2) != s.cis) changed.push_back(atom(s.b) + "=" + atom(s.c));
  }
  out.value = double(changed.size());
  out.passed = changed.empty();
  out.detail = std::to_string(changed.size()) + " of " + std::to_string(stereo_bonds.size()) + " double bonds flipped";
  for (size_t k = 0; k < changed.size(); ++k) out.detail += (k == 0 ? ": " : ", ") + changed[k];
  return out;
}

std::pair<PoseCheck, PoseCheck> PoseChecker::Impl::check_protein(const std::vector<Vec3>& pose) const {
  PoseCheck clash{kProteinClash, true, kNaN, thresholds.protein_clash_fraction, ""};
  PoseCheck contact{kProteinContact, true, kNaN, thresholds.protein_max_distance, ""};
  if (!has_protein) {
    clash.detail = contact.detail = "no protein given";
    return {clash, contact};
  }
  double min_ratio = std::numeric_limits<double>::infinity(), min_d = std::numeric_limits<double>::infinity();
  int ratio_lig = -1, ratio_prot = -1, d_lig = -1, d_prot = -1, clashes = 0;
  for (size_t i = 0; i < pose.size(); ++i) {
    const auto c = cell_of(pose[i]);
    for (int64_t dx = -1; dx <= 1; ++dx)
      for (int64_t dy = -1; dy <= 1; ++dy)
        for (int64_t dz = -1; dz <= 1; ++dz) {
          const auto it = cells.find(cell_key(c[0] + dx, c[1] + dy, c[2] + dz));
          if (it == cells.end()) continue;
          for (int k : it->second) {
            const double d = distance(pose[i], protein_pos[size_t(k)]);
            const double ratio = d / (vdw[i] + protein_vdw[size_t(k)]);
            if (ratio < thresholds.protein_clash_fraction) ++clashes;
            if (ratio < min_ratio) min_ratio = ratio, ratio_lig = int(i), ratio_prot = k;
            if (d < min_d) min_d = d, d_lig = int(i), d_prot = k;
          }
        }
  }
  // The cell edge is at least protein_max_distance, so nothing beyond the 27 cells is close enough to
  // clash or to count as contact.
  if (d_lig < 0 || min_d > thresholds.protein_max_distance) {
    contact.passed = false;
    contact.value = d_lig < 0 ? kNaN : min_d;
    contact.detail = "no protein atom within " + format("%.1f", thresholds.protein_max_distance) + " A of the ligand";
  } else {
    contact.value = min_d;
    contact.detail = "nearest " + atom(d_lig) + " to " + protein_label[size_t(d_prot)] + ": " + format("%.3f", min_d) + " A";
  }
  if (ratio_lig < 0) {
    clash.detail = "no protein atom near the ligand";
  } else {
    clash.value = min_ratio;
    clash.passed = clashes == 0;
    const double d = distance(pose[size_t(ratio_lig)], protein_pos[size_t(ratio_prot)]);
    clash.detail = std::to_string(clashes) + " clashing pairs; closest relative " + atom(ratio_lig) + " to " +
                   protein_label[size_t(ratio_prot)] + ": " + format("%.3f", d) + " A, vdW sum " +
                   format("%.3f", vdw[size_t(ratio_lig)] + protein_vdw[size_t(ratio_prot)]) + " A";
  }
  return {clash, contact};
}

PoseChecker::PoseChecker(const RDKit::ROMol& mol, std::vector<Vec3> reference, const Protein& protein,
                         const PoseCheckThresholds& thresholds)
    : PoseChecker(mol, std::move(reference), thresholds) {
  impl_->prepare_protein(protein);
}

PoseChecker::PoseChecker(const RDKit::ROMol& mol, std::vector<Vec3> reference, const PoseCheckThresholds& thresholds)
    : impl_(std::make_unique<Impl>()) {
  impl_->thresholds = thresholds;
  impl_->prepare_molecule(mol, reference);
}

PoseChecker::~PoseChecker() = default;
PoseChecker::PoseChecker(PoseChecker&&) noexcept = default;
PoseChecker& PoseChecker::operator=(PoseChecker&&) noexcept = default;

const std::vector<std::string>& PoseChecker::check_names() {
  static const std::vector<std::string> names{kBondLengths,  kBondAngles,       kInternalClash,
                                              kAromaticFlatness, kDoubleBondFlatness, kChirality,
                                              kDoubleBondStereo, kProteinClash,     kProteinContact};
  return names;
}

PoseCheckReport PoseChecker::check(const std::vector<Vec3>& pose) const {
  const Impl& m = *impl_;
  if (pose.size() != m.num_atoms)
    throw DataError("pose checks: the pose has " + std::to_string(pose.size()) + " atoms, the molecule " +
                    std::to_string(m.num_atoms));
  PoseCheckReport r;
  r.checks.push_back(m.check_pairs(kBondLengths, m.bonds, m.thresholds.bond_length_tolerance, pose));
  r.checks.push_back(m.check_pairs(kBondAngles, m.angles, m.thresholds.bond_angle_tolerance, pose));
  r.checks.push_back(m.check_internal_clash(pose));
  r.checks.push_back(m.check_flatness(kAromaticFlatness, m.aromatic_rings, m.thresholds.aromatic_flatness,
                                      "aromatic rings", pose));
  r.checks.push_back(m.check_flatness(kDoubleBondFlatness, m.double_bond_systems, m.thresholds.double_bond_flatness,
                                      "C=C double bonds", pose));
  r.checks.push_back(m.check_chirality(pose));
  r.checks.push_back(m.check_double_bond_stereo(pose));
  auto [clash, contact] = m.check_protein(pose);
  r.checks.push_back(std::move(clash));
  r.checks.push_back(std::move(contact));
  r.all_passed = std::all_of(r.checks.begin(), r.checks.end(), [](const PoseCheck& c) { return c.passed; });
  return r;
}

const PoseCheck& PoseCheckReport::at(const std::string& name) const {
  for (const auto& c : checks)
    if (c.name == name) return c;
  throw std::out_of_range("no pose check named '" + name + "'");
}

std::vector<std::string> PoseCheckReport::failed() const {
  std::vector<std::string> names;
  for (const auto& c : checks)
    if (!c.passed) names.push_back(c.name);
  return names;
}

std::map<std::string, std::string> pose_check_sdf_properties(const PoseCheckReport& report) {
  std::map<std::string, std::string> props;
  for (const auto& c : report.checks) props["disco_check_" + c.name] = c.passed ? "pass" : "fail";
  props["disco_valid"] = report.all_passed ? "1" : "0";
  std::string failed;
  for (const auto& name : report.failed()) failed += (failed.empty() ? "" : ",") + name;
  props["disco_checks_failed"] = failed;
  return props;
}

std::vector<std::string> pose_check_csv_columns(bool with_values) {
  std::vector<std::string> cols{"valid"};
  for (const auto& name : PoseChecker::check_names()) {
    cols.push_back("check_" + name);
    if (with_values) cols.push_back(name + "_value");
  }
  return cols;
}

std::vector<std::string> pose_check_csv_values(const PoseCheckReport& report, bool with_values) {
  std::vector<std::string> vals{report.all_passed ? "1" : "0"};
  for (const auto& name : PoseChecker::check_names()) {
    const PoseCheck& c = report.at(name);
    vals.push_back(c.passed ? "1" : "0");
    if (with_values) vals.push_back(std::isnan(c.value) ? "" : format("%.6g", c.value));
  }
  return vals;
}

std::vector<std::string> pose_check_csv_values(const std::map<std::string, std::string>& sdf_properties) {
  auto field = [&](const std::string& key) {
    const auto it = sdf_properties.find(key);
    return it == sdf_properties.end() ? std::string() : it->second;
  };
  std::vector<std::string> vals{field("disco_valid") == "1" ? "1" : "0"};
  for (const auto& name : PoseChecker::check_names()) vals.push_back(field("disco_check_" + name) == "pass" ? "1" : "0");
  return vals;
}

}  // namespace disco::docking
