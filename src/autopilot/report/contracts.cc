#include "autopilot/report/contracts.h"

#include <map>
#include <nlohmann/json.hpp>
#include <tuple>

namespace autopilot::report {

Result<std::vector<ContractStat>> CollectContracts(store::Database& db) {
  auto st = db.Prepare(
      "SELECT r.model, r.format, r.stage, ar.content FROM artifacts ar JOIN runs r ON r.id = ar.run_id "
      "WHERE ar.kind = 'contracts' ORDER BY ar.id");
  if (!st) return st.error();
  using Key = std::tuple<std::string, std::string, std::string, std::string>;
  struct Acc {
    int64_t judged = 0, passed = 0;
    std::map<std::string, int64_t> codes;
    std::map<std::string, std::string> examples;
  };
  std::map<Key, Acc> acc;
  while (true) {
    auto row = st->Step();
    if (!row) return row.error();
    if (!*row) break;
    auto doc = nlohmann::json::parse(st->ColumnText(3), nullptr, false);
    if (!doc.is_array()) continue;  // an artifact this version did not write: skipped, not fatal
    // A run's stage is its first stage; the attempt's own stage is the function's.
    for (const auto& o : doc) {
      if (!o.is_object() || !o.contains("function")) continue;
      Key k{st->ColumnText(0), st->ColumnText(1), st->ColumnText(2), o.value("function", "")};
      Acc& a = acc[k];
      ++a.judged;
      if (o.value("passed", false)) {
        ++a.passed;
        continue;
      }
      const std::string code = o.value("code", "unknown");
      ++a.codes[code];
      const auto& f = o.value("failures", nlohmann::json::array());
      if (!a.examples.count(code) && !f.empty() && f[0].is_string()) a.examples[code] = f[0].get<std::string>();
    }
  }
  std::vector<ContractStat> out;
  for (const auto& [k, a] : acc) {
    ContractStat s;
    std::tie(s.model, s.format, s.stage, s.function) = k;
    s.passed = Wilson(a.passed, a.judged);
    for (const auto& [code, n] : a.codes) {
      if (n > s.leading_count) {
        s.leading_code = code;
        s.leading_count = n;
      }
    }
    if (!s.leading_code.empty()) s.example = a.examples.count(s.leading_code) ? a.examples.at(s.leading_code) : "";
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace autopilot::report
