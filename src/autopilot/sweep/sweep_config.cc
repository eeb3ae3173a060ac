#include "autopilot/sweep/sweep_config.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
#include <set>

#include "autopilot/config/yaml_reader.h"
#include "autopilot/pipeline/pipeline.h"
#include "autopilot/util/files.h"
#include "autopilot/util/strings.h"

namespace autopilot::sweep {
namespace {

using config::IssueList;
using config::MapReader;

const std::vector<std::string> kProviders = {"openai", "ollama", "openai-compatible", "replay"};
const std::vector<std::string> kFormats = {"json", "markdown", "prose", "minimal", "outline"};
const std::vector<std::string> kPresets = {"default", "deterministic"};

std::string Anchor(const std::string& base, const std::string& path) {
  if (path.empty() || path[0] == '/' || base.empty()) return path;
  return (std::filesystem::path(base) / path).lexically_normal().string();
}

/// A list of strings with each item's position, so errors point at the item.
struct ListItem {
  std::string value;
  YAML::Mark mark;
};

std::vector<ListItem> ReadList(MapReader& r, const std::string& key, IssueList* issues,
                               bool required) {
  YAML::Node v = r.Raw(key);
  std::vector<ListItem> out;
  if (!v.IsDefined() || v.IsNull()) {
    if (required) issues->Add(r.mark(), r.KeyPath(key), "required setting is missing");
    return out;
  }
  if (v.IsScalar()) {  // a single value is a one-item list
    out.push_back({v.Scalar(), v.Mark()});
    return out;
  }
  if (!v.IsSequence()) {
    issues->Add(v.Mark(), r.KeyPath(key), "expected a list");
    return out;
  }
  std::set<std::string> seen;
  for (size_t i = 0; i < v.size(); ++i) {
    std::string path = r.KeyPath(key) + "[" + std::to_string(i) + "]";
    if (!v[i].IsScalar() || v[i].Scalar().empty()) {
      issues->Add(v[i].Mark(), path, "expected a non-empty string");
      continue;
    }
    if (!seen.insert(v[i].Scalar()).second) {
      issues->Add(v[i].Mark(), path, "'" + v[i].Scalar() + "' is listed twice");
      continue;
    }
    out.push_back({v[i].Scalar(), v[i].Mark()});
  }
  if (out.empty() && v.size() == 0) issues->Add(v.Mark(), r.KeyPath(key), "the list is empty");
  return out;
}

void CheckAllowed(const ListItem& item, const std::string& key,
                  const std::vector<std::string>& allowed, IssueList* issues) {
  if (std::find(allowed.begin(), allowed.end(), item.value) != allowed.end()) return;
  std::string msg = "unknown value '" + item.value + "'; expected one of: " + util::Join(allowed, ", ");
  std::string hint = util::ClosestMatch(item.value, allowed);
  if (!hint.empty()) msg += " (did you mean '" + hint + "'?)";
  issues->Add(item.mark, key, msg);
}

ModelEntry ReadModel(const ListItem& item, const std::string& base_dir, IssueList* issues) {
  ModelEntry m;
  m.spec = item.value;
  m.resolved = item.value;
  size_t colon = item.value.find(':');
  std::string provider = colon == std::string::npos ? "" : item.value.substr(0, colon);
  std::string rest = colon == std::string::npos ? "" : item.value.substr(colon + 1);
  if (std::find(kProviders.begin(), kProviders.end(), provider) == kProviders.end() || rest.empty()) {
    issues->Add(item.mark, "models",
                "'" + item.value + "': expected PROVIDER:MODEL[@BASE_URL] with PROVIDER one of " +
                    util::Join(kProviders, ", ") + " (e.g. ollama:qwen2.5-coder:32b, replay:run.jsonl)");
    return m;
  }
  m.provider = provider;
  if (provider == "replay") {
    std::string path = Anchor(base_dir, rest);
    m.resolved = "replay:" + path;
    m.label = std::filesystem::path(rest).filename().string();
    if (!util::PathExists(path)) issues->Add(item.mark, "models", "cassette not found: " + path);
  } else {
    size_t at = rest.find('@');
    m.label = at == std::string::npos ? rest : rest.substr(0, at);
  }
  return m;
}

void ReadPerProvider(MapReader r, std::map<std::string, double>* out, bool with_default, double lo,
                     double hi) {
  std::vector<std::string> keys = kProviders;
  if (with_default) keys.insert(keys.begin(), "default");
  for (const auto& k : keys) {
    double v = std::numeric_limits<double>::quiet_NaN();
    r.Get(k, &v);
    if (std::isnan(v)) continue;
    r.CheckRange(k, v, lo, hi);
    (*out)[k] = v;
  }
  r.Finish();
}

Result<SweepConfig> FromNode(const YAML::Node& root, IssueList* issues, const std::string& label,
                             const std::string& base_dir) {
  SweepConfig cfg;
  cfg.source_file = label;
  cfg.base_dir = base_dir;
  MapReader top(root, "", issues);
  if (!top.present()) {
    issues->Add(root.Mark(), "", "the file is empty; expected at least version, name, project, models");
    return issues->ToError();
  }
  top.Get("version", &cfg.version, /*required=*/true);
  if (cfg.version != 1) top.CheckRange("version", static_cast<double>(cfg.version), 1, 1);
  top.Get("name", &cfg.name, /*required=*/true);
  if (cfg.name.empty() && top.Raw("name").IsDefined()) {
    issues->Add(top.Raw("name").Mark(), "name", "must not be empty");
  }
  if (util::StartsWith(cfg.name, "import:")) {
    issues->Add(top.Raw("name").Mark(), "name", "names starting with 'import:' are reserved for imports");
  }
  std::string project;
  top.Get("project", &project, /*required=*/true);
  if (!project.empty()) {
    cfg.project = Anchor(base_dir, project);
    if (!util::PathExists(cfg.project)) {
      issues->Add(top.Raw("project").Mark(), "project", "project file not found: " + cfg.project);
    }
  }

  for (const auto& item : ReadList(top, "models", issues, true)) {
    cfg.models.push_back(ReadModel(item, base_dir, issues));
  }
  for (const auto& item : ReadList(top, "formats", issues, true)) {
    CheckAllowed(item, "formats", kFormats, issues);
    cfg.formats.push_back(item.value);
  }
  std::set<std::string> stage_lists;
  for (const auto& item : ReadList(top, "stages", issues, true)) {
    std::string error;
    auto stages = NormaliseStages(item.value, &error);
    if (!error.empty()) {
      issues->Add(item.mark, "stages", error);
      continue;
    }
    std::string joined = util::Join(stages, ",");
    if (!stage_lists.insert(joined).second) {
      issues->Add(item.mark, "stages", "'" + item.value + "' is the same stage list as an earlier entry");
      continue;
    }
    cfg.stages.push_back(joined);
  }
  if (top.Raw("presets").IsDefined()) {
    for (const auto& item : ReadList(top, "presets", issues, true)) {
      CheckAllowed(item, "presets", kPresets, issues);
      cfg.presets.push_back(item.value);
    }
  } else {
    cfg.presets = {"default"};
  }
  top.Get("repetitions", &cfg.repetitions);
  top.CheckRange("repetitions", static_cast<double>(cfg.repetitions), 1, 100000);

  std::map<std::string, double> conc;
  ReadPerProvider(top.Child("concurrency"), &conc, /*with_default=*/true, 1, 256);
  for (const auto& [k, v] : conc) {
    if (v != static_cast<double>(static_cast<int64_t>(v))) {
      issues->Add(top.Raw("concurrency").Mark(), "concurrency." + k, "expected a whole number of runs");
    }
    cfg.concurrency[k] = static_cast<int64_t>(v);
  }
  ReadPerProvider(top.Child("rate_limit"), &cfg.rate_limit, /*with_default=*/false, 0.001, 1e6);

  MapReader budgets = top.Child("budgets");
  budgets.Get("max_tokens", &cfg.budgets.max_tokens);
  budgets.CheckRange("max_tokens", static_cast<double>(cfg.budgets.max_tokens), 0, 1e15);
  budgets.Get("max_cost_usd", &cfg.budgets.max_cost_usd);
  budgets.CheckRange("max_cost_usd", cfg.budgets.max_cost_usd, 0, 1e9);
  budgets.Get("max_time_s", &cfg.budgets.max_time_s);
  budgets.CheckRange("max_time_s", cfg.budgets.max_time_s, 0, 1e9);
  budgets.Finish();

  std::string store;
  top.Get("store", &store);
  if (!store.empty()) cfg.store = Anchor(base_dir, store);

  MapReader replay = top.Child("replay");
  replay.Get("match_tag_on_miss", &cfg.replay_match_tag_on_miss);
  replay.Finish();
  top.Finish();
  if (!issues->empty()) return issues->ToError();
  return cfg;
}

}  // namespace

int64_t SweepConfig::ConcurrencyFor(const std::string& provider) const {
  auto it = concurrency.find(provider);
  if (it != concurrency.end()) return it->second;
  it = concurrency.find("default");
  return it != concurrency.end() ? it->second : 2;
}

Result<SweepConfig> LoadSweepConfig(const std::string& path) {
  IssueList issues(path);
  auto node = config::LoadYamlFile(path, &issues);
  if (!node) return node.error();
  std::string base = std::filesystem::absolute(path).parent_path().string();
  return FromNode(*node, &issues, path, base);
}

Result<SweepConfig> ParseSweepConfig(const std::string& text, const std::string& file_label,
                                     const std::string& base_dir) {
  IssueList issues(file_label);
  auto node = config::LoadYamlString(text, &issues);
  if (!node) return node.error();
  return FromNode(*node, &issues, file_label, base_dir);
}

std::vector<std::string> NormaliseStages(const std::string& list, std::string* error) {
  std::set<std::string> wanted;
  std::vector<std::string> known = pipeline::StageNames();
  for (const auto& part : util::Split(list, ',')) {
    std::string s = util::Trim(part);
    if (s.empty()) continue;
    if (std::find(known.begin(), known.end(), s) == known.end()) {
      *error = "unknown stage '" + s + "' in '" + list + "'; stages: " + util::Join(known, ", ");
      std::string hint = util::ClosestMatch(s, known);
      if (!hint.empty()) *error += " (did you mean '" + hint + "'?)";
      return {};
    }
    if (!wanted.insert(s).second) {
      *error = "stage '" + s + "' appears twice in '" + list + "'";
      return {};
    }
  }
  if (wanted.empty()) {
    *error = "empty stage list; e.g. \"sg\" or \"dp,train,mc,sg\"";
    return {};
  }
  std::vector<std::string> out;
  for (const auto& s : known) {
    if (wanted.count(s)) out.push_back(s);
  }
  return out;
}

std::string Cell::Describe() const {
  return key.stage + " " + (model ? model->label : key.model) + " " + key.format + " " + key.preset +
         " #" + std::to_string(key.repetition);
}

std::vector<Cell> PlanCells(const SweepConfig& config) {
  std::vector<Cell> cells;
  for (const auto& model : config.models) {
    for (const auto& stages : config.stages) {
      for (const auto& format : config.formats) {
        for (const auto& preset : config.presets) {
          for (int64_t rep = 1; rep <= config.repetitions; ++rep) {
            Cell c;
            c.index = cells.size();
            c.key = store::RunKey{config.name, stages, model.spec, format, preset, static_cast<int>(rep)};
            c.model = &model;
            c.stages = util::Split(stages, ',');
            cells.push_back(std::move(c));
          }
        }
      }
    }
  }
  return cells;
}

Result<Shard> ParseShard(const std::string& text) {
  size_t slash = text.find('/');
  auto bad = Error{errc::kUsage, "--shard '" + text + "': expected I/N with 1 <= I <= N, e.g. 2/4"};
  if (slash == std::string::npos) return bad;
  std::string a = text.substr(0, slash), b = text.substr(slash + 1);
  auto all_digits = [](const std::string& s) {
    return !s.empty() && s.size() < 7 && std::all_of(s.begin(), s.end(), [](char ch) { return ch >= '0' && ch <= '9'; });
  };
  if (!all_digits(a) || !all_digits(b)) return bad;
  Shard s{std::stoi(a), std::stoi(b)};
  if (s.count < 1 || s.index < 1 || s.index > s.count) return bad;
  return s;
}

std::vector<Cell> SelectShard(const std::vector<Cell>& cells, const Shard& shard) {
  std::vector<Cell> out;
  for (const auto& c : cells) {
    if (c.index % static_cast<size_t>(shard.count) == static_cast<size_t>(shard.index - 1)) out.push_back(c);
  }
  return out;
}

}  // namespace autopilot::sweep
