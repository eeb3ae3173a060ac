#include "autopilot/config/project_config.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include "autopilot/util/files.h"
#include "autopilot/util/strings.h"

namespace autopilot::config {
namespace {

std::string Anchor(const std::string& base, const std::string& path) {
  if (path.empty() || path[0] == '/' || base.empty()) return path;
  return (std::filesystem::path(base) / path).lexically_normal().string();
}

void ReadSandbox(MapReader r, SandboxSettings* s) {
  r.Get("timeout_s", &s->timeout_s);
  r.CheckRange("timeout_s", s->timeout_s, 0.1, 86400);
  r.Get("kill_grace_s", &s->kill_grace_s);
  r.CheckRange("kill_grace_s", s->kill_grace_s, 0, 600);
  r.Get("memory_mb", &s->memory_mb);
  r.CheckRange("memory_mb", static_cast<double>(s->memory_mb), 0, 1 << 20);
  r.Get("max_output_kb", &s->max_output_kb);
  r.CheckRange("max_output_kb", static_cast<double>(s->max_output_kb), 1, 1 << 20);
  r.Get("max_processes", &s->max_processes);
  r.CheckRange("max_processes", static_cast<double>(s->max_processes), 0, 1 << 20);
  r.Get("max_open_files", &s->max_open_files);
  r.CheckRange("max_open_files", static_cast<double>(s->max_open_files), 16, 1 << 20);
  r.Get("max_file_mb", &s->max_file_mb);
  r.CheckRange("max_file_mb", static_cast<double>(s->max_file_mb), 0, 1 << 24);
  r.Get("allow_network", &s->allow_network);
  r.Finish();
}

bool HasDotDot(const std::string& path) {
  for (const auto& part : util::Split(path, '/')) {
    if (part == "..") return true;
  }
  return false;
}

/// `key: PATH` or `key: {file: LOCAL, as: PATH_THE_SCRIPT_USES}`. Inputs (`must_exist`) must be
/// files here; every `as` must be a path the sandbox can show: not inside the read-only system
/// view, and a relative one must stay in the script's folder.
void ReadEdgeFile(MapReader& edge, const std::string& key, bool must_exist, const std::string& base_dir,
                  IssueList* issues, EdgeFile* out) {
  YAML::Node v = edge.Raw(key);
  const std::string where = edge.KeyPath(key);
  if (!v.IsDefined() || v.IsNull()) {
    issues->Add(edge.mark(), where, "is required in the edge section");
    return;
  }
  std::string file, as;
  if (v.IsScalar()) {
    file = v.Scalar();
    as = file;
  } else if (v.IsMap()) {
    MapReader m(v, where, issues);
    m.Get("file", &file, /*required=*/true);
    m.Get("as", &as, /*required=*/true);
    m.Finish();
    if (file.empty() || as.empty()) return;
  } else {
    issues->Add(v.Mark(), where, "expected a path or {file: LOCAL, as: PATH_THE_SCRIPT_USES}");
    return;
  }
  if (file.empty()) {
    issues->Add(v.Mark(), where, "the path is empty");
    return;
  }
  out->file = Anchor(base_dir, file);
  out->as = as;
  if (must_exist && !std::filesystem::is_regular_file(out->file)) {
    issues->Add(v.Mark(), where, "no such file: " + out->file);
  }
  if (as[0] == '/') {
    for (const char* sys : {"/usr", "/bin", "/sbin", "/lib", "/etc", "/dev", "/proc", "/sys"}) {
      const std::string d = sys;
      if (as == d || util::StartsWith(as, d + "/")) {
        issues->Add(v.Mark(), where, "'" + as + "' is inside the read-only system view (" + d +
                                         "); the script cannot be shown a file there");
        return;
      }
    }
    if (as == "/" || HasDotDot(as)) issues->Add(v.Mark(), where, "'" + as + "' must be a plain absolute path");
  } else if (HasDotDot(as)) {
    issues->Add(v.Mark(), where, "'" + as + "' leaves the script's folder; use an absolute path");
  }
}

void ReadEdge(MapReader edge, const std::string& base_dir, IssueList* issues, EdgeSettings* e) {
  if (!edge.present()) return;
  e->present = true;
  edge.GetEnum("device", &e->device, {"raspberry_pi_4b", "coral_dev_board"}, /*required=*/true);
  ReadEdgeFile(edge, "model", true, base_dir, issues, &e->model);
  ReadEdgeFile(edge, "labels", true, base_dir, issues, &e->labels);
  ReadEdgeFile(edge, "input", true, base_dir, issues, &e->input);
  ReadEdgeFile(edge, "output", false, base_dir, issues, &e->output);
  edge.Get("threshold", &e->threshold);
  edge.CheckRange("threshold", e->threshold, 0.0, 1.0);
  edge.Get("validation_frames", &e->validation_frames);
  edge.CheckRange("validation_frames", static_cast<double>(e->validation_frames), 0, 1000000);
  edge.Finish();
}

/// The boards there are: one folder each under board/boards (data, not code).
std::vector<std::string> BoardModels() {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(util::DataPath("board/boards"), ec)) {
    if (e.is_directory() && std::filesystem::exists(e.path() / "board.json")) names.push_back(e.path().filename().string());
  }
  if (names.empty()) names = {"nano33ble_sense", "nano33ble_sense_rev2"};
  std::sort(names.begin(), names.end());
  return names;
}

/// `normalize: {CHANNEL: {offset: O, scale: S}, …}` for the feature columns.
void ReadNormalize(MapReader& feat, IssueList* issues, DatasetSettings* d) {
  YAML::Node n = feat.Raw("normalize");
  if (!n.IsDefined() || n.IsNull()) return;
  const std::string where = feat.KeyPath("normalize");
  if (!n.IsMap()) {
    issues->Add(n.Mark(), where, "expected {CHANNEL: {offset: O, scale: S}, …}: value = (x - offset) / scale");
    return;
  }
  d->normalize.assign(d->feature_columns.size(), ChannelNorm{});
  for (auto it = n.begin(); it != n.end(); ++it) {
    const std::string ch = it->first.Scalar();
    auto at = std::find(d->feature_columns.begin(), d->feature_columns.end(), ch);
    if (at == d->feature_columns.end()) {
      issues->Add(it->first.Mark(), where + "." + ch,
                  "not a feature column; the columns are: " + util::Join(d->feature_columns, ", "));
      continue;
    }
    MapReader m(it->second, where + "." + ch, issues);
    ChannelNorm& cn = d->normalize[static_cast<size_t>(at - d->feature_columns.begin())];
    m.Get("offset", &cn.offset);
    m.Get("scale", &cn.scale, /*required=*/true);
    m.Finish();
    if (cn.scale == 0) issues->Add(it->second.Mark(), where + "." + ch + ".scale", "must not be 0");
  }
}

void ReadFeatures(MapReader feat, IssueList* issues, DatasetSettings* d) {
  feat.GetEnum("kind", &d->feature_kind, {"ratio", "columns", "window"});
  feat.Get("columns", &d->feature_columns);
  const bool window = d->feature_kind == "window";
  if (window) {
    if (!feat.Raw("names").IsDefined()) d->feature_names.clear();
  }
  feat.Get("names", &d->feature_names);
  if (d->feature_columns.empty()) issues->Add(feat.mark(), "dataset.features.columns", "needs at least one column");
  ReadNormalize(feat, issues, d);
  if (d->feature_kind == "ratio" && !d->normalize.empty()) {
    issues->Add(feat.mark(), "dataset.features.normalize", "applies to kind columns or window, not ratio");
  }
  MapReader w = feat.Child("window");
  if (window && !w.present()) {
    issues->Add(feat.mark(), "dataset.features.window", "kind window needs window: {samples, rate_hz}");
  }
  if (!window && w.present()) {
    issues->Add(w.mark(), "dataset.features.window", "applies to kind window only");
  }
  WindowSpec& ws = d->window;
  w.Get("samples", &ws.samples, /*required=*/window);
  if (window) w.CheckRange("samples", static_cast<double>(ws.samples), 1, 100000);
  w.Get("rate_hz", &ws.rate_hz, /*required=*/window);
  if (window) w.CheckRange("rate_hz", ws.rate_hz, 0.01, 100000);
  w.GetEnum("order", &ws.order, {"sample_major", "channel_major"});
  YAML::Node stats = w.Raw("stats");
  if (stats.IsDefined() && !stats.IsNull()) {
    const std::vector<std::string> kStats = {"mean", "min", "max", "rms"};
    if (!stats.IsSequence()) issues->Add(stats.Mark(), "dataset.features.window.stats", "expected a list of: mean, min, max, rms");
    for (const auto& st : stats) {
      if (!st.IsScalar() || std::find(kStats.begin(), kStats.end(), st.Scalar()) == kStats.end()) {
        issues->Add(st.Mark(), "dataset.features.window.stats",
                    "unknown statistic '" + (st.IsScalar() ? st.Scalar() : std::string("?")) + "'; expected one of: mean, min, max, rms");
      } else {
        ws.stats.push_back(st.Scalar());
      }
    }
  }
  w.Get("recording", &ws.recording);
  MapReader t = w.Child("trigger");
  t.GetEnum("kind", &ws.trigger.kind, {"none", "abs_sum", "magnitude"});
  t.Get("channels", &ws.trigger.channels);
  t.Get("threshold", &ws.trigger.threshold, /*required=*/ws.trigger.kind != "none" && t.present());
  for (const auto& c : ws.trigger.channels) {
    if (std::find(d->feature_columns.begin(), d->feature_columns.end(), c) == d->feature_columns.end()) {
      issues->Add(t.mark(), "dataset.features.window.trigger.channels",
                  "'" + c + "' is not a feature column; the columns are: " + util::Join(d->feature_columns, ", "));
    }
  }
  if (ws.trigger.kind != "none" && ws.trigger.channels.empty()) {
    issues->Add(t.mark(), "dataset.features.window.trigger.channels", "the trigger needs the channels it sums");
  }
  t.Finish();
  w.Finish();
  feat.Finish();
  if (window) {
    if (!d->feature_names.empty() && d->feature_names != WindowFeatureNames(*d)) {
      issues->Add(feat.mark(), "dataset.features.names",
                  "are derived for kind window (" + WindowFeatureNames(*d).front() + ", …); leave them out");
    }
    d->feature_names = WindowFeatureNames(*d);
  } else if (d->feature_columns.size() != d->feature_names.size()) {
    issues->Add(feat.mark(), "dataset.features",
                "'columns' and 'names' must have the same length (" +
                    std::to_string(d->feature_columns.size()) + " vs " +
                    std::to_string(d->feature_names.size()) + ")");
  }
}

Result<ProjectConfig> FromNode(const YAML::Node& root, IssueList* issues,
                               const std::string& file_label, const std::string& base_dir) {
  ProjectConfig cfg = DefaultProjectConfig(base_dir);
  cfg.source_file = file_label;
  MapReader top(root, "", issues);
  if (!top.present()) {
    issues->Add(root.Mark(), "", "the file is empty; expected at least 'version: 1'");
    return issues->ToError();
  }
  top.Get("version", &cfg.version, /*required=*/true);
  if (cfg.version != kConfigVersion) {
    top.CheckRange("version", static_cast<double>(cfg.version), kConfigVersion, kConfigVersion);
  }
  MapReader app = top.Child("application");
  app.Get("name", &cfg.application.name);
  app.Get("description", &cfg.application.description);
  app.Finish();

  MapReader paths = top.Child("paths");
  std::string store, work;
  paths.Get("store", &store);
  paths.Get("work_dir", &work);
  paths.Finish();
  if (!store.empty()) cfg.store = Anchor(base_dir, store);
  if (!work.empty()) cfg.work_dir = Anchor(base_dir, work);

  MapReader py = top.Child("python");
  std::string interp;
  py.Get("interpreter", &interp);
  py.Finish();
  if (!interp.empty()) cfg.python = interp;

  MapReader llm = top.Child("llm");
  llm.Get("model", &cfg.llm.model);
  llm.GetEnum("preset", &cfg.llm.preset, {"default", "deterministic"});
  llm.Get("num_ctx", &cfg.llm.num_ctx);
  llm.CheckRange("num_ctx", static_cast<double>(cfg.llm.num_ctx), 0, 1 << 24);
  llm.Finish();
  if (!cfg.llm.model.empty() && cfg.llm.model.find(':') == std::string::npos) {
    issues->Add(llm.mark(), "llm.model",
                "expected PROVIDER:MODEL[@BASE_URL], e.g. ollama:qwen2.5-coder:32b");
  }

  ReadSandbox(top.Child("sandbox"), &cfg.sandbox);

  MapReader prompt = top.Child("prompt");
  prompt.GetEnum("format", &cfg.prompt_format, {"json", "markdown", "prose", "minimal", "outline"});
  prompt.GetEnum("dp_mode", &cfg.dp_mode, {"single", "two_step"});
  prompt.Finish();

  auto& d = cfg.dataset;
  MapReader ds = top.Child("dataset");
  std::string raw;
  ds.Get("raw_csv", &raw);
  if (!raw.empty()) d.raw_csv = Anchor(base_dir, raw);
  ds.Get("label", &d.label);
  ds.Get("classes", &d.classes);
  ReadFeatures(ds.Child("features"), issues, &d);
  MapReader clean = ds.Child("cleaning");
  clean.Get("min_clear", &d.min_clear);
  clean.Get("max_proximity", &d.max_proximity);
  clean.Get("drop_duplicates", &d.drop_duplicates);
  clean.Finish();
  MapReader split = ds.Child("split");
  split.Get("test_fraction", &d.test_fraction);
  split.CheckRange("test_fraction", d.test_fraction, 0.05, 0.9);
  split.Get("seed", &d.split_seed);
  split.Finish();
  ds.Finish();

  MapReader board = top.Child("board");
  board.Get("name", &cfg.board.name);
  board.Get("fqbn", &cfg.board.fqbn);
  const std::vector<std::string> kSensors = {"APDS9960", "IMU", "TEMPERATURE_HUMIDITY", "PRESSURE"};
  board.GetEnum("sensor", &cfg.board.sensor, kSensors);
  cfg.board.sensors = {cfg.board.sensor};
  YAML::Node sensors = board.Raw("sensors");
  if (sensors.IsDefined() && !sensors.IsNull()) {
    std::vector<std::string> list;
    if (!sensors.IsSequence() || sensors.size() == 0) {
      issues->Add(sensors.Mark(), "board.sensors", "expected a non-empty list of: " + util::Join(kSensors, ", "));
    } else {
      for (const auto& n : sensors) {
        if (!n.IsScalar() || std::find(kSensors.begin(), kSensors.end(), n.Scalar()) == kSensors.end()) {
          std::string got = n.IsScalar() ? n.Scalar() : "a non-string value";
          std::string hint = n.IsScalar() ? util::ClosestMatch(n.Scalar(), kSensors) : "";
          issues->Add(n.Mark(), "board.sensors", "unknown sensor '" + got + "'; expected one of: " +
                                                    util::Join(kSensors, ", ") +
                                                    (hint.empty() ? "" : " (did you mean '" + hint + "'?)"));
        } else if (std::find(list.begin(), list.end(), n.Scalar()) == list.end()) {
          list.push_back(n.Scalar());
        }
      }
      if (!list.empty()) {
        cfg.board.sensors = list;
        cfg.board.sensor = list.front();
      }
    }
  }
  board.GetEnum("model", &cfg.board.model, BoardModels());
  board.GetEnum("profile", &cfg.board.profile, {"harvard_tinymlx", "tflm_arduino"});
  board.GetEnum("toolchain", &cfg.board.toolchain, {"virtual", "arduino-cli"});
  board.Get("arduino_cli", &cfg.board.arduino_cli);
  // A path (not a bare name looked up on PATH) is relative to the project file.
  if (cfg.board.arduino_cli.find('/') != std::string::npos) cfg.board.arduino_cli = Anchor(base_dir, cfg.board.arduino_cli);
  board.Finish();

  auto& m = cfg.model;
  MapReader model = top.Child("model");
  model.Get("flash_kb", &m.flash_kb);
  model.CheckRange("flash_kb", static_cast<double>(m.flash_kb), 1, 1 << 20);
  model.Get("ram_kb", &m.ram_kb);
  model.CheckRange("ram_kb", static_cast<double>(m.ram_kb), 1, 1 << 20);
  model.GetEnum("input_dtype", &m.input_dtype, {"int8", "uint8", "float32"});
  model.GetEnum("output_dtype", &m.output_dtype, {"int8", "uint8", "float32"});
  std::string float_model;
  model.Get("float_model", &float_model);
  if (!float_model.empty()) m.float_model = Anchor(base_dir, float_model);
  std::vector<std::string> hidden;
  model.Get("hidden", &hidden);
  if (!hidden.empty()) {
    m.hidden.clear();
    for (const auto& h : hidden) {
      char* end = nullptr;
      long long v = std::strtoll(h.c_str(), &end, 10);
      if (h.empty() || *end != '\0' || v < 1 || v > 4096) {
        issues->Add(model.mark(), "model.hidden", "layer sizes must be integers in [1, 4096], got '" + h + "'");
        break;
      }
      m.hidden.push_back(v);
    }
  }
  model.Get("train_seed", &m.train_seed);
  model.GetEnum("mc_profile", &m.mc_profile, {"portable", "tensorflow"});
  model.Get("accuracy_tolerance", &m.accuracy_tolerance);
  model.CheckRange("accuracy_tolerance", m.accuracy_tolerance, 0, 1);
  model.Get("header_symbol", &m.header_symbol);
  model.Finish();

  auto& b = cfg.budgets;
  MapReader budgets = top.Child("budgets");
  MapReader attempts = budgets.Child("attempts");
  attempts.Get("dp", &b.attempts_dp);
  attempts.Get("mc", &b.attempts_mc);
  attempts.Get("sg", &b.attempts_sg);
  attempts.Get("psg", &b.attempts_psg);
  attempts.Get("tpusg", &b.attempts_tpusg);
  for (auto [k, v] : {std::pair{"dp", b.attempts_dp}, std::pair{"mc", b.attempts_mc},
                      std::pair{"sg", b.attempts_sg}, std::pair{"psg", b.attempts_psg},
                      std::pair{"tpusg", b.attempts_tpusg}}) {
    attempts.CheckRange(k, static_cast<double>(v), 1, 100);
  }
  attempts.Finish();
  budgets.Get("max_tokens", &b.max_tokens);
  budgets.Get("max_cost_usd", &b.max_cost_usd);
  budgets.Get("max_time_s", &b.max_time_s);
  budgets.CheckRange("max_cost_usd", b.max_cost_usd, 0, 1e6);
  budgets.Finish();
  ReadEdge(top.Child("edge"), base_dir, issues, &cfg.edge);
  // contracts: on | off, or a mapping {enabled, seed, random_cases, max_reported}.
  if (YAML::Node cn = top.Raw("contracts"); cn.IsDefined() && !cn.IsNull()) {
    if (cn.IsScalar()) {
      bool on = false;
      if (!YAML::convert<bool>::decode(cn, on)) {
        issues->Add(cn.Mark(), "contracts", "expected on or off (or a mapping with 'enabled'), got '" + cn.Scalar() + "'");
      }
      cfg.contracts.enabled = on;
    } else {
      MapReader c = top.Child("contracts");
      c.Get("enabled", &cfg.contracts.enabled, /*required=*/true);
      c.Get("seed", &cfg.contracts.seed);
      c.Get("random_cases", &cfg.contracts.random_cases);
      c.CheckRange("random_cases", static_cast<double>(cfg.contracts.random_cases), 0, 1000);
      c.Get("max_reported", &cfg.contracts.max_reported);
      c.CheckRange("max_reported", static_cast<double>(cfg.contracts.max_reported), 1, 50);
      c.Finish();
    }
  }
  MapReader otlp = top.Child("otlp");
  if (otlp.present()) {
    cfg.otlp.present = true;
    cfg.otlp.source = file_label + ":" + std::to_string(otlp.mark().line + 1);
    otlp.Get("endpoint", &cfg.otlp.endpoint, /*required=*/true);
    otlp.Get("headers", &cfg.otlp.headers);
    otlp.Get("include_content", &cfg.otlp.include_content);
    if (!cfg.otlp.endpoint.empty() && cfg.otlp.endpoint.rfind("http://", 0) != 0 &&
        cfg.otlp.endpoint.rfind("https://", 0) != 0) {
      issues->Add(otlp.mark(), "otlp.endpoint", "expected an http:// or https:// URL, e.g. http://127.0.0.1:4318");
    }
    for (const auto& h : cfg.otlp.headers) {
      if (h.find('=') == std::string::npos || h.front() == '=') {
        issues->Add(otlp.mark(), "otlp.headers", "each header is KEY=VALUE (a secret as ${ENV_NAME}), got '" +
                                                     h.substr(0, h.find('=')) + "'");
      }
    }
  }
  otlp.Finish();
  top.Finish();
  if (!issues->empty()) return issues->ToError();
  return cfg;
}

}  // namespace

std::vector<std::string> WindowFeatureNames(const DatasetSettings& d) {
  std::vector<std::string> names;
  const auto& w = d.window;
  if (!w.stats.empty()) {
    for (const auto& c : d.feature_columns)
      for (const auto& st : w.stats) names.push_back(c + "_" + st);
    return names;
  }
  if (w.order == "channel_major") {
    for (const auto& c : d.feature_columns)
      for (int64_t i = 0; i < w.samples; ++i) names.push_back(c + "_" + std::to_string(i));
  } else {
    for (int64_t i = 0; i < w.samples; ++i)
      for (const auto& c : d.feature_columns) names.push_back(c + "_" + std::to_string(i));
  }
  return names;
}

std::string EdgeSettings::Stage() const {
  if (device == "raspberry_pi_4b") return "psg";
  if (device == "coral_dev_board") return "tpusg";
  return "";
}

exec::SandboxPolicy SandboxSettings::ToPolicy() const {
  exec::SandboxPolicy p;
  p.timeout_s = timeout_s;
  p.kill_grace_s = kill_grace_s;
  p.memory_mb = memory_mb;
  p.max_output_bytes = static_cast<size_t>(max_output_kb) * 1024;
  p.max_processes = max_processes;
  p.max_open_files = max_open_files;
  p.max_file_mb = max_file_mb;
  p.isolate_network = !allow_network;
  return p;
}

ProjectConfig DefaultProjectConfig(const std::string& base_dir) {
  ProjectConfig cfg;
  cfg.base_dir = base_dir;
  cfg.store = Anchor(base_dir, cfg.store);
  cfg.work_dir = Anchor(base_dir, cfg.work_dir);
  return cfg;
}

Result<ProjectConfig> LoadProjectConfig(const std::string& path) {
  IssueList issues(path);
  auto node = LoadYamlFile(path, &issues);
  if (!node) return node.error();
  std::string base = std::filesystem::absolute(path).parent_path().string();
  return FromNode(*node, &issues, path, base);
}

Result<ProjectConfig> ParseProjectConfig(const std::string& text, const std::string& file_label,
                                         const std::string& base_dir) {
  IssueList issues(file_label);
  auto node = LoadYamlString(text, &issues);
  if (!node) return node.error();
  return FromNode(*node, &issues, file_label, base_dir);
}

}  // namespace autopilot::config
