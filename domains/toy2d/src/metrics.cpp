#include "metrics.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <string>

namespace disco::toy2d {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// Squared Euclidean costs between rows (a) and columns (b), recomputed on demand: for n = 4000 a
// dense matrix would be 128 MB, while recomputing costs 3 flops on cache-resident coordinates.
struct SqDistCost {
  std::vector<double> ax, ay, bx, by;
  double operator()(int i, int j) const {
    const double dx = ax[static_cast<size_t>(i)] - bx[static_cast<size_t>(j)];
    const double dy = ay[static_cast<size_t>(i)] - by[static_cast<size_t>(j)];
    return dx * dx + dy * dy;
  }
};

// The relaxation loop below is where W2 spends nearly all its time (one pass over the unscanned
// columns per scanned column). GCC/Clang vector extensions make it branch-free and 2 doubles wide
// (the x86-64 SSE2 baseline; 4-wide types are split badly without -mavx): ~20% faster than the
// scalar loop, which compiled to branches.
using V2d = double __attribute__((vector_size(16)));
using V2i = int64_t __attribute__((vector_size(16)));

inline V2d blend(V2i mask, V2d a, V2d b) {  // mask ? a : b, per lane
  return reinterpret_cast<V2d>((reinterpret_cast<V2i>(a) & mask) | (reinterpret_cast<V2i>(b) & ~mask));
}

// Lane-parallel running (min, argmin).
struct MinLanes {
  V2d best;
  V2i arg;
  void update(V2d value, V2i index) {
    const V2i better = reinterpret_cast<V2i>(value < best);
    best = blend(better, value, best);
    arg = (index & better) | (arg & ~better);
  }
};

// For positions k in [from, n): d[k] = min(d[k], |(ix,iy) - (px,py)[k]|^2 - pv[k] - h), setting
// pred[k] = row where it improves. Returns the position of the smallest new d (lowest position on
// ties; `from` when the range is empty) and stores that value in best_out.
size_t relax_todo(size_t from, size_t n, double ix, double iy, double h, int64_t row, const double* px,
                  const double* py, const double* pv, double* d, int64_t* pred, double& best_out) {
  const V2d vix = {ix, ix}, viy = {iy, iy}, vh = {h, h};
  const V2i vrow = {row, row}, step = {4, 4};
  const auto f = static_cast<int64_t>(from);
  MinLanes m0{{kInf, kInf}, {f, f}}, m1 = m0;  // two accumulators hide the compare/blend latency
  V2i idx0 = {f, f + 1}, idx1 = {f + 2, f + 3};
  auto relax2 = [&](size_t k, MinLanes& m, V2i idx) {
    V2d x, y, v, dk;
    V2i pr;
    std::memcpy(&x, px + k, sizeof x), std::memcpy(&y, py + k, sizeof y), std::memcpy(&v, pv + k, sizeof v);
    std::memcpy(&dk, d + k, sizeof dk), std::memcpy(&pr, pred + k, sizeof pr);
    const V2d dx = vix - x, dy = viy - y;
    const V2d v2 = dx * dx + dy * dy - v - vh;
    const V2i lt = reinterpret_cast<V2i>(v2 < dk);
    const V2d nd = blend(lt, v2, dk);
    pr = (vrow & lt) | (pr & ~lt);
    std::memcpy(d + k, &nd, sizeof nd), std::memcpy(pred + k, &pr, sizeof pr);
    m.update(nd, idx);
  };
  size_t k = from;
  for (; k + 4 <= n; k += 4) {
    relax2(k, m0, idx0);
    relax2(k + 2, m1, idx1);
    idx0 += step, idx1 += step;
  }
  double b = kInf;
  size_t kb = from;
  for (const MinLanes* m : {&m0, &m1})
    for (int l = 0; l < 2; ++l) {
      const auto a = static_cast<size_t>(m->arg[l]);
      if (m->best[l] < b || (m->best[l] == b && a < kb)) b = m->best[l], kb = a;
    }
  for (; k < n; ++k) {
    const double dx = ix - px[k], dy = iy - py[k];
    const double v2 = dx * dx + dy * dy - pv[k] - h;
    if (v2 < d[k]) d[k] = v2, pred[k] = row;
    if (d[k] < b) b = d[k], kb = k;
  }
  best_out = b;
  return kb;
}

// Jonker & Volgenant (1987), "A shortest augmenting path algorithm for dense and sparse linear
// assignment problems", without the augmenting-row-reduction heuristic (on clustered 2-D data it
// left most rows free anyway, at extra O(n^2) per pass). Returns row_sol: row i gets column row_sol[i].
//
// Invariant (dual feasibility): every assigned row i sits on a column minimising cost(i, j) - v[j].
// Column reduction and reduction transfer establish it; each augmentation preserves it.
std::vector<int> solve_lap(int n, const SqDistCost& cost) {
  const auto un = static_cast<size_t>(n);
  std::vector<int> row_sol(un, -1), col_sol(un, -1), matches(un, 0), free_rows;
  std::vector<double> v(un);

  // Column reduction: v[j] = column minimum; each column offers itself to its cheapest row.
  for (int j = n - 1; j >= 0; --j) {
    double mn = cost(0, j);
    int imin = 0;
    for (int i = 1; i < n; ++i) {
      const double c = cost(i, j);
      if (c < mn) mn = c, imin = i;
    }
    v[static_cast<size_t>(j)] = mn;
    const auto ui = static_cast<size_t>(imin);
    if (++matches[ui] == 1) {
      row_sol[ui] = j, col_sol[static_cast<size_t>(j)] = imin;
    } else if (mn < v[static_cast<size_t>(row_sol[ui])]) {
      col_sol[static_cast<size_t>(row_sol[ui])] = -1;
      row_sol[ui] = j, col_sol[static_cast<size_t>(j)] = imin;
    } else {
      col_sol[static_cast<size_t>(j)] = -1;
    }
  }

  // Reduction transfer: a row matched exactly once moves its slack onto its column's price.
  for (int i = 0; i < n; ++i) {
    const int m = matches[static_cast<size_t>(i)];
    if (m == 0) {
      free_rows.push_back(i);
    } else if (m == 1 && n > 1) {
      const int j1 = row_sol[static_cast<size_t>(i)];
      double mn = kInf;
      for (int j = 0; j < n; ++j)
        if (j != j1) mn = std::min(mn, cost(i, j) - v[static_cast<size_t>(j)]);
      v[static_cast<size_t>(j1)] -= mn;
    }
  }

  // Augmentation: per free row, Dijkstra over columns on reduced costs until a free column is
  // reached, then flip the alternating path. Column data live in arrays indexed by a position k
  // that is permuted so that positions are [scanned | ready (d == mn) | todo]; the hot relaxation
  // loop then streams contiguous memory instead of gathering through a column list.
  std::vector<int> col_at(un), pos(un);
  std::vector<int64_t> pred(un);  // row preceding the column in the tree (64-bit: SIMD lane width)
  std::vector<double> px(un), py(un), pv(un), d(un);
  for (size_t k = 0; k < un; ++k) {
    col_at[k] = static_cast<int>(k), pos[k] = static_cast<int>(k);
    px[k] = cost.bx[k], py[k] = cost.by[k], pv[k] = v[k];
  }
  auto swap_pos = [&](size_t k1, size_t k2) {
    if (k1 == k2) return;
    std::swap(col_at[k1], col_at[k2]);
    std::swap(px[k1], px[k2]), std::swap(py[k1], py[k2]), std::swap(pv[k1], pv[k2]);
    std::swap(d[k1], d[k2]), std::swap(pred[k1], pred[k2]);
    pos[static_cast<size_t>(col_at[k1])] = static_cast<int>(k1);
    pos[static_cast<size_t>(col_at[k2])] = static_cast<int>(k2);
  };
  auto is_free = [&](size_t k) { return col_sol[static_cast<size_t>(col_at[k])] < 0; };

  for (const int free_row : free_rows) {
    const double fx = cost.ax[static_cast<size_t>(free_row)], fy = cost.ay[static_cast<size_t>(free_row)];
    size_t kmin = 0;  // argmin of d over the todo block, kept from the last full pass over it
    for (size_t k = 0; k < un; ++k) {
      const double dx = fx - px[k], dy = fy - py[k];
      d[k] = dx * dx + dy * dy - pv[k];
      pred[k] = free_row;
      if (d[k] < d[kmin]) kmin = k;
    }
    size_t low = 0, up = 0, end = un;  // end: position of the free column that ends the path
    ptrdiff_t last = -1;               // scanned positions [0, last] get their prices updated
    bool kmin_valid = true;
    double mn = 0;
    while (end == un) {
      if (up == low) {
        // Ready block empty: the todo column with the smallest d becomes ready.
        last = static_cast<ptrdiff_t>(low) - 1;
        if (!kmin_valid) {
          kmin = up;
          for (size_t k = up + 1; k < un; ++k)
            if (d[k] < d[kmin]) kmin = k;
        }
        mn = d[kmin];
        swap_pos(kmin, up++);
        if (is_free(up - 1)) {
          end = up - 1;
          break;
        }
      }
      // Scan one ready column: relax the todo block through the row assigned to it.
      const size_t k1 = low++;
      const int i = col_sol[static_cast<size_t>(col_at[k1])];
      const double ix = cost.ax[static_cast<size_t>(i)], iy = cost.ay[static_cast<size_t>(i)];
      const double dx1 = ix - px[k1], dy1 = iy - py[k1];
      const double h = dx1 * dx1 + dy1 * dy1 - pv[k1] - mn;
      double best_all = kInf;
      kmin = relax_todo(up, un, ix, iy, h, i, px.data(), py.data(), pv.data(), d.data(), pred.data(), best_all);
      kmin_valid = up < un;
      // Todo columns that reached mn (ties; in exact arithmetic d >= mn always) join the ready
      // block now, as in JV; a free one among them ends the search.
      if (best_all <= mn) {
        kmin_valid = false;
        for (size_t k = up; k < un; ++k)
          if (d[k] <= mn) {
            swap_pos(k, up++);
            if (is_free(up - 1)) {
              end = up - 1;
              break;
            }
          }
      }
    }
    // Price update for the columns scanned before the final ready batch keeps the invariant.
    for (ptrdiff_t k = 0; k <= last; ++k) pv[static_cast<size_t>(k)] += d[static_cast<size_t>(k)] - mn;
    // Flip the alternating path back to free_row.
    for (size_t k = end;;) {
      const int j = col_at[k], i = static_cast<int>(pred[k]);
      col_sol[static_cast<size_t>(j)] = i;
      const int next = row_sol[static_cast<size_t>(i)];
      row_sol[static_cast<size_t>(i)] = j;
      if (i == free_row) break;
      k = static_cast<size_t>(pos[static_cast<size_t>(next)]);
    }
  }
  return row_sol;
}

void check_params(double sigma, double k_sigma) {
  if (!(sigma > 0) || !(k_sigma > 0) || !std::isfinite(sigma) || !std::isfinite(k_sigma))
    throw std::invalid_argument("toy2d metrics: sigma and k_sigma must be positive and finite (got sigma=" +
                                std::to_string(sigma) + ", k_sigma=" + std::to_string(k_sigma) + ")");
}

}  // namespace

double wasserstein2_exact(const std::vector<Point>& a, const std::vector<Point>& b) {
  if (a.size() != b.size())
    throw std::invalid_argument("wasserstein2_exact: point sets differ in size (" + std::to_string(a.size()) +
                                " vs " + std::to_string(b.size()) + ")");
  if (a.empty()) return 0.0;
  if (a.size() > static_cast<size_t>(std::numeric_limits<int>::max() / 2))
    throw std::invalid_argument("wasserstein2_exact: too many points");
  const int n = static_cast<int>(a.size());
  SqDistCost cost;
  cost.ax.reserve(a.size()), cost.ay.reserve(a.size()), cost.bx.reserve(b.size()), cost.by.reserve(b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    if (!std::isfinite(a[i].x) || !std::isfinite(a[i].y) || !std::isfinite(b[i].x) || !std::isfinite(b[i].y))
      throw std::invalid_argument("wasserstein2_exact: non-finite coordinate at index " + std::to_string(i));
    cost.ax.push_back(a[i].x), cost.ay.push_back(a[i].y);
    cost.bx.push_back(b[i].x), cost.by.push_back(b[i].y);
  }
  const std::vector<int> row_sol = solve_lap(n, cost);
  // Sum the matched costs directly (not from the duals) so the result is accurate to rounding.
  long double total = 0;
  for (int i = 0; i < n; ++i) total += cost(i, row_sol[static_cast<size_t>(i)]);
  return std::sqrt(static_cast<double>(total / n));
}

std::vector<int> assign_modes(const std::vector<Point>& pts, const std::vector<Point>& means, double sigma,
                              double k_sigma) {
  check_params(sigma, k_sigma);
  const double r = k_sigma * sigma, r2 = r * r;
  std::vector<int> out(pts.size(), -1);
  for (size_t i = 0; i < pts.size(); ++i) {
    double best = kInf;
    int best_k = -1;
    for (size_t k = 0; k < means.size(); ++k) {
      const double dx = pts[i].x - means[k].x, dy = pts[i].y - means[k].y;
      const double d2 = dx * dx + dy * dy;
      if (d2 < best) best = d2, best_k = static_cast<int>(k);
    }
    // NaN points compare false everywhere and stay off-mode.
    if (best_k >= 0 && best <= r2) out[i] = best_k;
  }
  return out;
}

double off_mode_fraction(const std::vector<Point>& pts, const std::vector<Point>& means, double sigma,
                         double k_sigma) {
  const std::vector<int> modes = assign_modes(pts, means, sigma, k_sigma);
  if (modes.empty()) return 0.0;
  const auto off = std::count(modes.begin(), modes.end(), -1);
  return static_cast<double>(off) / static_cast<double>(modes.size());
}

std::vector<double> mode_masses(const std::vector<Point>& pts, const std::vector<Point>& means, double sigma,
                                double k_sigma) {
  const std::vector<int> modes = assign_modes(pts, means, sigma, k_sigma);
  std::vector<double> mass(means.size(), 0.0);
  size_t on = 0;
  for (const int m : modes)
    if (m >= 0) mass[static_cast<size_t>(m)] += 1, ++on;
  if (on > 0)
    for (double& m : mass) m /= static_cast<double>(on);
  return mass;
}

double mode_mass_error(const std::vector<double>& masses, const std::vector<double>& target) {
  if (!target.empty() && target.size() != masses.size())
    throw std::invalid_argument("mode_mass_error: target has " + std::to_string(target.size()) +
                                " entries, masses " + std::to_string(masses.size()));
  double err = 0;
  const double uniform = masses.empty() ? 0.0 : 1.0 / static_cast<double>(masses.size());
  for (size_t i = 0; i < masses.size(); ++i)
    err = std::max(err, std::fabs(masses[i] - (target.empty() ? uniform : target[i])));
  return err;
}

}  // namespace disco::toy2d
