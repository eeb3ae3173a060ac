// autopilot validate --stage dp|mc|sg|psg|tpusg --project PROJECT.yaml FILE [--json]
// The validator chain of a stage on code a user already has: no LLM involved.

#include <CLI/CLI.hpp>
#include <filesystem>
#include <iostream>

#include "autopilot/cli/app.h"
#include "autopilot/cli/command.h"
#include "autopilot/cli/output.h"
#include "autopilot/config/project_config.h"
#include "autopilot/exec/process_runner.h"
#include "autopilot/extract/extractor.h"
#include "autopilot/stage/chains.h"
#include "autopilot/stage/contracts.h"
#include "autopilot/stage/edge_chain.h"
#include "autopilot/stage/reference.h"
#include "autopilot/util/files.h"
#include "autopilot/util/strings.h"

namespace autopilot::cli {
namespace {

using validate::LayerResult;

struct ValidateOptions {
  std::string stage;
  std::string project;
  std::string file;
  std::string toolchain;    ///< "" = the project's board.toolchain
  std::string arduino_cli;  ///< "" = the project's board.arduino_cli
  std::string layer = "all";  ///< all | unit
  bool contracts = false;     ///< --contracts: the unit layer in the chain even with contracts: off
};

}  // namespace

CommandRunner SetupValidate(CLI::App* sub, GlobalOptions* globals) {
  sub->description(
      "Run a stage's validator chain (format → static → build → run → semantic) on code you "
      "already have — a script, a sketch, or a raw LLM reply to extract it from. No LLM is "
      "involved: the reference artifacts (split, float and int8 models, sensor scenario) are made "
      "from the project's dataset by the built-in path. Exit 0 when every layer passes.");
  auto o = std::make_shared<ValidateOptions>();
  sub->add_option("--stage", o->stage, "dp, mc, sg, psg (Raspberry Pi 4B) or tpusg (Coral Dev Board)")
      ->required()
      ->check(CLI::IsMember({"dp", "mc", "sg", "psg", "tpusg"}));
  sub->add_option("--project", o->project, "Project file (autopilot.yaml)")->required();
  sub->add_option("file", o->file, "Script, sketch, or raw reply")->required();
  sub->add_option("--toolchain", o->toolchain,
                  "SG build layer: virtual (the virtual board's host build) or arduino-cli (arduino-cli "
                  "compile --format json and its size check; the run layer stays the virtual board). "
                  "Default: the project's board.toolchain")
      ->check(CLI::IsMember({"virtual", "arduino-cli"}));
  sub->add_option("--arduino-cli", o->arduino_cli,
                  "The arduino-cli executable (default: board.arduino_cli, $AUTOPILOT_ARDUINO_CLI, PATH)");
  sub->add_option("--layer", o->layer,
                  "all (the whole chain) or unit: the format layer, then only the unit layer — the "
                  "stage's contract functions called on reference vectors (docs/contracts.md), whatever "
                  "the project's contracts setting")
      ->check(CLI::IsMember({"all", "unit"}));
  sub->add_flag("--contracts", o->contracts, "Run the chain with the unit layer even when the project has contracts: off");
  return [globals, o]() -> int {
    auto cfg = config::LoadProjectConfig(o->project);
    if (!cfg) {
      return ReportFailure(globals->json, cfg.error());
    }
    if (o->contracts || o->layer == "unit") cfg->contracts.enabled = true;
    if (!o->toolchain.empty()) cfg->board.toolchain = o->toolchain;
    if (!o->arduino_cli.empty()) cfg->board.arduino_cli = o->arduino_cli;
    auto text = util::ReadFile(o->file);
    if (!text) {
      return ReportFailure(globals->json, Error{errc::kUsage, text.error().message});
    }
    const bool edge = stage::IsEdgeStage(o->stage);
    // The edge stages judge with the project's own detector and video; no colour reference.
    auto ref = edge ? Result<stage::ReferenceArtifacts>(stage::ReferenceArtifacts{}) : stage::EnsureReference(*cfg);
    if (!ref) {
      return ReportFailure(globals->json, ref.error());
    }
    extract::Lang lang = o->stage == "sg" ? extract::Lang::kCpp : extract::Lang::kPython;
    std::string code;
    std::vector<LayerResult> layers{stage::FormatLayerForFile(*text, o->file, lang, &code)};
    exec::SandboxRunner runner;
    if (layers[0].passed && o->layer == "unit") {
      stage::ContractInputs in;
      if (o->stage == "sg") in = {ref->int8_model, ref->raw_csv, ""};
      if (o->stage == "dp") in = {"", ref->raw_csv, ""};
      if (o->stage == "mc") in = {"", "", ref->train_csv};
      layers.push_back(stage::UnitLayer(*cfg, o->stage, in, code, &runner));
    } else if (layers[0].passed) {
      auto rest = edge               ? stage::EdgeChain(*cfg, o->stage, code, &runner)
                  : o->stage == "dp" ? stage::DpChain(*cfg, ref->raw_csv, code, &runner)
                  : o->stage == "mc" ? stage::McChain(*cfg, {ref->float_model, ref->train_csv, ref->test_csv}, code, &runner)
                                     : stage::SgChain(*cfg, {ref->int8_model, "", ref->scenario_csv, ref->raw_csv}, code, &runner);
      layers.insert(layers.end(), rest.begin(), rest.end());
    }
    bool passed = std::all_of(layers.begin(), layers.end(), [](const LayerResult& l) { return l.passed; });
    std::vector<std::string> codes;
    for (const auto& l : layers) {
      for (const auto& d : l.diagnostics) {
        // listed under "warnings" / "notes"; they do not fail a layer
        if (d.code == "warning" || d.code == "note") continue;
        if (std::find(codes.begin(), codes.end(), d.code) == codes.end()) codes.push_back(d.code);
      }
    }
    if (globals->json) {
      nlohmann::ordered_json doc{{"stage", o->stage}, {"passed", passed}, {"codes", codes}};
      doc["warnings"] = nlohmann::ordered_json::array();
      for (const auto& l : layers) {
        for (const auto& d : l.diagnostics) {
          if (d.code == "warning") doc["warnings"].push_back(d.message);
        }
      }
      doc["notes"] = nlohmann::ordered_json::array();
      for (const auto& l : layers) {
        for (const auto& d : l.diagnostics) {
          if (d.code == "note") doc["notes"].push_back(d.message);
        }
      }
      doc["layers"] = nlohmann::ordered_json::array();
      for (const auto& l : layers) {
        nlohmann::ordered_json lj{{"layer", l.layer}, {"passed", l.passed}, {"duration_ms", l.duration_ms}};
        lj["diagnostics"] = nlohmann::ordered_json::array();
        for (const auto& d : l.diagnostics) {
          lj["diagnostics"].push_back({{"code", d.code}, {"message", d.message}, {"file", d.file},
                                       {"line", d.line ? nlohmann::ordered_json(*d.line) : nullptr},
                                       {"hint", d.hint}});
        }
        doc["layers"].push_back(lj);
      }
      PrintJson(doc);
    } else {
      for (const auto& l : layers) {
        std::cout << l.layer << ": " << (l.passed ? "pass" : "FAIL") << "\n";
        for (const auto& d : l.diagnostics) {
          std::cout << "  " << d.code << ": " << (d.line ? d.file + ":" + std::to_string(*d.line) + ": " : "")
                    << d.message << (d.hint.empty() ? "" : " (" + d.hint + ")") << "\n";
        }
      }
      std::cout << "verdict: " << (passed ? "pass" : "fail") << "\n";
    }
    return passed ? kExitOk : kExitFailed;
  };
}

}  // namespace autopilot::cli
