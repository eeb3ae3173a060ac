#pragma once
// The project file (autopilot.yaml) as typed, validated settings.

#include <cstdint>
#include <string>

#include "autopilot/config/yaml_reader.h"
#include "autopilot/exec/process_runner.h"
#include "autopilot/util/result.h"

namespace autopilot::config {

/// Limits for generated code run in the sandbox (see exec::SandboxPolicy).
struct SandboxSettings {
  double timeout_s = 120.0;
  double kill_grace_s = 2.0;
  int64_t memory_mb = 2048;
  int64_t max_output_kb = 1024;
  int64_t max_processes = 128;
  int64_t max_open_files = 256;
  int64_t max_file_mb = 256;
  bool allow_network = false;

  exec::SandboxPolicy ToPolicy() const;
};

/// Which LLM to drive and how to sample it.
struct LlmSettings {
  std::string model;  ///< PROVIDER:MODEL[@BASE_URL]; empty = must be given on the command line
  std::string preset = "default";
};

/// What the application is.
struct ApplicationSettings {
  std::string name;
  std::string description;
};

/// Everything read from autopilot.yaml, with defaults for what it leaves out.
struct ProjectConfig {
  int64_t version = 1;
  std::string source_file;  ///< file it was read from ("" for built-in defaults)
  std::string base_dir;     ///< relative paths in the file are resolved against this
  ApplicationSettings application;
  std::string store = ".autopilot/runs.db";
  std::string work_dir = ".autopilot/work";
  std::string python = "/usr/bin/python3";
  LlmSettings llm;
  SandboxSettings sandbox;
};

inline constexpr int64_t kConfigVersion = 1;

/// Reads and validates a project file. All problems are reported at once, each as
/// file:line:column: 'key': message.
Result<ProjectConfig> LoadProjectConfig(const std::string& path);
/// Same, from text; `file_label` names the source in messages, `base_dir` anchors paths.
Result<ProjectConfig> ParseProjectConfig(const std::string& text, const std::string& file_label,
                                         const std::string& base_dir);
/// Built-in defaults (no file), anchored at `base_dir`.
ProjectConfig DefaultProjectConfig(const std::string& base_dir);

}  // namespace autopilot::config
