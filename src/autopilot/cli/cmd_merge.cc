// autopilot merge A.db B.db … -o ALL.db [--force]   (global --json)

#include <CLI/CLI.hpp>
#include <iostream>

#include "autopilot/cli/app.h"
#include "autopilot/cli/command.h"
#include "autopilot/cli/output.h"
#include "autopilot/store/merge.h"

namespace autopilot::cli {

CommandRunner SetupMerge(CLI::App* sub, GlobalOptions* globals) {
  struct Options {
    std::vector<std::string> inputs;
    std::string output;
    bool force = false;
  };
  auto o = std::make_shared<Options>();
  sub->add_option("stores", o->inputs, "Input stores (e.g. the shards of a sweep)")->required();
  sub->add_option("-o,--output", o->output, "The merged store to write (must not exist unless --force)")->required();
  sub->add_flag("--force", o->force, "Replace the output file if it exists");
  sub->footer(
      "Copies every run with its attempts, LLM calls, validations, artifacts and re-judged verdicts "
      "under new ids. The "
      "same run key in two inputs: a finished run wins over an unfinished one; two finished runs "
      "must be identical, else the merge fails (exit 1) and writes nothing.");
  return [globals, o]() -> int {
    store::MergeOptions mo;
    mo.force = o->force;
    auto stats = store::MergeStores(o->inputs, o->output, mo);
    if (!stats) {
      return ReportFailure(globals->json, stats.error());
    }
    const auto& s = *stats;
    if (globals->json) {
      PrintJson({{"output", o->output},
                 {"inputs", s.inputs},
                 {"runs", s.runs},
                 {"attempts", s.attempts},
                 {"llm_calls", s.llm_calls},
                 {"validations", s.validations},
                 {"artifacts", s.artifacts},
                 {"rejudged", s.rejudged},
                 {"identical_duplicates", s.identical},
                 {"replaced_unfinished", s.replaced},
                 {"dropped_unfinished", s.unfinished_dropped},
                 {"detached_calls_skipped", s.detached_calls}});
    } else {
      std::cout << o->output << ": " << s.runs << " runs from " << s.inputs << " stores (" << s.attempts
                << " attempts, " << s.llm_calls << " LLM calls, " << s.validations << " validations, "
                << s.artifacts << " artifacts, " << s.rejudged << " re-judged verdicts)";
      if (s.identical) std::cout << "; " << s.identical << " identical duplicates kept once";
      if (s.replaced) std::cout << "; " << s.replaced << " unfinished runs replaced by finished ones";
      if (s.unfinished_dropped) std::cout << "; " << s.unfinished_dropped << " unfinished duplicates dropped";
      if (s.detached_calls) std::cout << "; " << s.detached_calls << " LLM calls tied to no attempt not copied";
      std::cout << "\n";
    }
    return kExitOk;
  };
}

}  // namespace autopilot::cli
