#include "equivariant/irreps.h"

#include <cctype>
#include <cstdlib>
#include <sstream>
#include <stdexcept>

namespace disco::equivariant {

std::string Irrep::to_string() const { return std::to_string(l) + (parity > 0 ? "e" : "o"); }

namespace {
std::string trim(const std::string& s) {
  size_t a = 0, b = s.size();
  while (a < b && std::isspace(static_cast<unsigned char>(s[a]))) ++a;
  while (b > a && std::isspace(static_cast<unsigned char>(s[b - 1]))) --b;
  return s.substr(a, b - a);
}

MulIrrep parse_term(const std::string& term_text, const std::string& whole) {
  const std::string term = trim(term_text);
  auto fail = [&](const std::string& why) {
    throw std::invalid_argument("irreps \"" + whole + "\": term \"" + term + "\" " + why);
  };
  MulIrrep out;
  std::string ir = term;
  const size_t x = term.find('x');
  if (x != std::string::npos) {
    const std::string mul = trim(term.substr(0, x));
    if (mul.empty() || mul.find_first_not_of("0123456789") != std::string::npos) fail("has a bad multiplicity");
    out.mul = std::stoll(mul);
    ir = trim(term.substr(x + 1));
  }
  if (ir.size() < 2) fail("is not of the form [N x] <l><e|o>");
  const char p = ir.back();
  if (p != 'e' && p != 'o') fail("must end in 'e' or 'o'");
  const std::string l = ir.substr(0, ir.size() - 1);
  if (l.empty() || l.find_first_not_of("0123456789") != std::string::npos) fail("has a bad degree l");
  out.irrep.l = std::stoi(l);
  out.irrep.parity = p == 'e' ? 1 : -1;
  if (out.irrep.l > 2) fail("has l > 2, which this implementation does not support");
  return out;
}
}  // namespace

Irreps Irreps::parse(const std::string& text) {
  std::vector<MulIrrep> blocks;
  std::stringstream ss(text);
  std::string term;
  while (std::getline(ss, term, '+')) {
    if (trim(term).empty()) throw std::invalid_argument("irreps \"" + text + "\": empty term");
    MulIrrep b = parse_term(term, text);
    if (b.mul > 0) blocks.push_back(b);
  }
  return Irreps(std::move(blocks));
}

Irreps Irreps::spherical_harmonics(int lmax) {
  std::vector<MulIrrep> blocks;
  for (int l = 0; l <= lmax; ++l) blocks.push_back({1, {l, (l % 2 == 0) ? 1 : -1}});
  return Irreps(std::move(blocks));
}

int64_t Irreps::dim() const {
  int64_t d = 0;
  for (const auto& b : blocks_) d += b.dim();
  return d;
}

int64_t Irreps::offset(size_t i) const {
  int64_t d = 0;
  for (size_t k = 0; k < i; ++k) d += blocks_[k].dim();
  return d;
}

int Irreps::lmax() const {
  int l = 0;
  for (const auto& b : blocks_) l = std::max(l, b.irrep.l);
  return l;
}

int64_t Irreps::count(const Irrep& irrep) const {
  int64_t n = 0;
  for (const auto& b : blocks_)
    if (b.irrep == irrep) n += b.mul;
  return n;
}

std::string Irreps::to_string() const {
  std::string s;
  for (const auto& b : blocks_) {
    if (!s.empty()) s += " + ";
    s += std::to_string(b.mul) + "x" + b.irrep.to_string();
  }
  return s;
}

Irreps Irreps::operator+(const Irreps& other) const {
  std::vector<MulIrrep> b = blocks_;
  b.insert(b.end(), other.blocks_.begin(), other.blocks_.end());
  return Irreps(std::move(b));
}

bool can_couple(const Irrep& a, const Irrep& b, const Irrep& out) {
  return out.l >= std::abs(a.l - b.l) && out.l <= a.l + b.l && out.parity == a.parity * b.parity;
}

}  // namespace disco::equivariant
