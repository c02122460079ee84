// The surface-layers codec (compression/codecs.hpp): a channel as one sequence of values, bottom
// to top, and the surfaces between them.
//
// Strata stack the same way across a chunk: every column's layers, bottom-up, are the chunk's
// sequence with some layers left out (thickness 0). So the channel is K values s_0..s_{K-1} and
// K - 1 surfaces: surface k (1..K-1) is a 32 x 32 height map, 0..32, where layer k starts in each
// column, never below surface k - 1. A voxel at height z holds s_n, n the number of surfaces at or
// below z. A surface is coded as a whole: a constant, a plane, or an offset above the surface
// below, each corrected by a list of exceptions; or, for a surface none of those fit (the ground
// of a DEM), column by column against the planar prediction from its neighbours. Dipping beds are
// quantised planes, so most surfaces cost a plane and a few exceptions, and decoding them is a pass
// over the output with no decision per column.
//
// Every decision is coded with the adaptive binary range coder of internal/range_coder.hpp; the
// model below runs the same on both sides. docs/format.md has the payload.
#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstring>
#include <vector>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "base/assert.hpp"
#include "compression/codecs.hpp"
#include "compression/internal/columns.hpp"
#include "compression/internal/range_coder.hpp"

namespace strata::compression {

namespace {

using internal::probability;

constexpr std::size_t columns = edge * edge;
constexpr int last_top = edge;
constexpr int plane_fraction_bits = 16;
// A plane's slopes and offset stay within these (in 1/65536ths): far beyond any chunk's surface.
constexpr std::int64_t plane_slope_limit = std::int64_t{1} << 24;
constexpr std::int64_t plane_offset_limit = std::int64_t{1} << 32;

enum class surface_mode : std::uint8_t { constant = 0, plane = 1, offset = 2, predicted = 3 };

// Probabilities for an unsigned number in Elias gamma: the bit length in unary, then the bits
// below the leading one, each position in its own context.
struct number_model {
  std::array<probability, 34> length;
  std::array<probability, 34> mantissa;
  probability zero;
  probability negative;
};

struct model {
  std::array<probability, 16> count;  // K - 1, 4 bits
  std::array<probability, 256> value;
  std::array<probability, 4> mode;
  std::array<probability, 64> constant;
  number_model plane_a, plane_b, plane_c, offset, exceptions, gap, correction, residual;
  std::array<probability, 3> dense;
  std::array<probability, 64> residual_zero;
  std::array<probability, 3> residual_negative;
};

template <class Coder>
unsigned code_tree(Coder& coder, probability* probs, int bits, unsigned truth) {
  unsigned node = 1;
  for (int bit = bits - 1; bit >= 0; --bit)
    node = node << 1 | coder.bit(probs[node], Coder::encoding && (truth >> bit & 1u));
  return node & ((1u << bits) - 1u);
}

// 0..2^33 - 2.
template <class Coder>
std::uint64_t code_unsigned(Coder& coder, number_model& m, std::uint64_t truth) {
  const std::uint64_t v = truth + 1;
  const int width = Coder::encoding ? std::bit_width(v) - 1 : 0;
  int n = 0;
  while (n < 33 && coder.bit(m.length[n], Coder::encoding && n < width))
    ++n;
  std::uint64_t out = 1;
  for (int bit = n - 1; bit >= 0; --bit)
    out = out << 1 | coder.bit(m.mantissa[bit], Coder::encoding && (v >> bit & 1u));
  return out - 1;
}

template <class Coder>
std::int64_t code_nonzero(Coder& coder, number_model& m, probability& negative,
                          std::int64_t truth) {
  const bool below = coder.bit(negative, Coder::encoding && truth < 0);
  const std::uint64_t magnitude =
      Coder::encoding ? static_cast<std::uint64_t>(truth < 0 ? -truth : truth) : 1;
  const auto size = static_cast<std::int64_t>(code_unsigned(coder, m, magnitude - 1) + 1);
  return below ? -size : size;
}

template <class Coder>
std::int64_t code_signed(Coder& coder, number_model& m, std::int64_t truth) {
  if (!coder.bit(m.zero, Coder::encoding && truth != 0))
    return 0;
  return code_nonzero(coder, m, m.negative, truth);
}

// The heights of every surface, surface k at [k]; [0] is all 0 (where s_0 starts).
using surfaces = std::array<std::array<std::uint8_t, columns>, 16>;
constexpr int max_values = 16;

// A plane: the height at (x, y) is floor((a + b x + c y) / 65536).
struct plane {
  std::int64_t a = 0, b = 0, c = 0;
};

// How the encoder codes one surface.
struct surface_choice {
  surface_mode mode = surface_mode::predicted;
  int constant = 0;
  plane p;
  int offset = 0;
  bool dense = false;
};

// The base of a surface under a constant, plane or offset: clamped to lo..32.
inline void base_of(const surface_choice& s, const std::uint8_t* lo, std::uint8_t* out) {
  switch (s.mode) {
    case surface_mode::constant:
      for (std::size_t n = 0; n < columns; ++n)
        out[n] = std::max(lo[n], static_cast<std::uint8_t>(s.constant));
      return;
    case surface_mode::offset:
      for (std::size_t n = 0; n < columns; ++n)
        out[n] = static_cast<std::uint8_t>(std::min(lo[n] + s.offset, last_top));
      return;
    case surface_mode::plane:
      for (std::size_t y = 0; y < edge; ++y) {
        std::int64_t v = s.p.a + s.p.c * static_cast<std::int64_t>(y);
        for (std::size_t x = 0; x < edge; ++x, v += s.p.b) {
          const std::size_t n = x + edge * y;
          const auto h = std::clamp<std::int64_t>(v >> plane_fraction_bits, lo[n], last_top);
          out[n] = static_cast<std::uint8_t>(h);
        }
      }
      return;
    case surface_mode::predicted:
      return;
  }
}

// A surface column by column: each a correction to its prediction, the base or, for `predicted`,
// L + B - D (B in the first column, L in the first row, the surface below at the first), clamped
// to lo..32. A correction's contexts are whether the neighbours needed one.
template <class Coder>
bool code_dense(Coder& coder, model& m, bool predicted, const std::uint8_t* base,
                const std::uint8_t* lo, std::uint8_t* heights) {
  constexpr bool encoding = Coder::encoding;
  // Bit x: whether the correction at x in the row below was nonzero. The row being coded keeps
  // its left neighbour in registers: decoding is one chain from column to column.
  std::uint32_t below_nonzero = 0;
  for (std::size_t y = 0; y < edge; ++y) {
    const std::uint8_t* below = heights + (y > 0 ? y - 1 : 0) * edge;
    std::uint8_t* row = heights + y * edge;
    const std::uint8_t* row_lo = lo + y * edge;
    const std::uint64_t shifted = std::uint64_t{below_nonzero} << 1;  // bit x + 1: the one at x
    std::uint32_t row_nonzero = 0;
    int left = 0;             // the height at x - 1
    std::int64_t before = 0;  // the correction at x - 1
    for (std::size_t x = 0; x < edge; ++x) {
      int prediction;
      int edge_context = 0;
      if (!predicted) {
        prediction = base[y * edge + x];
      } else if (y > 0) {
        prediction = x > 0 ? left + below[x] - below[x - 1] : below[x];
        edge_context = x > 0 ? 0 : 2;
      } else {
        prediction = x > 0 ? left : row_lo[x];
        edge_context = x > 0 ? 1 : 3;
      }
      prediction = std::clamp(prediction, static_cast<int>(row_lo[x]), last_top);
      const int context = (before != 0) + 2 * (shifted >> (x + 1) & 1u) + 4 * (shifted >> x & 1u) +
                          8 * (shifted >> (x + 2) & 1u) + 16 * edge_context;
      const int truth = encoding ? row[x] - prediction : 0;
      std::int64_t correction = 0;
      if (coder.bit(m.residual_zero[context], encoding && truth != 0))
        correction = code_nonzero(coder, m.residual,
                                  m.residual_negative[(before > 0) - (before < 0) + 1], truth);
      const std::int64_t h = prediction + correction;
      if (h < row_lo[x] || h > last_top)
        return false;
      row[x] = static_cast<std::uint8_t>(h);
      left = static_cast<int>(h);
      before = correction;
      row_nonzero |= static_cast<std::uint32_t>(correction != 0) << x;
    }
    below_nonzero = row_nonzero;
  }
  return true;
}

// One surface: its base (a constant, a plane, an offset above the surface below, or the planar
// prediction from its neighbours) and the corrections to it, as a list of exceptions or column by
// column. `lo` is the surface below; `heights` holds the surface when encoding and receives it
// when decoding. False when the decisions do not form a surface.
template <class Coder>
bool code_surface(Coder& coder, model& m, const surface_choice& choice, const std::uint8_t* lo,
                  std::uint8_t* heights) {
  constexpr bool encoding = Coder::encoding;
  surface_choice s;
  s.mode = static_cast<surface_mode>(
      code_tree(coder, m.mode.data(), 2, encoding ? static_cast<unsigned>(choice.mode) : 0));
  switch (s.mode) {
    case surface_mode::constant:
      s.constant = static_cast<int>(code_tree(
          coder, m.constant.data(), 6, encoding ? static_cast<unsigned>(choice.constant) : 0));
      if (s.constant > last_top)
        return false;
      break;
    case surface_mode::plane:
      s.p.a = code_signed(coder, m.plane_a, choice.p.a);
      s.p.b = code_signed(coder, m.plane_b, choice.p.b);
      s.p.c = code_signed(coder, m.plane_c, choice.p.c);
      if (std::abs(s.p.a) >= plane_offset_limit || std::abs(s.p.b) >= plane_slope_limit ||
          std::abs(s.p.c) >= plane_slope_limit)
        return false;
      break;
    case surface_mode::offset: {
      const std::uint64_t offset =
          code_unsigned(coder, m.offset, encoding ? static_cast<std::uint64_t>(choice.offset) : 0);
      if (offset > last_top)
        return false;
      s.offset = static_cast<int>(offset);
      break;
    }
    case surface_mode::predicted:
      break;
  }
  std::array<std::uint8_t, columns> base;
  const bool predicted = s.mode == surface_mode::predicted;
  if (!predicted)
    base_of(s, lo, base.data());
  if (predicted || coder.bit(m.dense[static_cast<unsigned>(s.mode)], encoding && choice.dense))
    return code_dense(coder, m, predicted, base.data(), lo, heights);
  // The exceptions: their count, and each as the gap from the one before and its correction.
  std::array<std::uint16_t, columns> at;
  std::size_t count = 0;
  if (encoding)
    for (std::size_t n = 0; n < columns; ++n)
      if (heights[n] != base[n])
        at[count++] = static_cast<std::uint16_t>(n);
  count = code_unsigned(coder, m.exceptions, count);
  if (count > columns)
    return false;
  if (!encoding)
    std::memcpy(heights, base.data(), columns);
  std::size_t next = 0;
  for (std::size_t e = 0; e < count; ++e) {
    const std::uint64_t gap = code_unsigned(coder, m.gap, encoding ? at[e] - next : 0);
    if (gap >= columns - next)
      return false;
    const std::size_t n = next + gap;
    const auto correction = code_nonzero(coder, m.correction, m.correction.negative,
                                         encoding ? heights[n] - base[n] : 0);
    const std::int64_t h = base[n] + correction;
    if (h < lo[n] || h > last_top)
      return false;
    heights[n] = static_cast<std::uint8_t>(h);
    next = n + 1;
  }
  return true;
}

// The values, then every surface.
template <class Coder>
bool code_channel(Coder& coder, model& m, std::array<std::uint8_t, max_values>& values, int& count,
                  const surface_choice* choices, surfaces& heights) {
  count = static_cast<int>(code_tree(coder, m.count.data(), 4,
                                     Coder::encoding ? static_cast<unsigned>(count - 1) : 0)) +
          1;
  for (int k = 0; k < count; ++k) {
    values[k] = static_cast<std::uint8_t>(code_tree(coder, m.value.data(), 8, values[k]));
    if (k > 0 && values[k] == values[k - 1])
      return false;
  }
  for (int k = 1; k < count; ++k)
    if (!code_surface(coder, m, Coder::encoding ? choices[k] : surface_choice{},
                      heights[k - 1].data(), heights[k].data()))
      return false;
  return true;
}

// --- The encoder's choices ---

// A coder that codes nothing: it counts the bits the decisions would cost and updates the model as
// the encoder would.
class cost_coder {
 public:
  static constexpr bool encoding = true;
  bool bit(probability& prob, bool value) {
    const std::uint32_t p = value ? (1u << internal::probability_bits) - prob.p() : prob.p();
    bits_ += table()[p];
    ++decisions_;
    prob.update(value);
    return value;
  }
  double bits() const { return bits_; }
  double decisions() const { return decisions_; }

 private:
  static const std::array<float, 2049>& table() {
    static const std::array<float, 2049> costs = [] {
      std::array<float, 2049> t{};
      for (std::size_t p = 1; p < t.size(); ++p)
        t[p] = static_cast<float>(-std::log2(static_cast<double>(p) / 2048.0));
      t[0] = 16;
      return t;
    }();
    return costs;
  }
  double bits_ = 0;
  double decisions_ = 0;
};

std::size_t exceptions_of(const surface_choice& s, const std::uint8_t* lo, const std::uint8_t* h) {
  std::array<std::uint8_t, columns> base;
  base_of(s, lo, base.data());
  std::size_t count = 0;
  for (std::size_t n = 0; n < columns; ++n)
    count += base[n] != h[n];
  return count;
}

// The plane through the most columns of a surface, found by least squares and refined by a local
// search over its slopes: for given slopes, the offset that fits most columns is found by a sweep.
// Only columns strictly between the clamps (above lo, below 32) count. False when fewer than 3
// do.
bool fit_plane(const std::uint8_t* lo, const std::uint8_t* h, plane& best) {
  double sxx = 0, sxy = 0, syy = 0, sx = 0, sy = 0, n = 0, sz = 0, sxz = 0, syz = 0;
  for (std::size_t y = 0; y < edge; ++y)
    for (std::size_t x = 0; x < edge; ++x) {
      const std::size_t at = x + edge * y;
      if (h[at] <= lo[at] || h[at] >= last_top)
        continue;
      const double z = h[at] + 0.5;
      sxx += x * x, sxy += x * y, syy += y * y, sx += x, sy += y, n += 1;
      sz += z, sxz += x * z, syz += y * z;
    }
  if (n < 3)
    return false;
  // Solve [sxx sxy sx; sxy syy sy; sx sy n] [B C A] = [sxz syz sz] by Cramer's rule.
  auto det3 = [](double a, double b, double c, double d, double e, double f, double g, double hh,
                 double i) {
    return a * (e * i - f * hh) - b * (d * i - f * g) + c * (d * hh - e * g);
  };
  const double d = det3(sxx, sxy, sx, sxy, syy, sy, sx, sy, n);
  if (std::abs(d) < 1e-9)
    return false;
  const double B = det3(sxz, sxy, sx, syz, syy, sy, sz, sy, n) / d;
  const double C = det3(sxx, sxz, sx, sxy, syz, sy, sx, sz, n) / d;
  const double A = det3(sxx, sxy, sxz, sxy, syy, syz, sx, sy, sz) / d;
  // A surface far from any plane (the ground) is not worth the search.
  double squares = 0;
  for (std::size_t y = 0; y < edge; ++y)
    for (std::size_t x = 0; x < edge; ++x) {
      const std::size_t at = x + edge * y;
      if (h[at] > lo[at] && h[at] < last_top) {
        const double miss = h[at] + 0.5 - (A + B * x + C * y);
        squares += miss * miss;
      }
    }
  if (squares > n)
    return false;
  const double scale = std::ldexp(1.0, plane_fraction_bits);
  if (std::abs(B) * scale >= plane_slope_limit / 2 || std::abs(C) * scale >= plane_slope_limit / 2)
    return false;
  // For slopes (b, c), the offset that puts the most of those columns at their height: column
  // n wants a in [t_n, t_n + 1) (in 1/65536ths), so the best a ends the fullest window of width 1
  // over the sorted t.
  std::vector<std::int64_t> wants;
  wants.reserve(columns);
  const std::int64_t one = std::int64_t{1} << plane_fraction_bits;
  const auto interior = static_cast<std::size_t>(n);
  auto wanted = [&](std::int64_t b, std::int64_t c) {
    wants.clear();
    for (std::size_t y = 0; y < edge; ++y)
      for (std::size_t x = 0; x < edge; ++x) {
        const std::size_t at = x + edge * y;
        if (h[at] > lo[at] && h[at] < last_top)
          wants.push_back(h[at] * one - b * static_cast<std::int64_t>(x) -
                          c * static_cast<std::int64_t>(y));
      }
  };
  auto best_offset = [&](std::int64_t b, std::int64_t c, std::int64_t& a) {
    wanted(b, c);
    std::sort(wants.begin(), wants.end());
    std::size_t most = 0, from = 0;
    for (std::size_t to = 0; to < wants.size(); ++to) {
      while (wants[to] - wants[from] >= one)
        ++from;
      if (to + 1 - from > most) {
        most = to + 1 - from;
        a = wants[to];
      }
    }
    return most;
  };
  // The same count, for the search, without a sort: at least the columns whose t falls in the
  // fullest 16 consecutive sixteenths of a voxel, counted in a histogram from the median t.
  auto about = [&](std::int64_t b, std::int64_t c) {
    wanted(b, c);
    const auto middle = wants.begin() + static_cast<std::ptrdiff_t>(wants.size() / 2);
    std::nth_element(wants.begin(), middle, wants.end());
    const std::int64_t origin = *middle - 4 * one;
    constexpr int bins = 8 * 16;
    std::array<std::uint16_t, bins> histogram{};
    for (const std::int64_t t : wants) {
      const std::int64_t bin = (t - origin) / (one / 16);
      if (t >= origin && bin < bins)
        ++histogram[static_cast<std::size_t>(bin)];
    }
    std::size_t window = 0, most = 0;
    for (int bin = 0; bin < bins; ++bin) {
      window += histogram[static_cast<std::size_t>(bin)];
      if (bin >= 16)
        window -= histogram[static_cast<std::size_t>(bin - 16)];
      most = std::max(most, window);
    }
    return most;
  };
  std::int64_t b = std::llround(B * scale), c = std::llround(C * scale), a = 0;
  std::size_t fit = about(b, c);
  int tries = 0;
  for (std::int64_t step = 128; step >= 1 && fit < interior && tries < 16; ++tries) {
    bool moved = false;
    for (const auto& [db, dc] : {std::pair{step, 0L}, {-step, 0L}, {0L, step}, {0L, -step}}) {
      const std::size_t f = about(b + db, c + dc);
      if (f > fit) {
        fit = f, b += db, c += dc;
        moved = true;
        break;
      }
    }
    if (!moved)
      step /= 2;
  }
  best_offset(b, c, a);
  if (std::abs(a) >= plane_offset_limit)
    return false;
  best = {a, b, c};
  return true;
}

// The most common value of f(n) over the columns, f in 0..32.
template <class F>
int most_common(F f) {
  std::array<int, last_top + 1> seen{};
  for (std::size_t n = 0; n < columns; ++n)
    ++seen[static_cast<std::size_t>(f(n))];
  return static_cast<int>(std::max_element(seen.begin(), seen.end()) - seen.begin());
}

// What a decision costs in decoding time, in bits of payload: the weight that trades one for the
// other (about 4 ns a decision, at the balanced selector's 2 bytes a microsecond, and then some:
// the codec exists to decode fast).
constexpr double decision_bits = 0.25;

// The cheapest way to code surface k, given the model as it stands.
surface_choice choose(const model& m, const std::uint8_t* lo, std::uint8_t* h) {
  std::vector<surface_choice> options;
  surface_choice s;
  s.mode = surface_mode::constant;
  s.constant = most_common([&](std::size_t n) { return h[n]; });
  options.push_back(s);
  s.mode = surface_mode::offset;
  s.offset = most_common([&](std::size_t n) { return h[n] - lo[n]; });
  options.push_back(s);
  if (exceptions_of(options[0], lo, h) > 0 && exceptions_of(options[1], lo, h) > 0 &&
      fit_plane(lo, h, s.p)) {
    s.mode = surface_mode::plane;
    options.push_back(s);
  }
  for (std::size_t k = 0, sparse = options.size(); k < sparse; ++k) {
    options.push_back(options[k]);
    options.back().dense = true;
  }
  s.mode = surface_mode::predicted;
  options.push_back(s);
  surface_choice best;
  double best_bits = 0;
  for (const surface_choice& option : options) {
    model trial = m;
    cost_coder cost;
    code_surface(cost, trial, option, lo, h);
    const double bits = cost.bits() + cost.decisions() * decision_bits;
    if (&option == &options.front() || bits < best_bits) {
      best = option;
      best_bits = bits;
    }
  }
  return best;
}

// Merges `next` into `sequence`: their shortest common supersequence.
std::vector<std::uint8_t> merge(const std::vector<std::uint8_t>& a,
                                const std::vector<std::uint8_t>& b) {
  const std::size_t n = a.size(), m = b.size();
  std::vector<std::vector<int>> lcs(n + 1, std::vector<int>(m + 1, 0));
  for (std::size_t i = n; i-- > 0;)
    for (std::size_t j = m; j-- > 0;)
      lcs[i][j] = a[i] == b[j] ? lcs[i + 1][j + 1] + 1 : std::max(lcs[i + 1][j], lcs[i][j + 1]);
  std::vector<std::uint8_t> out;
  std::size_t i = 0, j = 0;
  while (i < n && j < m) {
    if (a[i] == b[j]) {
      out.push_back(a[i]);
      ++i, ++j;
    } else if (lcs[i + 1][j] >= lcs[i][j + 1]) {
      out.push_back(a[i++]);
    } else {
      out.push_back(b[j++]);
    }
  }
  out.insert(out.end(), a.begin() + static_cast<std::ptrdiff_t>(i), a.end());
  out.insert(out.end(), b.begin() + static_cast<std::ptrdiff_t>(j), b.end());
  return out;
}

// Writes the channel from its values and surfaces: each surface adds its step (its value less the
// one below) at its height in every column, into a scratch volume one plane taller than the chunk
// (a surface at 32 adds nothing to it); the channel is then the running sum of those planes, from
// the bottom, on top of the first value.
void write_channel(const std::array<std::uint8_t, max_values>& values, int count,
                   const surfaces& heights, channel_span out) {
  thread_local std::array<std::uint8_t, (edge + 1) * columns> steps;
  std::memset(steps.data(), 0, steps.size());
  for (int k = 1; k < count; ++k) {
    const auto step = static_cast<std::uint8_t>(values[k] - values[k - 1]);
    const std::uint8_t* h = heights[k].data();
    for (std::size_t n = 0; n < columns; ++n)
      steps[h[n] * columns + n] = static_cast<std::uint8_t>(steps[h[n] * columns + n] + step);
  }
  std::uint8_t* o = out.data();
#if defined(__SSE2__)
  const __m128i first = _mm_set1_epi8(static_cast<char>(values[0]));
  for (std::size_t n = 0; n < columns; n += 16)
    _mm_storeu_si128(
        reinterpret_cast<__m128i*>(o + n),
        _mm_add_epi8(first, _mm_loadu_si128(reinterpret_cast<const __m128i*>(steps.data() + n))));
  for (std::size_t n = columns; n < voxels; n += 16)
    _mm_storeu_si128(
        reinterpret_cast<__m128i*>(o + n),
        _mm_add_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(o + n - columns)),
                     _mm_loadu_si128(reinterpret_cast<const __m128i*>(steps.data() + n))));
#else
  for (std::size_t n = 0; n < columns; ++n) {
    std::uint8_t sum = values[0];
    for (std::size_t z = 0; z < edge; ++z) {
      sum = static_cast<std::uint8_t>(sum + steps[z * columns + n]);
      o[z * columns + n] = sum;
    }
  }
#endif
}

}  // namespace

bool encode_surface_layers(channel_view in, std::string& out) {
  // Each column's sequence of values, and the chunk's: the merge of the distinct ones, most
  // common first.
  struct column_layers {
    std::uint8_t count;
    std::array<std::uint8_t, edge> value, top;
  };
  thread_local std::array<column_layers, columns> stacks;
  std::vector<std::pair<std::vector<std::uint8_t>, int>> distinct;
  for (std::size_t n = 0; n < columns; ++n) {
    column_layers& c = stacks[n];
    c.count = internal::layers_of(in, n, c.value.data(), c.top.data());
    std::vector<std::uint8_t> sequence(c.value.begin(), c.value.begin() + c.count);
    auto found = std::find_if(distinct.begin(), distinct.end(),
                              [&](const auto& d) { return d.first == sequence; });
    if (found == distinct.end())
      distinct.emplace_back(std::move(sequence), 1);
    else
      ++found->second;
    if (distinct.size() > 64)
      return false;
  }
  std::stable_sort(distinct.begin(), distinct.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  std::vector<std::uint8_t> sequence = distinct.front().first;
  for (std::size_t d = 1; d < distinct.size() && sequence.size() <= max_values; ++d)
    sequence = merge(sequence, distinct[d].first);
  if (sequence.size() > max_values)
    return false;
  // Each column's layers placed in the sequence, earliest first: a layer left out starts where
  // the next present one does, or at 32 above the column's last.
  thread_local surfaces heights;
  const int count = static_cast<int>(sequence.size());
  heights[0].fill(0);
  for (std::size_t n = 0; n < columns; ++n) {
    const column_layers& c = stacks[n];
    int at = 0;
    for (unsigned layer = 0; layer < c.count; ++layer) {
      const std::uint8_t start = layer == 0 ? 0 : c.top[layer - 1];
      while (sequence[static_cast<std::size_t>(at)] != c.value[layer]) {
        if (at > 0)
          heights[static_cast<std::size_t>(at)][n] = start;
        ++at;
      }
      if (at > 0)
        heights[static_cast<std::size_t>(at)][n] = start;
      ++at;
    }
    for (; at < count; ++at)
      heights[static_cast<std::size_t>(at)][n] = last_top;
  }
  std::array<std::uint8_t, max_values> values{};
  std::copy(sequence.begin(), sequence.end(), values.begin());
  // The surfaces' modes, chosen in coding order against the model as it will stand (the count
  // and the values have tables of their own).
  std::array<surface_choice, max_values> choices;
  {
    model m;
    cost_coder cost;
    for (int k = 1; k < count; ++k) {
      choices[k] = choose(m, heights[k - 1].data(), heights[k].data());
      code_surface(cost, m, choices[k], heights[k - 1].data(), heights[k].data());
    }
  }
  model m;
  internal::range_encoder coder(out);
  int n = count;
  const bool coded = code_channel(coder, m, values, n, choices.data(), heights);
  STRATA_ASSERT(coded, "the model codes every surface");
  coder.finish();
  return true;
}

base::status decode_surface_layers(std::string_view payload, channel_span out) {
  model m;
  internal::range_decoder coder(payload);
  thread_local surfaces heights;
  heights[0].fill(0);
  std::array<std::uint8_t, max_values> values{};
  int count = 0;
  if (!code_channel(coder, m, values, count, nullptr, heights))
    return base::fail(base::errc::corrupt_data,
                      "surface-layers payload: a value repeats the one below it, or a surface "
                      "leaves 0..32 or falls below the one under it");
  if (!coder.consumed_exactly())
    return base::fail(base::errc::corrupt_data,
                      "surface-layers payload: bytes follow the last decision");
  write_channel(values, count, heights, out);
  return {};
}

}  // namespace strata::compression
