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

/// One channel's normalisation: model value = (x - offset) / scale.
struct ChannelNorm {
  double offset = 0;
  double scale = 1;
};

/// When a window starts: the first reading at which the sum over `channels` of |x| (kind
/// abs_sum, GestureToEmoji's |aX|+|aY|+|aZ|) or the Euclidean magnitude (kind magnitude) reaches
/// `threshold`; the window is the `samples` readings after it. kind none: windows start at the
/// first reading of a recording.
struct TriggerSpec {
  std::string kind = "none";  ///< none | abs_sum | magnitude
  std::vector<std::string> channels;
  double threshold = 0;
};

/// A window of consecutive readings (kind window): `samples` readings at `rate_hz` per channel,
/// each normalised, flattened sample-major (s0.c0, s0.c1, …, s1.c0, …) or channel-major
/// (c0.s0, c0.s1, …), or reduced to per-channel statistics when `stats` is not empty.
struct WindowSpec {
  int64_t samples = 0;
  double rate_hz = 0;
  std::string order = "sample_major";  ///< sample_major | channel_major
  std::vector<std::string> stats;      ///< mean | min | max | rms (empty: the flattened window)
  std::string recording;               ///< raw CSV column that groups readings into recordings
  TriggerSpec trigger;
};

/// The dataset and how features are derived from it.
struct DatasetSettings {
  std::string raw_csv;                 ///< raw sensor CSV (relative to the project file)
  std::string label = "label";         ///< label column
  std::vector<std::string> classes;    ///< class names in model output order
  std::string feature_kind = "ratio";  ///< ratio: c/(sum of columns); columns: raw columns;
                                       ///< window: windows of readings (see WindowSpec)
  std::vector<std::string> feature_columns = {"red", "green", "blue"};
  /// Model input names in order. For kind window they are derived (FeatureNames in
  /// features/pipeline.h): `ax_0 … gz_118`, or `ax_mean …` with stats.
  std::vector<std::string> feature_names = {"r_ratio", "g_ratio", "b_ratio"};
  std::vector<ChannelNorm> normalize;  ///< per feature column (kind columns and window); empty = raw
  WindowSpec window;                   ///< kind window only
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
  std::string sensor = "APDS9960";  ///< the first of `sensors`
  /// The sensors the sketch reads: APDS9960 (colour/proximity), IMU (accelerometer, gyroscope),
  /// TEMPERATURE_HUMIDITY, PRESSURE. Each board names the library behind each (board/boards).
  std::vector<std::string> sensors = {"APDS9960"};
  std::string model = "nano33ble_sense";    ///< board/boards/<model>: nano33ble_sense | nano33ble_sense_rev2
  std::string profile = "harvard_tinymlx";  ///< TFLM API profile of the virtual board
  /// Who builds the SG sketch: `virtual` (the host build of the virtual board) or `arduino-cli`
  /// (the real compiler and size check; the run layer stays the virtual board).
  std::string toolchain = "virtual";
  std::string arduino_cli;  ///< the arduino-cli executable ("" = $AUTOPILOT_ARDUINO_CLI or PATH)
};

/// Function contracts (docs/contracts.md): the prompt asks for named functions with exact
/// signatures and the unit layer calls them on reference test vectors. Off by default, so a
/// project without the key keeps the study's prompts byte for byte.
struct ContractSettings {
  bool enabled = false;
  int64_t seed = 7;          ///< seeds the random test vectors (reproducible)
  int64_t random_cases = 8;  ///< random vectors per function, besides the edge cases
  int64_t max_reported = 3;  ///< failing cases per function the feedback shows
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

/// The model input names of a kind-window dataset: `CH_I` per sample (sample- or channel-major),
/// or `CH_STAT` with window statistics.
std::vector<std::string> WindowFeatureNames(const DatasetSettings& d);


/// `otlp:` — live export of each finished run's trace (OTLP/HTTP JSON) during run and sweep.
struct OtlpSettings {
  bool present = false;          ///< the project file has an `otlp:` section
  std::string source;            ///< "file:line" of the section, for messages
  std::string endpoint;          ///< base URL (…:4318, …/api/public/otel) or …/v1/traces
  std::vector<std::string> headers;  ///< "K=V", ${NAME} taken from the environment at export time
  bool include_content = false;  ///< prompts and replies as gen_ai.input/output.messages
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
  OtlpSettings otlp;
  ContractSettings contracts;
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
