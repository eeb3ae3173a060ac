// autopilot data synth fruit — the built-in synthetic dataset.

#include <CLI/CLI.hpp>
#include <iostream>

#include "autopilot/cli/app.h"
#include "autopilot/cli/command.h"
#include "autopilot/cli/output.h"
#include "autopilot/tflite/fruit_synth.h"
#include "autopilot/tflite/gesture_synth.h"
#include "autopilot/util/files.h"
#include "autopilot/util/strings.h"

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
  CLI::App* gesture = synth->add_subcommand(
      "gesture", "IMU captures recording,t_ms,ax,ay,az,gx,gy,gz,label (g, deg/s; punch, flex, wave)");
  auto per_class = std::make_shared<size_t>(40);
  auto gseed = std::make_shared<uint64_t>(1);
  auto gout = std::make_shared<std::string>();
  auto names = std::make_shared<std::string>("punch,flex");
  auto samples = std::make_shared<size_t>(119);
  auto rate = std::make_shared<double>(119.0);
  auto stream = std::make_shared<bool>(false);
  auto trigger = std::make_shared<double>(2.5);
  gesture->add_option("--recordings", *per_class, "Recordings per gesture (default 40)")->check(CLI::Range(1, 100000));
  gesture->add_option("--gestures", *names, "Comma-separated gestures (default punch,flex; known: punch, flex, wave)");
  gesture->add_option("--samples", *samples, "Readings per recording (default 119)")->check(CLI::Range(1, 100000));
  gesture->add_option("--rate", *rate, "Sample rate in Hz (default 119; the Rev2's BMI270: 99.84)")->check(CLI::Range(0.1, 10000.0));
  gesture->add_option("--seed", *gseed, "Random seed (default 1); same seed, same file");
  gesture->add_flag("--stream", *stream,
                    "Write a live stream t_ms,ax,…,label for the virtual board instead (rest, a triggering jolt, the gesture, rest)");
  gesture->add_option("--trigger", *trigger, "With --stream: the jolt's |ax|+|ay|+|az| exceeds this (default 2.5 g)");
  gesture->add_option("-o,--output", *gout, "CSV to write (default stdout)");
  gesture->add_flag("--json", globals->json, "Machine-readable JSON output on stdout");
  auto run_gesture = [globals, per_class, gseed, gout, names, samples, rate, stream, trigger]() -> int {
    tflite::GestureSynthOptions o;
    o.recordings_per_class = *per_class;
    o.seed = *gseed;
    o.samples = *samples;
    o.rate_hz = *rate;
    o.gestures = util::Split(*names, ',');
    auto t = tflite::SynthesizeGestures(o);
    if (!t) return ReportFailure(globals->json, t.error());
    const tflite::Table out = *stream ? tflite::GestureStream(*t, *rate, *trigger) : *t;
    const std::string csv = tflite::FormatCsv(out);
    if (gout->empty() || *gout == "-") {
      std::cout << csv;
      return kExitOk;
    }
    if (auto w = util::WriteFileAtomic(*gout, csv); !w) return ReportFailure(globals->json, w.error());
    if (globals->json) PrintJson({{"output", *gout}, {"rows", out.rows.size()}, {"seed", *gseed}, {"stream", *stream}});
    else std::cout << *gout << ": " << out.rows.size() << " rows (seed " << *gseed << ")\n";
    return kExitOk;
  };
  return [globals, rows, seed, output, gesture, run_gesture]() -> int {
    if (gesture->parsed()) return run_gesture();
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
