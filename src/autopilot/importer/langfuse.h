#pragma once
// Import of the original prototype's Langfuse trace exports ({"data":[trace…],"meta":{…}}, see
// research/benchmark_data.md §2.1) into the run store: one run per trace, one attempt per code
// generation, every generation as an LLM call, failed attempts classified with the taxonomy.

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "autopilot/store/run_store.h"
#include "autopilot/taxonomy/classifier.h"
#include "autopilot/util/result.h"

namespace autopilot::importer {

/// The sweep name of imported runs.
inline constexpr const char* kLangfuseSweep = "import:langfuse";

/// How to import.
struct LangfuseOptions {
  /// Prompt format recorded on the runs (the export does not say which prompts were used).
  std::string format = "original";
  /// Classifies failed attempts; required.
  const taxonomy::Classifier* classifier = nullptr;
};

/// What an import did.
struct ImportStats {
  size_t traces = 0;
  size_t imported = 0;      ///< runs written now
  size_t already = 0;       ///< traces whose run the store already holds (skipped)
  size_t duplicates = 0;    ///< trace ids repeated within the file (kept once)
  size_t attempts = 0;
  size_t failed_attempts = 0;
  size_t unclassified = 0;  ///< failed attempts without error text (nothing to classify)
  size_t llm_calls = 0;
  int64_t tokens = 0;
  double cost_usd = 0;
  std::map<std::string, size_t> runs_by_status;
  std::map<std::string, size_t> attempts_by_code;  ///< primary taxonomy id of failed attempts
};

/// The run key of an imported trace: "import:langfuse|trace:<id>" — stable, so a second import
/// of the same trace finds it.
std::string LangfuseRunKey(const std::string& trace_id);

/// Imports the export in `path`. Malformed input is an Error (code "import.malformed") naming the
/// file and the JSON path ($.data[3].observations[1].promptTokens); all of it is written in one
/// transaction, or none of it.
Result<ImportStats> ImportLangfuseFile(const std::string& path, store::RunStore& store,
                                       const LangfuseOptions& options);
/// Same, for an already parsed document; `label` names it in messages.
Result<ImportStats> ImportLangfuse(const nlohmann::json& doc, const std::string& label,
                                   store::RunStore& store, const LangfuseOptions& options);

}  // namespace autopilot::importer
