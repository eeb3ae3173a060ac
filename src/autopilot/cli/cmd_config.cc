// autopilot config check [FILE]

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>

#include "autopilot/board/board_spec.h"
#include "autopilot/cli/app.h"
#include "autopilot/cli/command.h"
#include "autopilot/cli/output.h"
#include "autopilot/config/project_config.h"

namespace autopilot::cli {
namespace {

/// dataset.features as shown: a window's derived names are summarised (there may be hundreds).
nlohmann::ordered_json FeaturesJson(const config::DatasetSettings& d) {
  nlohmann::ordered_json f = {{"kind", d.feature_kind}, {"columns", d.feature_columns}};
  if (d.feature_kind == "window" && d.feature_names.size() > 8) {
    f["names"] = {d.feature_names.front() + " … " + d.feature_names.back() + " (" +
                  std::to_string(d.feature_names.size()) + " inputs)"};
  } else {
    f["names"] = d.feature_names;
  }
  if (!d.normalize.empty()) {
    nlohmann::ordered_json n = nlohmann::ordered_json::object();
    for (size_t i = 0; i < d.normalize.size() && i < d.feature_columns.size(); ++i) {
      n[d.feature_columns[i]] = {{"offset", d.normalize[i].offset}, {"scale", d.normalize[i].scale}};
    }
    f["normalize"] = n;
  }
  if (d.feature_kind == "window") {
    const auto& w = d.window;
    f["window"] = {{"samples", w.samples}, {"rate_hz", w.rate_hz}, {"order", w.order}, {"stats", w.stats},
                   {"recording", w.recording},
                   {"trigger", {{"kind", w.trigger.kind}, {"channels", w.trigger.channels}, {"threshold", w.trigger.threshold}}}};
  }
  return f;
}

nlohmann::ordered_json ToJson(const config::ProjectConfig& c) {
  const auto& s = c.sandbox;
  const auto& d = c.dataset;
  const auto& m = c.model;
  const auto& b = c.budgets;
  nlohmann::ordered_json out = {{"source_file", c.source_file},
          {"version", c.version},
          {"application", {{"name", c.application.name}, {"description", c.application.description}}},
          {"paths", {{"store", c.store}, {"work_dir", c.work_dir}}},
          {"python", {{"interpreter", c.python}}},
          {"llm", {{"model", c.llm.model}, {"preset", c.llm.preset}, {"num_ctx", c.llm.num_ctx}}},
          {"sandbox",
           {{"timeout_s", s.timeout_s},
            {"kill_grace_s", s.kill_grace_s},
            {"memory_mb", s.memory_mb},
            {"max_output_kb", s.max_output_kb},
            {"max_processes", s.max_processes},
            {"max_open_files", s.max_open_files},
            {"max_file_mb", s.max_file_mb},
            {"allow_network", s.allow_network}}}};
  out["prompt"] = {{"format", c.prompt_format}};
  out["dataset"] = {{"raw_csv", d.raw_csv},
                    {"label", d.label},
                    {"classes", d.classes},
                    {"features", FeaturesJson(d)},
                    {"cleaning", {{"min_clear", d.min_clear}, {"max_proximity", d.max_proximity}, {"drop_duplicates", d.drop_duplicates}}},
                    {"split", {{"test_fraction", d.test_fraction}, {"seed", d.split_seed}}}};
  out["board"] = {{"name", c.board.name},       {"fqbn", c.board.fqbn},       {"model", c.board.model},
                  {"sensors", c.board.sensors}, {"sensor", c.board.sensor},   {"profile", c.board.profile}};
  out["model"] = {{"flash_kb", m.flash_kb}, {"ram_kb", m.ram_kb}, {"input_dtype", m.input_dtype},
                  {"output_dtype", m.output_dtype}, {"float_model", m.float_model}, {"hidden", m.hidden},
                  {"train_seed", m.train_seed}, {"mc_profile", m.mc_profile},
                  {"accuracy_tolerance", m.accuracy_tolerance}, {"header_symbol", m.header_symbol}};
  out["budgets"] = {{"attempts", {{"dp", b.attempts_dp}, {"mc", b.attempts_mc}, {"sg", b.attempts_sg}, {"psg", b.attempts_psg}, {"tpusg", b.attempts_tpusg}}},
                    {"max_tokens", b.max_tokens}, {"max_cost_usd", b.max_cost_usd}, {"max_time_s", b.max_time_s}};
  if (c.edge.present) {
    const auto& e = c.edge;
    auto file = [](const config::EdgeFile& f) { return nlohmann::ordered_json{{"file", f.file}, {"as", f.as}}; };
    out["edge"] = {{"device", e.device},       {"stage", e.Stage()},         {"model", file(e.model)},
                   {"labels", file(e.labels)}, {"input", file(e.input)},     {"output", file(e.output)},
                   {"threshold", e.threshold}, {"validation_frames", e.validation_frames}};
  }
  return out;
}

}  // namespace

/// What is valid but will not work as the user expects on the chosen board: a window taken at
/// another rate than the sensor delivers (a Rev1 dataset at 119 Hz on the Rev2's 99.84 Hz IMU
/// gives the model longer windows than it was trained on).
std::vector<std::string> BoardWarnings(const config::ProjectConfig& c) {
  std::vector<std::string> out;
  if (c.dataset.feature_kind != "window") return out;
  auto board = board::LoadBoard(c.board.model);
  if (!board) return {board.error().message};
  const double rate = c.dataset.window.rate_hz;
  for (const auto& id : c.board.sensors) {
    const board::SensorSpec* s = board->Sensor(id);
    if (!s) continue;
    for (const auto& q : s->quantities) {
      bool feeds = false;
      for (const auto& col : q.columns) {
        feeds = feeds || std::find(c.dataset.feature_columns.begin(), c.dataset.feature_columns.end(), col) !=
                             c.dataset.feature_columns.end();
      }
      if (!feeds || q.rate_hz <= 0 || std::fabs(q.rate_hz - rate) <= 0.01 * q.rate_hz) continue;
      char buf[320];
      std::snprintf(buf, sizeof buf,
                    "dataset.features.window.rate_hz is %g Hz but the %s's %s on %s delivers %g Hz: a sketch "
                    "captures %lld readings in %.2f s, not %.2f s; record the data at the board's rate or set rate_hz",
                    rate, id.c_str(), q.name.c_str(), board->display_name.c_str(), q.rate_hz,
                    static_cast<long long>(c.dataset.window.samples),
                    static_cast<double>(c.dataset.window.samples) / q.rate_hz,
                    static_cast<double>(c.dataset.window.samples) / rate);
      out.push_back(buf);
    }
  }
  return out;
}

CommandRunner SetupConfig(CLI::App* sub, GlobalOptions* globals) {
  sub->require_subcommand(1);
  CLI::App* check = sub->add_subcommand(
      "check", "Validate a project file and print the resolved settings (exit 2 when invalid)");
  auto file = std::make_shared<std::string>();
  check->add_option("file", *file, "Project file (default: the global --config or autopilot.yaml)");
  return [globals, file]() -> int {
    GlobalOptions g = *globals;
    if (!file->empty()) g.config_path = *file;
    auto cfg = LoadConfig(g);
    if (!cfg) {
      return ReportFailure(g.json, cfg.error());
    }
    std::vector<std::string> warnings = BoardWarnings(*cfg);
    if (g.json) {
      nlohmann::json j = ToJson(*cfg);
      j["warnings"] = warnings;
      PrintJson(j);
    } else {
      for (const auto& w : warnings) std::cerr << "autopilot: warning: " << w << "\n";
      std::cout << (cfg->source_file.empty() ? std::string("(built-in defaults)") : cfg->source_file)
                << ": ok\n"
                << ToJson(*cfg).dump(2) << "\n";
    }
    return kExitOk;
  };
}

}  // namespace autopilot::cli
