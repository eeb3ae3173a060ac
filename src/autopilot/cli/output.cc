#include "autopilot/cli/output.h"

#include "autopilot/cli/app.h"

#include <algorithm>
#include <cstdio>
#include <iostream>

namespace autopilot::cli {

void PrintJson(const nlohmann::ordered_json& doc) {
  // Replace invalid UTF-8 (child output can be anything) rather than throwing.
  std::cout << doc.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) << "\n";
  std::cout.flush();
}

void PrintError(const std::string& message) {
  std::cerr << "autopilot: error: " << message << "\n";
}

int ReportFailure(bool json, const Error& error) {
  ReportError(json, error);
  return ExitCodeFor(error);
}

void ReportError(bool json, const Error& error) {
  if (json) {
    nlohmann::ordered_json doc;
    doc["error"] = {{"code", error.code}, {"message", error.message}};
    PrintJson(doc);
  } else {
    PrintError(error.message);
  }
}

std::string FormatTable(const std::vector<std::string>& header,
                        const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> width(header.size());
  for (size_t i = 0; i < header.size(); ++i) width[i] = header[i].size();
  for (const auto& r : rows) {
    for (size_t i = 0; i < r.size() && i < width.size(); ++i) width[i] = std::max(width[i], r[i].size());
  }
  std::string out;
  auto line = [&](const std::vector<std::string>& cells) {
    std::string l;
    for (size_t i = 0; i < cells.size() && i < width.size(); ++i) {
      l += cells[i];
      if (i + 1 < cells.size()) l += std::string(width[i] - cells[i].size() + 2, ' ');
    }
    while (!l.empty() && l.back() == ' ') l.pop_back();
    out += l + "\n";
  };
  line(header);
  std::vector<std::string> rule;
  for (size_t w : width) rule.push_back(std::string(w, '-'));
  line(rule);
  for (const auto& r : rows) line(r);
  return out;
}

}  // namespace autopilot::cli
