// Gesture models, per reading i of n (phase p = i / n): a punch is a jab along x (a push then a
// stronger stop, with a small wrist roll); a flex rotates the forearm about y by up to ~120°, so
// gravity swings from z into x while gy carries the rotation rate; a wave swings about z.

#include "autopilot/tflite/gesture_synth.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>

namespace autopilot::tflite {
namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr double kMaxG = 4.0, kMaxDps = 2000.0;

std::string Fixed(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", v);  // IMU_Capture prints 3 decimals
  return buf;
}

struct Sample {
  double ax, ay, az, gx, gy, gz;
};

/// One recording of `kind`; `rng` varies its amplitude, speed, onset and the wrist's tilt.
std::vector<Sample> Gesture(const std::string& kind, size_t n, std::mt19937_64& rng) {
  std::uniform_real_distribution<double> u(0.0, 1.0);
  std::normal_distribution<double> noise_g(0.0, 0.02), noise_dps(0.0, 3.0);
  const double amp = 0.8 + 0.4 * u(rng);       // ±20 % strength
  const double speed = 0.85 + 0.3 * u(rng);    // ±15 % duration
  const double onset = 0.05 * u(rng);          // the motion starts up to 5 % late
  const double tilt = (u(rng) - 0.5) * 0.5;    // wrist roll, rad
  std::vector<Sample> out;
  double angle = 0;  // flex / wave rotation so far, rad
  const double dt = 1.0 / static_cast<double>(n);
  for (size_t i = 0; i < n; ++i) {
    const double p = std::clamp((static_cast<double>(i) * dt - onset) * speed, 0.0, 1.0);
    Sample s{0, std::sin(tilt), std::cos(tilt), 0, 0, 0};
    if (kind == "punch") {
      // Push (p < 0.35) then a sharper stop; the arm rolls a little while it moves.
      const double push = p < 0.35 ? std::sin(kPi * p / 0.35) : 0.0;
      const double stop = p >= 0.35 && p < 0.6 ? -1.6 * std::sin(kPi * (p - 0.35) / 0.25) : 0.0;
      s.ax += 2.6 * amp * (push + stop);
      s.gx += 120 * amp * std::sin(2 * kPi * p);
      s.gz += 60 * amp * std::sin(kPi * p);
    } else if (kind == "flex") {
      // Rotation rate about y: a half sine reaching ~ 330 dps; the angle moves gravity into x.
      const double rate = 330 * amp * std::sin(kPi * p);
      angle += rate * kPi / 180.0 * dt * 1.19;  // 119 readings ≈ 1 s
      s.gy += rate;
      s.ax += std::sin(angle);
      s.az = std::cos(tilt) * std::cos(angle);
      s.ax += 0.5 * amp * std::sin(2 * kPi * p);  // the curl's own acceleration
    } else {  // wave
      const double rate = 450 * amp * std::sin(4 * kPi * p);
      angle += rate * kPi / 180.0 * dt * 1.19;
      s.gz += rate;
      s.ay = std::sin(tilt + angle) + 0.6 * amp * std::sin(4 * kPi * p);
    }
    s.ax = std::clamp(s.ax + noise_g(rng), -kMaxG, kMaxG);
    s.ay = std::clamp(s.ay + noise_g(rng), -kMaxG, kMaxG);
    s.az = std::clamp(s.az + noise_g(rng), -kMaxG, kMaxG);
    s.gx = std::clamp(s.gx + noise_dps(rng), -kMaxDps, kMaxDps);
    s.gy = std::clamp(s.gy + noise_dps(rng), -kMaxDps, kMaxDps);
    s.gz = std::clamp(s.gz + noise_dps(rng), -kMaxDps, kMaxDps);
    out.push_back(s);
  }
  return out;
}

}  // namespace

std::vector<std::string> KnownGestures() { return {"punch", "flex", "wave"}; }

Result<Table> SynthesizeGestures(const GestureSynthOptions& o) {
  const auto known = KnownGestures();
  for (const auto& g : o.gestures) {
    if (std::find(known.begin(), known.end(), g) == known.end()) {
      return Error{errc::kUsage, "unknown gesture '" + g + "'; known: punch, flex, wave"};
    }
  }
  if (o.samples == 0 || o.rate_hz <= 0) return Error{errc::kUsage, "samples and rate_hz must be positive"};
  Table t;
  t.header = {"recording", "t_ms", "ax", "ay", "az", "gx", "gy", "gz", "label"};
  std::mt19937_64 rng(o.seed);
  size_t id = 0;
  // Interleaved (punch 0, flex 0, punch 1, …) as a session of recordings would be.
  for (size_t k = 0; k < o.recordings_per_class; ++k) {
    for (const auto& g : o.gestures) {
      const auto samples = Gesture(g, o.samples, rng);
      const std::string rec = "r" + std::to_string(id++);
      for (size_t i = 0; i < samples.size(); ++i) {
        const Sample& s = samples[i];
        t.rows.push_back({rec, Fixed(static_cast<double>(i) * 1000.0 / o.rate_hz), Fixed(s.ax), Fixed(s.ay),
                          Fixed(s.az), Fixed(s.gx), Fixed(s.gy), Fixed(s.gz), g});
      }
    }
  }
  return t;
}

Table GestureStream(const Table& captures, double rate_hz, double trigger_g, double lead_ms, double gap_ms) {
  Table s;
  s.header = {"t_ms", "ax", "ay", "az", "gx", "gy", "gz", "label"};
  const double step = 1000.0 / rate_hz;
  double t = 0;
  auto rest = [&](double ms) {
    for (double end = t + ms; t < end; t += step) s.rows.push_back({Fixed(t), "0.000", "0.000", "1.000", "0.000", "0.000", "0.000", ""});
  };
  rest(lead_ms);
  const int rc = captures.Column("recording"), lc = captures.Column("label");
  std::string current;
  for (size_t r = 0; r < captures.rows.size(); ++r) {
    const auto& row = captures.rows[r];
    if (rc >= 0 && row[static_cast<size_t>(rc)] != current) {
      if (!current.empty()) rest(gap_ms);
      current = row[static_cast<size_t>(rc)];
      // The jolt that starts the capture: it is read, and is not part of the window.
      s.rows.push_back({Fixed(t), Fixed(trigger_g + 0.1), "0.000", "1.000", "0.000", "0.000", "0.000",
                        lc >= 0 ? row[static_cast<size_t>(lc)] : ""});
      t += step;
    }
    std::vector<std::string> out = {Fixed(t)};
    for (const char* c : {"ax", "ay", "az", "gx", "gy", "gz"}) {
      const int i = captures.Column(c);
      out.push_back(i >= 0 ? row[static_cast<size_t>(i)] : "0.000");
    }
    out.push_back(lc >= 0 ? row[static_cast<size_t>(lc)] : "");
    s.rows.push_back(std::move(out));
    t += step;
  }
  rest(gap_ms);
  return s;
}

}  // namespace autopilot::tflite
