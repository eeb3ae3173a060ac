#pragma once
// The project file (autopilot.yaml) as typed, validated settings.

#include <cstdint>
#include <string>
#include <vector>

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
  /// Ollama context window sent with every request; 0 = the model's own (from /api/show).
  int64_t num_ctx = 0;
};

/// What the application is.
struct ApplicationSettings {
  std::string name;
  std::string description;
};

/// The dataset and how features are derived from it.
struct DatasetSettings {
  std::string raw_csv;                 ///< raw sensor CSV (relative to the project file)
  std::string label = "label";         ///< label column
  std::vector<std::string> classes;    ///< class names in model output order
  std::string feature_kind = "ratio";  ///< ratio: c/(sum of columns); columns: raw columns
  std::vector<std::string> feature_columns = {"red", "green", "blue"};
  std::vector<std::string> feature_names = {"r_ratio", "g_ratio", "b_ratio"};
  int64_t min_clear = 10;              ///< rows with clear below this are too dark: dropped
  int64_t max_proximity = 0;           ///< rows farther than this (APDS9960: 0 = near) are dropped
  bool drop_duplicates = true;
  double test_fraction = 0.2;
  int64_t split_seed = 42;
};

/// The target board and the model constraints it implies.
struct BoardSettings {
  std::string name = "Arduino Nano 33 BLE Sense";
  std::string fqbn = "arduino:mbed_nano:nano33ble";
  std::string sensor = "APDS9960";
  std::string profile = "harvard_tinymlx";  ///< TFLM API profile of the virtual board
};

/// Model constraints and how the float model is obtained.
struct ModelSettings {
  int64_t flash_kb = 1024;
  int64_t ram_kb = 256;
  std::string input_dtype = "int8";   ///< int8 | uint8 | float32
  std::string output_dtype = "int8";
  std::string float_model;            ///< provided .tflite/.keras; empty = built-in trainer
  std::vector<int64_t> hidden = {8, 5};
  int64_t train_seed = 1;
  std::string mc_profile = "portable";  ///< portable | tensorflow
  double accuracy_tolerance = 0.02;     ///< int8 accuracy may trail the float model by this
  std::string header_symbol = "g_model";
};

/// Attempt and spending limits the tool enforces.
struct BudgetSettings {
  int64_t attempts_dp = 5;
  int64_t attempts_mc = 5;
  int64_t attempts_sg = 5;
  int64_t attempts_psg = 5;    ///< the study's PSG/TPUSG limit too
  int64_t attempts_tpusg = 5;
  int64_t max_tokens = 0;     ///< 0 = unlimited
  double max_cost_usd = 0;    ///< 0 = unlimited
  double max_time_s = 0;      ///< 0 = unlimited
};

/// A file an edge script uses: where it is on this machine, and the path the script's prompt names
/// (the sandbox shows `file` there, read-only for inputs; `output` is collected from there).
struct EdgeFile {
  std::string file;  ///< on this machine; anchored at the project file's folder
  std::string as;    ///< the path the script uses: relative to its folder, or absolute
};

/// The Linux-device stages (psg on a Raspberry Pi 4B, tpusg on a Coral Dev Board): the detector,
/// its labels, the input video and where the annotated output video goes.
struct EdgeSettings {
  bool present = false;  ///< the project file has an `edge:` section
  std::string device;    ///< raspberry_pi_4b | coral_dev_board
  EdgeFile model, labels, input, output;
  double threshold = 0.5;         ///< detection score threshold the script is told to use
  int64_t validation_frames = 24; ///< frames of the input the script gets when validated (0 = all)
  /// psg for the Raspberry Pi, tpusg for the Coral; "" without a device.
  std::string Stage() const;
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
  std::string prompt_format = "markdown";  ///< json | markdown | prose | minimal | outline
  /// DP as one script (single) or as the study's two steps: a JSON plan of operations, then one
  /// script per operation (two_step; prompts for the json and markdown formats).
  std::string dp_mode = "single";
  SandboxSettings sandbox;
  DatasetSettings dataset;
  BoardSettings board;
  ModelSettings model;
  BudgetSettings budgets;
  EdgeSettings edge;
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
