#include "autopilot/tflite/fruit_synth.h"

#include <algorithm>
#include <cmath>
#include <random>
#include <string>

namespace autopilot::tflite {
namespace {

struct ClassRange {
  const char* name;
  double r_lo, r_hi, g_lo, g_hi, b_lo, b_hi;
};

// Published per-class colour-ratio ranges (FACTS.md): apple, banana, orange.
constexpr ClassRange kClasses[] = {
    {"apple", 0.50, 0.64, 0.18, 0.29, 0.17, 0.25},
    {"banana", 0.37, 0.52, 0.33, 0.42, 0.15, 0.24},
    {"orange", 0.52, 0.64, 0.23, 0.30, 0.09, 0.18},
};

// Own uniform draw from the engine's bits, so the data is identical across standard libraries.
double Uniform(std::mt19937_64& rng, double lo, double hi) {
  const double u = static_cast<double>(rng() >> 11) * (1.0 / 9007199254740992.0);
  return lo + (hi - lo) * u;
}

}  // namespace

Table SynthesizeFruit(size_t rows, uint64_t seed) {
  std::mt19937_64 rng(seed);
  Table t;
  t.header = {"red", "green", "blue", "clear", "proximity", "label"};
  while (t.rows.size() < rows) {
    if (!t.rows.empty() && Uniform(rng, 0, 1) < 0.04) {  // the sensor logged the same reading twice
      const auto pick = static_cast<size_t>(Uniform(rng, 0, static_cast<double>(t.rows.size())));
      t.rows.push_back(t.rows[std::min(pick, t.rows.size() - 1)]);
      continue;
    }
    const auto k = std::min<size_t>(2, static_cast<size_t>(Uniform(rng, 0, 3)));
    const ClassRange& c = kClasses[k];
    // Ratios inside the class ranges that sum to one: draw r and g, derive b, retry until b fits.
    double r = 0, g = 0, b = 0;
    for (int tries = 0; tries < 100; ++tries) {
      r = Uniform(rng, c.r_lo, c.r_hi);
      g = Uniform(rng, c.g_lo, c.g_hi);
      b = 1.0 - r - g;
      if (b >= c.b_lo && b <= c.b_hi) break;
    }
    b = std::clamp(b, c.b_lo, c.b_hi);
    const double kind = Uniform(rng, 0, 1);
    double total;
    int proximity;
    if (kind < 0.04) {  // dark: the object shades the sensor, counts collapse
      total = Uniform(rng, 3, 25);
      proximity = static_cast<int>(Uniform(rng, 0, 3));
    } else if (kind < 0.08) {  // far: nothing near the sensor, ambient light only
      total = Uniform(rng, 10, 60);
      proximity = static_cast<int>(Uniform(rng, 40, 256));
    } else {
      total = Uniform(rng, 90, 900);
      proximity = static_cast<int>(Uniform(rng, 0, 1.3));  // mostly 0, sometimes 1
    }
    const auto counts = [&](double ratio) {
      return std::max(0L, std::lround(ratio * total + Uniform(rng, -1.5, 1.5)));
    };
    const long red = counts(r), green = counts(g), blue = counts(b);
    const long clear = std::lround(static_cast<double>(red + green + blue) * Uniform(rng, 1.05, 1.25));
    t.rows.push_back({std::to_string(red), std::to_string(green), std::to_string(blue),
                      std::to_string(clear), std::to_string(proximity), c.name});
  }
  return t;
}

}  // namespace autopilot::tflite
