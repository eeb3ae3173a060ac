// autopilot classify [--stage dp|mc|sg|psg|tpusg] [--profile NAME | --project FILE] [--rules FILE]
//                    (FILE|DIR|-) [--json]

#include <CLI/CLI.hpp>
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

#include "autopilot/cli/app.h"
#include "autopilot/cli/command.h"
#include "autopilot/cli/output.h"
#include "autopilot/board/profile.h"
#include "autopilot/config/project_config.h"
#include "autopilot/taxonomy/classifier.h"
#include "autopilot/util/strings.h"

namespace autopilot::cli {
namespace {

namespace fs = std::filesystem;

struct ClassifyOptions {
  std::string input;
  std::string stage;
  std::string rules;
  std::string profile;
  std::string project;
};

struct Item {
  std::string name;  ///< as shown: the path given, a path under DIR, or "-"
  std::string text;
  std::string stage;
};

Result<std::string> ReadAll(std::istream& in, const std::string& name) {
  std::ostringstream buffer;
  buffer << in.rdbuf();  // one bulk copy; a char-by-char iterator is a tenth of the whole run
  if (in.bad()) return Error{errc::kIo, name + ": read failed"};
  return std::move(buffer).str();
}

Result<std::vector<Item>> CollectInputs(const ClassifyOptions& opt) {
  std::vector<Item> items;
  if (opt.input == "-") {
    auto text = ReadAll(std::cin, "stdin");
    if (!text) return text.error();
    items.push_back({"-", std::move(*text), opt.stage});
    return items;
  }
  std::error_code ec;
  if (!fs::exists(opt.input, ec)) {
    return Error{errc::kUsage, opt.input + ": no such file or directory"};
  }
  std::vector<fs::path> paths;
  if (fs::is_directory(opt.input, ec)) {
    for (auto it = fs::recursive_directory_iterator(opt.input, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (it->is_regular_file()) paths.push_back(it->path());
    }
    if (ec) return Error{errc::kIo, opt.input + ": " + ec.message()};
    std::sort(paths.begin(), paths.end());
  } else {
    paths.emplace_back(opt.input);
  }
  for (const auto& p : paths) {
    std::ifstream in(p, std::ios::binary);
    if (!in) return Error{errc::kIo, p.string() + ": cannot open"};
    auto text = ReadAll(in, p.string());
    if (!text) return text.error();
    std::string stage = opt.stage.empty() ? taxonomy::StageFromFileName(p.string()) : opt.stage;
    items.push_back({p.string(), std::move(*text), stage});
  }
  return items;
}

nlohmann::ordered_json VerdictJson(const Item& item, const taxonomy::Verdict& v) {
  const auto& info = taxonomy::Info(v.primary);
  nlohmann::ordered_json secondary = nlohmann::ordered_json::array();
  nlohmann::ordered_json secondary_codes = nlohmann::ordered_json::array();
  for (auto c : v.secondary) {
    secondary.push_back(std::string(taxonomy::IdOf(c)));
    secondary_codes.push_back(taxonomy::CodeOf(c));
  }
  return {{"input", item.name},
          {"stage", item.stage},
          {"primary", std::string(info.id)},
          {"code", info.code()},
          {"family", std::string(info.family)},
          {"counts_against_model", info.counts_against_model},
          {"secondary", secondary},
          {"secondary_codes", secondary_codes},
          {"rule", v.rule},
          {"profile", v.profile},
          {"why", v.why},
          {"evidence", v.evidence}};
}

}  // namespace

CommandRunner SetupClassify(CLI::App* sub, GlobalOptions* globals) {
  auto opt = std::make_shared<ClassifyOptions>();
  sub->add_option("input", opt->input, "A failure log, a directory of them, or - for stdin")
      ->required();
  sub->add_option("--stage", opt->stage,
                  "Stage the failures come from (default: from a file-name prefix like sg__…)")
      ->check(CLI::IsMember(taxonomy::KnownStages()));
  sub->add_option("--rules", opt->rules,
                  "Rules file (default: $AUTOPILOT_RULES, else taxonomy/rules.yaml)");
  sub->add_option("--profile", opt->profile,
                  "Toolchain profile the code was built with (board/profiles/<NAME>.json); names "
                  "are looked up in its SDK headers (default: the stage's usual profile from the "
                  "rules' stage_profiles, harvard_tinymlx for sg)")
      ->check(CLI::IsMember(board::ProfileNames()));
  sub->add_option("--project", opt->project,
                  "Project file (autopilot.yaml) whose board.profile is the default for --profile");
  sub->footer(
      "Prints, per input, the primary taxonomy id, its numeric code, secondary ids and the rule "
      "that fired (--json: one document with a results array).\nExit codes: 0 ok, 2 usage (missing "
      "input, bad stage, invalid rules file), 3 internal.");
  return [globals, opt]() -> int {
    std::string rules_path = opt->rules.empty() ? taxonomy::DefaultRulesPath() : opt->rules;
    auto classifier = taxonomy::Classifier::FromFile(rules_path);
    if (!classifier) {
      return ReportFailure(globals->json, classifier.error());
    }
    // The SDK facts the toolchain-aware rules consult: the named profile, else the project's,
    // else the stages' usual ones.
    if (opt->profile.empty() && !opt->project.empty()) {
      auto cfg = config::LoadProjectConfig(opt->project);
      if (!cfg) return ReportFailure(globals->json, cfg.error());
      opt->profile = cfg->board.profile;
    }
    auto toolchains = opt->profile.empty() ? classifier->LoadStageToolchains()
                                           : classifier->LoadToolchain(opt->profile);
    if (!toolchains) {
      return ReportFailure(globals->json, Error{errc::kConfig, toolchains.error().message});
    }
    auto items = CollectInputs(*opt);
    if (!items) {
      return ReportFailure(globals->json, items.error());
    }
    size_t unknown = 0;
    nlohmann::ordered_json results = nlohmann::ordered_json::array();
    std::vector<std::vector<std::string>> rows;
    for (const auto& item : *items) {
      taxonomy::FailureInput in;
      in.stage = item.stage;
      in.text = item.text;
      in.profile = opt->profile;
      taxonomy::Verdict v = classifier->Classify(in);
      if (v.primary == taxonomy::Category::kUnknown) ++unknown;
      if (globals->json) {
        results.push_back(VerdictJson(item, v));
      } else {
        std::vector<std::string> secondary;
        for (auto c : v.secondary) secondary.emplace_back(taxonomy::IdOf(c));
        rows.push_back({item.name, item.stage.empty() ? "-" : item.stage,
                        std::string(taxonomy::IdOf(v.primary)),
                        std::to_string(taxonomy::CodeOf(v.primary)),
                        secondary.empty() ? "-" : util::Join(secondary, ","), v.rule});
      }
    }
    if (globals->json) {
      PrintJson({{"rules", rules_path},
                 {"profile", opt->profile},
                 {"results", results},
                 {"summary", {{"inputs", items->size()}, {"unknown", unknown}}}});
    } else {
      std::cout << FormatTable({"input", "stage", "primary", "code", "secondary", "rule"}, rows);
      if (items->size() > 1) {
        std::cout << items->size() << " inputs, " << unknown << " unknown\n";
      }
    }
    return kExitOk;
  };
}

}  // namespace autopilot::cli
