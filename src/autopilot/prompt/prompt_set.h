#pragma once
// Prompt formats as template files: prompts/<stage>/<format>/{system,task,repair}.txt, rendered
// from the same facts. The study found that the *form* of a prompt changes success rates; here
// the form is data and every format is checked to carry the same facts.

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "autopilot/util/result.h"

namespace autopilot::prompt {

/// The formats every stage offers (see docs/prompts.md).
inline const std::vector<std::string>& KnownFormats() {
  static const std::vector<std::string> kFormats = {"json", "markdown", "prose", "minimal",
                                                    "outline"};
  return kFormats;
}

/// A rendered prompt: the system message and the user message.
struct Prompt {
  std::string system;
  std::string user;
};

/// The templates of one stage in one format.
struct FormatTemplates {
  std::string dir;
  /// The system prompt's file: <dir>/system.txt, else the stage's shared <stage>/system.txt.
  std::string system_path;
  std::string system;
  std::string task;
  std::string repair;
};

/// All prompt templates under a root folder.
class PromptLibrary {
 public:
  /// Loads every prompts/<stage>/<format>/ folder; each must hold system.txt (or use the stage's
  /// prompts/<stage>/system.txt), task.txt and
  /// repair.txt. Errors name the missing file.
  static Result<PromptLibrary> Load(const std::string& root);
  /// The library shipped with the tool ($AUTOPILOT_DATA_DIR/prompts, else the source tree's).
  static Result<PromptLibrary> LoadDefault();

  std::vector<std::string> Stages() const;
  std::vector<std::string> Formats(const std::string& stage) const;
  bool Has(const std::string& stage, const std::string& format) const;

  /// First prompt of an attempt loop.
  Result<Prompt> RenderTask(const std::string& stage, const std::string& format,
                            const nlohmann::json& facts) const;
  /// Repair prompt: `facts` plus a `repair` object (layer, code, diagnostics, previous_code,
  /// repeated, attempt, and optionally redacted: secrets were replaced in what it quotes).
  Result<Prompt> RenderRepair(const std::string& stage, const std::string& format,
                              const nlohmann::json& facts) const;

  const FormatTemplates* Find(const std::string& stage, const std::string& format) const;

 private:
  std::map<std::string, std::map<std::string, FormatTemplates>> stages_;
};

/// Where the tool's data files live ($AUTOPILOT_DATA_DIR, else the source tree).
std::string DataDir();

}  // namespace autopilot::prompt
