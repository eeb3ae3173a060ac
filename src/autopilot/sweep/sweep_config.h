#pragma once
// The sweep file (SWEEP.yaml): the experiment matrix models × prompt formats × stage lists ×
// sampling presets × repetitions, read strictly (every error names file:line:column), and its
// expansion into cells in one deterministic order that shards and resumes rely on.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "autopilot/store/run_store.h"
#include "autopilot/util/result.h"

namespace autopilot::sweep {

/// Whole-sweep limits the tool enforces (0 = unlimited): no run starts once one is reached.
struct SweepBudgets {
  int64_t max_tokens = 0;
  double max_cost_usd = 0;
  double max_time_s = 0;
};

/// One model of the matrix.
struct ModelEntry {
  std::string spec;      ///< as written in the file: the run key's model (stable across machines)
  std::string resolved;  ///< what is run: replay paths anchored at the sweep file's folder
  std::string provider;  ///< openai | ollama | openai-compatible | replay
  std::string label;     ///< the model without its provider, for progress lines
};

/// A parsed sweep file.
struct SweepConfig {
  int64_t version = 1;
  std::string source_file;  ///< file it was read from
  std::string base_dir;     ///< relative paths are resolved against this
  std::string name;
  std::string project;  ///< project file (autopilot.yaml), anchored
  std::vector<ModelEntry> models;
  std::vector<std::string> formats;
  /// Each entry one run's stage list in lifecycle order, comma-joined ("sg", "dp,train,mc,sg").
  std::vector<std::string> stages;
  std::vector<std::string> presets;
  int64_t repetitions = 1;
  /// Max parallel runs per provider; "default" for providers without their own entry.
  std::map<std::string, int64_t> concurrency = {{"default", 2}};
  /// Max LLM requests per minute per provider (absent = unlimited).
  std::map<std::string, double> rate_limit;
  SweepBudgets budgets;
  std::string store;  ///< anchored; "" = not set in the file
  /// Replay backends serve an entry by (stage, attempt) when the request differs.
  bool replay_match_tag_on_miss = false;

  /// The parallel-run limit of a provider.
  int64_t ConcurrencyFor(const std::string& provider) const;
};

/// Reads and validates a sweep file; all problems at once, each as file:line:column: 'key': msg.
Result<SweepConfig> LoadSweepConfig(const std::string& path);
/// Same, from text; `file_label` names the source in messages, `base_dir` anchors paths.
Result<SweepConfig> ParseSweepConfig(const std::string& text, const std::string& file_label,
                                     const std::string& base_dir);

/// One run of the matrix.
struct Cell {
  size_t index = 0;  ///< position in the full matrix order (0-based), the basis of sharding
  store::RunKey key;
  const ModelEntry* model = nullptr;  ///< points into the SweepConfig the cell was planned from
  std::vector<std::string> stages;    ///< the key's stage list, split

  /// "sg gpt-4o json deterministic #3"
  std::string Describe() const;
};

/// Expands the matrix in its fixed order: model, stage list, format, preset, repetition (1-based)
/// — one model's runs together, so a local server swaps models rarely.
std::vector<Cell> PlanCells(const SweepConfig& config);

/// --shard I/N: the cells whose index ≡ I-1 (mod N).
struct Shard {
  int index = 1;  ///< 1-based
  int count = 1;
};
/// Parses "I/N" (1 ≤ I ≤ N); Error code "usage" otherwise.
Result<Shard> ParseShard(const std::string& text);
std::vector<Cell> SelectShard(const std::vector<Cell>& cells, const Shard& shard);

/// Splits and checks a stage list ("dp, sg") into lifecycle order; "" with `error` set when a
/// name is unknown or repeated.
std::vector<std::string> NormaliseStages(const std::string& list, std::string* error);

}  // namespace autopilot::sweep
