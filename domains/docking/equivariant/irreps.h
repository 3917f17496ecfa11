#pragma once
// Irreducible representations of O(3) and layouts of features made of them ("24x0e + 6x1o").
//
// An irrep is (l, p): degree l (dimension 2l + 1) and parity p = +1 ('e', even) or -1 ('o', odd).
// Under a proper rotation R a feature of type (l, p) transforms by D^l(R); under the inversion -I it is
// multiplied by p. Spherical harmonics of degree l have parity (-1)^l, so a vector is 1o, a pseudovector
// (cross product, angular velocity, rotation score) is 1e, a pseudoscalar (signed volume, dihedral) is 0o.
//
// Layout in a tensor: the blocks follow each other along the last dimension; the block "mul x (l,p)"
// is stored as mul rows of 2l + 1 components (view it as (..., mul, 2l + 1)).
#include <cstdint>
#include <string>
#include <vector>

namespace disco::equivariant {

struct Irrep {
  int l = 0;
  int parity = 1;  // +1 even ('e'), -1 odd ('o')
  int dim() const { return 2 * l + 1; }
  bool operator==(const Irrep& o) const { return l == o.l && parity == o.parity; }
  bool operator!=(const Irrep& o) const { return !(*this == o); }
  std::string to_string() const;
};

struct MulIrrep {
  int64_t mul = 1;
  Irrep irrep;
  int64_t dim() const { return mul * irrep.dim(); }
};

class Irreps {
 public:
  Irreps() = default;
  explicit Irreps(std::vector<MulIrrep> blocks) : blocks_(std::move(blocks)) {}
  // Parses "24x0e + 24x0o + 6x1o + 6x1e" (a missing "Nx" means 1). Throws std::invalid_argument
  // naming the offending term.
  static Irreps parse(const std::string& text);
  // The spherical harmonics up to lmax: "1x0e + 1x1o + 1x2e ...".
  static Irreps spherical_harmonics(int lmax);

  const std::vector<MulIrrep>& blocks() const { return blocks_; }
  size_t size() const { return blocks_.size(); }
  const MulIrrep& operator[](size_t i) const { return blocks_[i]; }
  int64_t dim() const;
  // Offset of block i along the feature dimension.
  int64_t offset(size_t i) const;
  int lmax() const;
  // Total multiplicity of the blocks of exactly this irrep (e.g. how many 0e scalars).
  int64_t count(const Irrep& irrep) const;
  std::string to_string() const;
  Irreps operator+(const Irreps& other) const;

 private:
  std::vector<MulIrrep> blocks_;
};

// Whether (l1, p1) x (l2, p2) may couple to (l3, p3): triangle rule and parity product.
bool can_couple(const Irrep& a, const Irrep& b, const Irrep& out);

}  // namespace disco::equivariant
