#include "autopilot/prompt/prompt_set.h"

#include <cstdlib>
#include <filesystem>

#include "autopilot/prompt/template.h"
#include "autopilot/util/files.h"

namespace autopilot::prompt {

std::string DataDir() { return util::DataDir(); }

Result<PromptLibrary> PromptLibrary::Load(const std::string& root) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(root, ec)) {
    return Error{errc::kEnv, root + ": prompt folder not found (set AUTOPILOT_DATA_DIR)"};
  }
  PromptLibrary lib;
  for (const auto& stage : fs::directory_iterator(root, ec)) {
    if (!stage.is_directory()) continue;
    for (const auto& fmt : fs::directory_iterator(stage.path(), ec)) {
      if (!fmt.is_directory()) continue;
      FormatTemplates t;
      t.dir = fmt.path().string();
      // A format without its own system prompt uses the stage's (formats differ mostly in the
      // task and repair templates).
      t.system_path = t.dir + "/system.txt";
      if (!util::PathExists(t.system_path) && util::PathExists(stage.path().string() + "/system.txt")) {
        t.system_path = stage.path().string() + "/system.txt";
      }
      auto system = util::ReadFile(t.system_path);
      if (!system) return Error{errc::kEnv, t.system_path + ": missing prompt template"};
      t.system = std::move(*system);
      for (auto [file, dest] : {std::pair{"task.txt", &t.task}, std::pair{"repair.txt", &t.repair}}) {
        auto text = util::ReadFile(t.dir + "/" + file);
        if (!text) {
          return Error{errc::kEnv, t.dir + "/" + file + ": missing prompt template"};
        }
        *dest = std::move(*text);
      }
      lib.stages_[stage.path().filename().string()][fmt.path().filename().string()] = t;
    }
  }
  if (lib.stages_.empty()) return Error{errc::kEnv, root + ": no prompt templates"};
  return lib;
}

Result<PromptLibrary> PromptLibrary::LoadDefault() { return Load(DataDir() + "/prompts"); }

std::vector<std::string> PromptLibrary::Stages() const {
  std::vector<std::string> out;
  for (const auto& [s, _] : stages_) out.push_back(s);
  return out;
}

std::vector<std::string> PromptLibrary::Formats(const std::string& stage) const {
  std::vector<std::string> out;
  auto it = stages_.find(stage);
  if (it == stages_.end()) return out;
  for (const auto& [f, _] : it->second) out.push_back(f);
  return out;
}

const FormatTemplates* PromptLibrary::Find(const std::string& stage,
                                           const std::string& format) const {
  auto it = stages_.find(stage);
  if (it == stages_.end()) return nullptr;
  auto f = it->second.find(format);
  return f == it->second.end() ? nullptr : &f->second;
}

bool PromptLibrary::Has(const std::string& stage, const std::string& format) const {
  return Find(stage, format) != nullptr;
}

namespace {

Result<Prompt> RenderPair(const FormatTemplates& t, const std::string& user_template,
                          const std::string& user_name, const nlohmann::json& facts) {
  auto sys = Render(t.system, facts, t.system_path);
  if (!sys) return sys.error();
  auto user = Render(user_template, facts, t.dir + "/" + user_name);
  if (!user) return user.error();
  return Prompt{*sys, *user};
}

}  // namespace

Result<Prompt> PromptLibrary::RenderTask(const std::string& stage, const std::string& format,
                                         const nlohmann::json& facts) const {
  const auto* t = Find(stage, format);
  if (!t) {
    return Error{errc::kEnv, "no prompt format '" + format + "' for stage '" + stage + "'"};
  }
  return RenderPair(*t, t->task, "task.txt", facts);
}

Result<Prompt> PromptLibrary::RenderRepair(const std::string& stage, const std::string& format,
                                           const nlohmann::json& facts) const {
  const auto* t = Find(stage, format);
  if (!t) {
    return Error{errc::kEnv, "no prompt format '" + format + "' for stage '" + stage + "'"};
  }
  return RenderPair(*t, t->repair, "repair.txt", facts);
}

}  // namespace autopilot::prompt
