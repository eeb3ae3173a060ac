#include "autopilot/config/project_config.h"

#include <filesystem>

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
  llm.Finish();
  if (!cfg.llm.model.empty() && cfg.llm.model.find(':') == std::string::npos) {
    issues->Add(llm.mark(), "llm.model",
                "expected PROVIDER:MODEL[@BASE_URL], e.g. ollama:qwen2.5-coder:32b");
  }

  ReadSandbox(top.Child("sandbox"), &cfg.sandbox);
  top.Finish();
  if (!issues->empty()) return issues->ToError();
  return cfg;
}

}  // namespace

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
