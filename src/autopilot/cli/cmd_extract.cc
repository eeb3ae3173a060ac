// autopilot extract --lang cpp|python|json FILE [--json]

#include <CLI/CLI.hpp>
#include <iostream>
#include <iterator>

#include "autopilot/cli/app.h"
#include "autopilot/cli/command.h"
#include "autopilot/cli/output.h"
#include "autopilot/extract/extractor.h"
#include "autopilot/util/files.h"

namespace autopilot::cli {
namespace {

struct ExtractOptions {
  std::string lang;
  std::string file;
};

nlohmann::ordered_json ToJson(const extract::Extraction& ex, const std::string& lang) {
  nlohmann::ordered_json j{{"ok", ex.ok}, {"lang", lang}, {"policy", ex.policy}, {"code", ex.code}};
  j["error"] = ex.ok ? nlohmann::ordered_json(nullptr)
                     : nlohmann::ordered_json{{"code", ex.error_code}, {"message", ex.message}};
  j["blocks"] = nlohmann::ordered_json::array();
  for (size_t i = 0; i < ex.blocks.size(); ++i) {
    const auto& b = ex.blocks[i];
    j["blocks"].push_back({{"index", i},
                           {"tag", b.tag},
                           {"lang", b.lang},
                           {"start_line", b.start_line},
                           {"end_line", b.end_line},
                           {"terminated", b.terminated},
                           {"chosen", b.chosen}});
  }
  if (lang == "json") {
    j["json_valid"] = ex.json_valid;
    j["json_error"] = ex.json_error;
  }
  j["notes"] = ex.notes;
  j["thinking_removed_chars"] = ex.thinking.size();
  return j;
}

}  // namespace

CommandRunner SetupExtract(CLI::App* sub, GlobalOptions* globals) {
  sub->description(
      "Extract the program in LANG from a raw LLM reply (FILE or - for stdin): any fence tag or "
      "none, several blocks, unterminated fences, <think> sections, JSON-wrapped code. Prints the "
      "code (or, with --json, the verdict, the blocks and the policy). Exit 1 when no usable code "
      "was found (the format.* code says why).");
  auto o = std::make_shared<ExtractOptions>();
  sub->add_option("--lang", o->lang, "Target language: cpp, python or json")->required();
  sub->add_option("file", o->file, "Reply text file, or - for stdin")->required();
  return [globals, o]() -> int {
    extract::Lang lang;
    if (!extract::ParseLang(o->lang, &lang)) {
      return ReportFailure(globals->json, Error{errc::kUsage, "--lang must be cpp, python or json, not '" + o->lang + "'"});
    }
    std::string text;
    if (o->file == "-") {
      text.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
    } else {
      auto r = util::ReadFile(o->file);
      if (!r) {
        return ReportFailure(globals->json, Error{errc::kUsage, r.error().message});
      }
      text = std::move(*r);
    }
    auto ex = extract::Extract(text, lang);
    if (globals->json) {
      PrintJson(ToJson(ex, std::string(extract::LangName(lang))));
    } else if (ex.ok) {
      std::cout << ex.code;
      for (const auto& n : ex.notes) std::cerr << "extract: note: " << n << "\n";
    } else {
      std::cerr << "extract: " << ex.error_code << ": " << ex.message << "\n";
    }
    return ex.ok ? kExitOk : kExitFailed;
  };
}

}  // namespace autopilot::cli
