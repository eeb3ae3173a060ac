#include "autopilot/board/oracle.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <sstream>

#include "autopilot/util/strings.h"

namespace autopilot::board {
namespace {

std::string Unescape(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\\' || i + 1 >= s.size()) {
      out += s[i];
      continue;
    }
    char n = s[++i];
    if (n == 'n') out += '\n';
    else if (n == 'r') out += '\r';
    else if (n == '\\') out += '\\';
    else if (n == 'x' && i + 2 < s.size()) {
      out += static_cast<char>(std::strtol(s.substr(i + 1, 2).c_str(), nullptr, 16));
      i += 2;
    } else {
      out += n;
    }
  }
  return out;
}

void ParseValues(const std::string& field, std::string* type, std::vector<double>* values) {
  size_t colon = field.find(':');
  if (colon == std::string::npos) return;
  *type = field.substr(0, colon);
  for (const auto& v : util::Split(field.substr(colon + 1), ',')) {
    if (!v.empty()) values->push_back(std::strtod(v.c_str(), nullptr));
  }
}

}  // namespace

RunLog ParseEventLog(const std::string& text) {
  RunLog log;
  std::string pending;
  int64_t pending_t = 0;
  std::istringstream in(text);
  std::string line;
  auto flush_line = [&](bool all) {
    size_t nl;
    while ((nl = pending.find('\n')) != std::string::npos) {
      std::string l = pending.substr(0, nl);
      if (!l.empty() && l.back() == '\r') l.pop_back();
      log.serial.push_back({pending_t, l});
      pending.erase(0, nl + 1);
    }
    if (all && !pending.empty()) {
      log.serial.push_back({pending_t, pending});
      pending.clear();
    }
  };
  while (std::getline(in, line)) {
    if (line.size() < 3 || line[1] != ' ') continue;
    char tag = line[0];
    size_t sp = line.find(' ', 2);
    int64_t t = std::strtoll(line.c_str() + 2, nullptr, 10);
    std::string payload = sp == std::string::npos ? "" : line.substr(sp + 1);
    switch (tag) {
      case 'S':
        if (pending.empty()) pending_t = t;
        pending += Unescape(payload);
        flush_line(false);
        if (pending.empty()) pending_t = t;
        break;
      case 'I': {
        InvokeRecord r;
        r.t_us = t;
        r.ok = util::StartsWith(payload, "ok");
        for (const auto& part : util::Split(payload, ' ')) {
          std::string dummy;
          if (util::StartsWith(part, "in=")) ParseValues(part.substr(3), &r.in_type, &r.in);
          if (util::StartsWith(part, "out=")) ParseValues(part.substr(4), &dummy, &r.out);
        }
        log.invokes.push_back(r);
        break;
      }
      case 'A':
        if (util::StartsWith(payload, "ok")) log.allocations_ok++;
        else log.allocation_failures.push_back(payload.size() > 5 ? payload.substr(5) : payload);
        break;
      case 'M':
        if (!util::StartsWith(payload, "ok")) log.model_failure = payload;
        break;
      case 'B':
        log.setup_done_us = t;
        break;
      case 'E':
        log.end_reason = payload;
        break;
      case 'O':
        log.output_reads++;
        break;
      case 'X':
        for (const auto& kv : util::Split(payload, ' ')) {
          size_t eq = kv.find('=');
          if (eq == std::string::npos || !util::EndsWith(kv.substr(0, eq), "_reads")) continue;
          long n = std::strtol(kv.c_str() + eq + 1, nullptr, 10);
          std::string quantity = kv.substr(0, eq - 6);
          log.read_counts[quantity] = n;
          if (quantity == "color") log.color_reads = n;
        }
        break;
      case 'D': {
        // "<quantity> <object> <row> <unit> <v1>,<v2>,…"
        std::vector<std::string> parts = util::Split(payload, ' ');
        if (parts.size() != 5) break;
        SensorRead r;
        r.t_us = t;
        r.quantity = parts[0];
        r.object = parts[1];
        r.row = std::strtol(parts[2].c_str(), nullptr, 10);
        r.unit = parts[3];
        for (const auto& v : util::Split(parts[4], ',')) r.values.push_back(std::strtod(v.c_str(), nullptr));
        log.reads.push_back(std::move(r));
        break;
      }
      default:
        break;
    }
  }
  flush_line(true);
  return log;
}

std::string ReportedClass(const std::string& line, const std::vector<std::string>& classes,
                          const std::vector<std::string>& emojis) {
  std::string lower = util::ToLower(line);
  // Position of each class's first mention (name or emoji).
  std::vector<size_t> pos(classes.size(), std::string::npos);
  size_t mentioned = 0;
  for (size_t c = 0; c < classes.size(); ++c) {
    size_t p = lower.find(util::ToLower(classes[c]));
    if (c < emojis.size() && !emojis[c].empty()) {
      size_t e = line.find(emojis[c]);
      if (e != std::string::npos && (p == std::string::npos || e < p)) p = e;
    }
    pos[c] = p;
    if (p != std::string::npos) mentioned++;
  }
  if (mentioned == 0) return "";
  if (mentioned == 1) {
    for (size_t c = 0; c < classes.size(); ++c) if (pos[c] != std::string::npos) return classes[c];
  }
  // Several classes on one line (a score table): the one right after a prediction keyword.
  static const char* kKeys[] = {"pred", "class:", "class =", "result", "detected", "->", "=>", "winner", "best", "label:"};
  size_t key = std::string::npos;
  for (const char* k : kKeys) {
    size_t p = lower.find(k);
    if (p != std::string::npos && (key == std::string::npos || p < key)) key = p;
  }
  if (key == std::string::npos) {
    // "🍌 Banana | scores: Apple=…": a line that starts with a class announces it.
    std::string trimmed = util::Trim(lower);
    for (size_t c = 0; c < classes.size(); ++c) {
      std::string name = util::ToLower(classes[c]);
      if (util::StartsWith(trimmed, name)) {
        // "Apple=0.1 Banana=0.8" is a score table, not an announcement.
        std::string rest = util::Trim(trimmed.substr(name.size()));
        if (rest.empty() || (rest[0] != '=' && rest[0] != ':')) return classes[c];
      }
      if (c < emojis.size() && !emojis[c].empty() && util::StartsWith(util::Trim(line), emojis[c])) {
        return classes[c];
      }
    }
    return "";
  }
  size_t best = std::string::npos;
  std::string chosen;
  for (size_t c = 0; c < classes.size(); ++c) {
    size_t p = lower.find(util::ToLower(classes[c]), key);
    if (c < emojis.size() && !emojis[c].empty()) {
      size_t e = line.find(emojis[c], key);
      if (e != std::string::npos && (p == std::string::npos || e < p)) p = e;
    }
    if (p != std::string::npos && p < best) {
      best = p;
      chosen = classes[c];
    }
  }
  return chosen;
}

std::vector<SampleVerdict> JudgeSamples(const RunLog& log, const Timeline& timeline,
                                        const std::vector<Expectation>& expectations,
                                        const std::vector<std::string>& classes,
                                        const std::vector<std::string>& emojis) {
  std::vector<SampleVerdict> out;
  // Reports may trail the removal a little (printing after a delay).
  const int64_t grace_us = 300000;
  for (size_t i = 0; i < expectations.size(); ++i) {
    SampleVerdict v;
    v.index = i;
    v.expected = expectations[i].expected_class;
    if (log.setup_done_us < 0) {
      v.verdict = "semantic.no_inference";
      out.push_back(v);
      continue;
    }
    int64_t start = log.setup_done_us + timeline.StartMs(i) * 1000;
    int64_t end = log.setup_done_us + timeline.EndMs(i) * 1000 + grace_us;
    // Each Invoke owns the serial lines up to the next Invoke; the class reported after an
    // Invoke on the right input is the one judged (later lines may describe other readings).
    std::vector<const InvokeRecord*> inside;
    for (const auto& r : log.invokes) {
      if (r.t_us >= start && r.t_us < end && r.ok) inside.push_back(&r);
    }
    const Expectation& e = expectations[i];
    std::string any_report;
    for (size_t j = 0; j < inside.size(); ++j) {
      const InvokeRecord& r = *inside[j];
      v.invoked = true;
      bool match = r.in.size() == e.features.size();
      for (size_t k = 0; match && k < r.in.size(); ++k) {
        match = e.input_quantized ? std::fabs(r.in[k] - e.quantized[k]) <= 1.0
                                  : std::fabs(r.in[k] - e.features[k]) <= 0.01;
      }
      int64_t seg_end = end;
      for (const auto& next : log.invokes) {
        if (next.t_us > r.t_us) {
          seg_end = std::min(seg_end, next.t_us);
          break;
        }
      }
      std::string seg_report;
      for (const auto& l : log.serial) {
        if (l.t_us < r.t_us || l.t_us >= seg_end) continue;
        std::string c = ReportedClass(l.text, classes, emojis);
        if (!c.empty()) seg_report = c;
      }
      if (!seg_report.empty()) any_report = seg_report;
      if (match) {
        v.input_ok = true;
        if (!seg_report.empty()) v.reported = seg_report;
      }
    }
    if (!v.input_ok) v.reported = any_report;
    if (!v.invoked) v.verdict = "semantic.no_inference";
    else if (!v.input_ok) v.verdict = "semantic.wrong_input";
    else if (v.reported.empty()) v.verdict = "semantic.no_result";
    else if (util::ToLower(v.reported) != util::ToLower(v.expected)) v.verdict = "semantic.wrong_output";
    else v.verdict = "pass";
    out.push_back(v);
  }
  return out;
}

}  // namespace autopilot::board
