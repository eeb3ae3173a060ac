// autopilot data synth fruit — the built-in synthetic dataset.

#include <CLI/CLI.hpp>
#include <iostream>

#include "autopilot/cli/app.h"
#include "autopilot/cli/command.h"
#include "autopilot/cli/output.h"
#include "autopilot/tflite/fruit_synth.h"
#include "autopilot/util/files.h"

namespace autopilot::cli {

CommandRunner SetupData(CLI::App* sub, GlobalOptions* globals) {
  sub->require_subcommand(1);
  CLI::App* synth = sub->add_subcommand("synth", "Generate a synthetic dataset");
  synth->require_subcommand(1);
  CLI::App* fruit = synth->add_subcommand(
      "fruit", "APDS9960 readings red,green,blue,clear,proximity,label (apple, banana, orange)");
  auto rows = std::make_shared<size_t>(600);
  auto seed = std::make_shared<uint64_t>(1);
  auto output = std::make_shared<std::string>();
  fruit->add_option("--rows", *rows, "Number of rows (default 600)")->check(CLI::Range(1, 10000000));
  fruit->add_option("--seed", *seed, "Random seed (default 1); same seed, same file");
  fruit->add_option("-o,--output", *output, "CSV to write (default stdout)");
  fruit->add_flag("--json", globals->json, "Machine-readable JSON output on stdout");
  return [globals, rows, seed, output]() -> int {
    const tflite::Table t = tflite::SynthesizeFruit(*rows, *seed);
    const std::string csv = tflite::FormatCsv(t);
    if (output->empty() || *output == "-") {
      std::cout << csv;
      return kExitOk;
    }
    if (auto w = util::WriteFileAtomic(*output, csv); !w) {
      return ReportFailure(globals->json, w.error());
    }
    if (globals->json) PrintJson({{"output", *output}, {"rows", t.rows.size()}, {"seed", *seed}});
    else std::cout << *output << ": " << t.rows.size() << " rows (seed " << *seed << ")\n";
    return kExitOk;
  };
}

}  // namespace autopilot::cli
