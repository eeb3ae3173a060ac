#pragma once
// Function contracts (docs/contracts.md). With `contracts: on` a stage's prompt asks for a few
// named functions with exact signatures (contracts/<stage>.json, rendered with the project's
// facts), and the unit layer calls them directly on test vectors from this tool's reference
// implementation: a wrong feature, argmax, (de)quantization, cleaning step, representative
// dataset, preprocessing or box decoding is caught at the function that is wrong, with a
// counterexample the repair prompt shows.
//
// The chains run the layer after static (Python: static → unit → run; sketch: static → build →
// unit → run): the sketch's unit driver is a second host build of the same translation unit.

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "autopilot/config/project_config.h"
#include "autopilot/exec/process_runner.h"
#include "autopilot/util/result.h"
#include "autopilot/validate/diagnostic.h"

namespace autopilot::stage {

/// One function of a contract, rendered for a project.
struct ContractFunction {
  std::string name;
  std::string signature;     ///< exact: C++ for sketches, an annotated Python signature otherwise
  std::string doc;           ///< what it must compute, with the project's numbers
  std::string reference;     ///< the reference that makes its test vectors (contracts.cc)
  std::string tolerance;     ///< how close a result must be, as the report states it
  std::string failure_code;  ///< taxonomy id of a wrong result
};

struct ContractSet {
  std::string stage;     ///< dp, mc, sg, psg, tpusg
  std::string language;  ///< cpp | python
  std::string about;
  std::vector<ContractFunction> functions;
};

/// What the contracts and their test vectors are computed from. Only the fields of the stage
/// matter: sg the int8 model; mc the representative CSV; dp the raw CSV (default: the
/// project's); the edge stages the project's edge: section.
struct ContractInputs {
  std::string int8_model;
  std::string raw_csv;
  std::string representative_csv;
};

/// The stage's contract for the project (contracts/<psg|tpusg → edge>.json). The stage's
/// functions whose `when` does not hold (quantize for a float input, clean for a window dataset
/// without a recording column) are left out.
Result<ContractSet> LoadContracts(const config::ProjectConfig& cfg, const std::string& stage,
                                  const ContractInputs& in);

/// The prompt fact `contracts` ({about, language, functions: [{name, signature, doc}]}); the
/// templates show it in a {{#contracts}} section, so without it a prompt is unchanged.
nlohmann::json ContractFacts(const ContractSet& set);

/// Adds `contracts` to a stage's facts when the project enables contracts; an error when the
/// contract cannot be made (a harness problem: the facts are the tool's).
Result<void> AddContractFacts(const config::ProjectConfig& cfg, const std::string& stage,
                              const ContractInputs& in, nlohmann::json* facts);

/// One test vector: the arguments (typed values the driver understands), the expected result,
/// and the call as the feedback shows it.
struct ContractCase {
  std::string function;
  std::string label;  ///< "edge: ties", "random 3"
  nlohmann::json args;
  nlohmann::json expected;
  std::string call_text;  ///< e.g. argmax(values={0.1, 0.9, 0.9}, count=3)
};

/// The test vectors of every function of `set` (seeded by the project's contracts.seed).
Result<std::vector<ContractCase>> MakeContractCases(const config::ProjectConfig& cfg, const ContractSet& set,
                                                    const ContractInputs& in);

/// How one function did.
struct ContractOutcome {
  std::string function;
  bool passed = false;
  int cases = 0;
  int failed = 0;
  std::string code;                   ///< taxonomy id when failed
  std::string reason;                 ///< missing, signature, exception, wrong, crash, timeout
  std::vector<std::string> failures;  ///< the first failing cases, as the feedback shows them
};

/// What a driver reported for one case: a value, or why there is none.
struct CaseResult {
  bool called = false;     ///< the call returned
  nlohmann::json value;    ///< its result (typed values)
  nlohmann::json expected_override;  ///< a reference the driver computed (edge preprocess)
  std::string error_type;  ///< Python exception type, "crash", "timeout"
  std::string error_message;
  int line = 0;            ///< where in the script it was raised (0 = unknown)
};

/// Compares a function's case results with the expected values and states the outcome.
ContractOutcome JudgeFunction(const ContractFunction& fn, const std::vector<const ContractCase*>& cases,
                              const std::vector<CaseResult>& results, int64_t max_reported);

/// The unit layer over outcomes: one diagnostic per failing function (code, the contract as the
/// hint, the counterexamples in the message) and the outcomes as evidence "contracts".
validate::LayerResult UnitLayerResult(const ContractSet& set, const std::vector<ContractOutcome>& outcomes,
                                      const std::string& file, int64_t duration_ms);

/// The unit layer of `stage` on `code` (the chains call this when contracts are on; `autopilot
/// validate --layer unit` alone). Sketch: `code` is built for the virtual board with a test
/// driver; Python: the script is imported without its main body (python/autopilot_unit.py).
validate::LayerResult UnitLayer(const config::ProjectConfig& cfg, const std::string& stage, const ContractInputs& in,
                                const std::string& code, exec::ProcessRunner* runner);

/// The Python exception type of a failed call as a taxonomy id.
std::string CodeOfPythonException(const std::string& type, const std::string& message);

}  // namespace autopilot::stage
