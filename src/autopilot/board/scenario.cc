#include "autopilot/board/scenario.h"

#include <cstdlib>
#include <sstream>

#include "autopilot/util/files.h"
#include "autopilot/util/strings.h"

namespace autopilot::board {

Result<std::vector<ScenarioSample>> LoadScenario(const std::string& path) {
  auto text = util::ReadFile(path);
  if (!text) return Error{errc::kUsage, path + ": cannot read scenario (" + text.error().message + ")"};
  std::vector<ScenarioSample> out;
  int line_no = 0;
  for (const auto& raw : util::Split(*text, '\n')) {
    line_no++;
    std::string line = util::Trim(raw);
    if (line.empty() || line[0] == '#') continue;
    auto cells = util::Split(line, ',');
    if (cells.size() < 5) {
      return Error{errc::kUsage, path + ":" + std::to_string(line_no) +
                                ": expected red,green,blue,clear,proximity[,label]"};
    }
    char* end = nullptr;
    std::string first = util::Trim(cells[0]);
    std::strtol(first.c_str(), &end, 10);
    if (end == first.c_str()) {
      if (line_no == 1 || out.empty()) continue;  // header
      return Error{errc::kUsage, path + ":" + std::to_string(line_no) + ": not a number: " + first};
    }
    ScenarioSample s;
    int* fields[] = {&s.red, &s.green, &s.blue, &s.clear, &s.proximity};
    for (size_t i = 0; i < 5; ++i) {
      std::string cell = util::Trim(cells[i]);
      char* stop = nullptr;
      long v = std::strtol(cell.c_str(), &stop, 10);
      if (stop == cell.c_str()) {
        return Error{errc::kUsage, path + ":" + std::to_string(line_no) + ": not a number: " + cell};
      }
      *fields[i] = static_cast<int>(v);
    }
    if (cells.size() > 5) s.label = util::Trim(cells[5]);
    out.push_back(s);
  }
  if (out.empty()) return Error{errc::kUsage, path + ": scenario has no samples"};
  return out;
}

std::string PlanText(const std::vector<ScenarioSample>& samples, const Timeline& t) {
  // Removed: dim ambient light, nothing near.
  const char* ambient = "4 4 3 10 255 -1";
  std::ostringstream out;
  out << t.lead_ms << " " << ambient << "\n";
  for (size_t i = 0; i < samples.size(); ++i) {
    const auto& s = samples[i];
    out << t.present_ms << " " << s.red << " " << s.green << " " << s.blue << " " << s.clear << " "
        << s.proximity << " " << i << "\n";
    out << t.removed_ms << " " << ambient << "\n";
  }
  return out.str();
}

std::vector<float> RatioFeatures(const ScenarioSample& s) {
  float sum = static_cast<float>(s.red + s.green + s.blue);
  if (sum <= 0) return {0.f, 0.f, 0.f};
  return {static_cast<float>(s.red) / sum, static_cast<float>(s.green) / sum, static_cast<float>(s.blue) / sum};
}

}  // namespace autopilot::board
