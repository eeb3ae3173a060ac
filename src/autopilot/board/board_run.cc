#include "autopilot/board/board_run.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>

#include "autopilot/board/window_oracle.h"
#include "autopilot/features/pipeline.h"
#include "autopilot/tflite/interpreter.h"
#include "autopilot/tflite/model.h"
#include "autopilot/util/clock.h"
#include "autopilot/util/files.h"
#include "autopilot/util/strings.h"

namespace autopilot::board {
namespace {

std::string Stamp(int64_t us) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "[%8.3f] ", static_cast<double>(us) / 1e6);
  return buf;
}

void AddCode(std::vector<std::string>* codes, const std::string& c) {
  if (std::find(codes->begin(), codes->end(), c) == codes->end()) codes->push_back(c);
}

/// Expected features and the reference interpreter's class for each sample.
Result<std::vector<Expectation>> Expect(const std::string& model_file,
                                        const std::vector<ScenarioSample>& samples,
                                        const RunOptions& o) {
  auto model = tflite::LoadModel(model_file);
  if (!model) return model.error();
  auto it = tflite::Interpreter::Create(std::move(*model));
  if (!it) return it.error();
  const auto& in = it->TensorInfo(it->InputIndex(0));
  std::vector<Expectation> out;
  for (const auto& s : samples) {
    Expectation e;
    e.features = RatioFeatures(s);
    e.input_quantized = in.type == tflite::DType::kInt8 || in.type == tflite::DType::kUInt8;
    if (e.input_quantized && !in.quant.scale.empty()) {
      double lo = in.type == tflite::DType::kInt8 ? -128 : 0;
      double hi = in.type == tflite::DType::kInt8 ? 127 : 255;
      for (float f : e.features) {
        double q = std::round(f / in.quant.scale[0]) + static_cast<double>(in.quant.zero_point.empty() ? 0 : in.quant.zero_point[0]);
        e.quantized.push_back(std::clamp(q, lo, hi));
      }
    }
    auto set = it->SetInputFloat(0, e.features);
    if (!set) return set.error();
    it->Invoke();
    auto scores = it->OutputValues(0, true);
    size_t best = static_cast<size_t>(std::max_element(scores.begin(), scores.end()) - scores.begin());
    e.expected_class = best < o.classes.size() ? o.classes[best] : "class" + std::to_string(best);
    out.push_back(e);
  }
  return out;
}

}  // namespace

Result<RunReport> RunSketch(const BuildResult& build, const RunOptions& given, exec::ProcessRunner* runner) {
  int64_t start = util::MonotonicMs();
  RunReport report;
  RunOptions o = given;
  if (o.features != "ratio") return Error{errc::kUsage, "unknown --features '" + o.features + "' (known: ratio)"};
  std::vector<std::string> files = o.stream_paths;
  if (!o.scenario_path.empty()) files.insert(files.begin(), o.scenario_path);
  auto scenario = LoadScenarioFiles(files);
  if (!scenario) return scenario.error();
  const std::vector<ScenarioSample>* samples = &scenario->samples;
  report.board = build.board;
  report.judged = !samples->empty();
  // Windows of a stream: judged by the project's feature spec when the scenario is stream-only.
  const SensorStream* window_stream = nullptr;
  if (!report.judged && o.window && o.window->feature_kind == "window") {
    for (const auto& st : scenario->streams) {
      bool all = true;
      for (const auto& c : o.window->feature_columns) all = all && st.Column(c) >= 0;
      if (all) {
        window_stream = &st;
        break;
      }
    }
    if (!window_stream) {
      return Error{errc::kUsage, "no scenario stream has every window column (" +
                                     util::Join(o.window->feature_columns, ", ") + ")"};
    }
    report.judged = true;
  }
  if (o.classes.empty()) {
    // No class names given: the scenario's labels in the order the built-in trainer gives the
    // model's outputs (sorted); without labels, outputs are named class0, class1, ...
    std::set<std::string> names;
    for (const auto& s : *samples) {
      if (!s.label.empty()) names.insert(s.label);
    }
    o.classes.assign(names.begin(), names.end());
  }
  std::vector<Expectation> expectations;
  WindowPlan window_plan;
  if (window_stream) {
    if (build.model_file.empty()) return Error{errc::kUsage, "no model bytes: give --model or a model header with an array"};
    auto plan = ExpectWindows(*o.window, *window_stream, build.model_file, o.classes);
    if (!plan) return plan.error();
    if (plan->windows.empty()) {
      return Error{errc::kUsage, window_stream->path + ": the stream holds no window (" +
                                     features::Describe(*o.window) + ")"};
    }
    window_plan = std::move(*plan);
  } else if (report.judged) {
    if (build.model_file.empty()) return Error{errc::kUsage, "no model bytes: give --model or a model header with an array"};
    auto expected = Expect(build.model_file, *samples, o);
    if (!expected) return expected.error();
    expectations = std::move(*expected);
  }

  std::string workdir = build.binary.substr(0, build.binary.rfind('/'));
  auto w = util::WriteFileAtomic(workdir + "/plan.txt", PlanText(*scenario, o.timeline));
  if (!w) return w.error();
  int64_t scenario_ms = scenario->LengthMs(o.timeline);
  int64_t cap = o.max_virtual_ms > 0 ? o.max_virtual_ms : scenario_ms + 30000;

  exec::ProcessRequest req;
  req.argv = {build.binary, "--plan", workdir + "/plan.txt"};
  if (!build.model_file.empty()) {
    req.argv.push_back("--model");
    req.argv.push_back(build.model_file);
  }
  req.argv.push_back("--max-virtual-ms");
  req.argv.push_back(std::to_string(cap));
  req.workdir = workdir;
  req.policy.timeout_s = o.wall_timeout_s;
  req.policy.kill_grace_s = 0.5;
  req.policy.memory_mb = 1024;
  req.policy.max_output_bytes = 32u << 20;
  auto r = runner->Run(req);
  if (!r) return r.error();

  RunLog log = ParseEventLog(r->stdout_data);
  for (const auto& l : log.serial) report.serial += Stamp(l.t_us) + l.text + "\n";
  report.invokes = static_cast<int>(log.invokes.size());
  report.allocations = log.allocations_ok;
  report.output_reads = log.output_reads;
  report.end_reason = log.end_reason;
  if (r->timed_out) {
    AddCode(&report.codes, "runtime.timeout");
    report.reason = "hung: no virtual time passed for " + std::to_string(static_cast<int>(o.wall_timeout_s)) + " s of wall time";
  } else if (r->signal != 0 || (r->exit_code != 0 && log.end_reason.empty())) {
    AddCode(&report.codes, "runtime.crash");
    report.reason = r->signal ? "crashed with signal " + std::to_string(r->signal)
                              : "exited with code " + std::to_string(r->exit_code);
  } else {
    report.ran = true;
  }
  if (!log.model_failure.empty()) AddCode(&report.codes, "ml.schema_mismatch");
  for (const auto& f : log.allocation_failures) {
    if (f.find("arena_too_small") != std::string::npos) AddCode(&report.codes, "ml.arena_too_small");
    if (f.find("op_missing") != std::string::npos) AddCode(&report.codes, "ml.op_unsupported");
  }
  report.samples = window_stream ? JudgeWindows(log, *o.window, window_plan, o.classes)
                                 : JudgeSamples(log, o.timeline, expectations, o.classes, o.emojis);
  bool all_pass = report.ran;
  for (const auto& s : report.samples) {
    if (s.verdict != "pass") {
      AddCode(&report.codes, s.verdict);
      all_pass = false;
    }
  }
  if (report.judged && !window_stream && log.color_reads == 0 && report.ran) {
    AddCode(&report.codes, "semantic.sensor_misuse");
  }
  // A stream the sketch never reads a quantity of: it ignores the sensor the scenario drives.
  std::string unread;
  for (const auto& st : scenario->streams) {
    bool read = false;
    for (const auto& q : st.Quantities()) read = read || log.read_counts.count(q) > 0;
    if (!read) unread += (unread.empty() ? "" : ", ") + util::Join(st.Quantities(), "/");
  }
  if (!unread.empty() && report.ran) AddCode(&report.codes, "semantic.sensor_misuse");
  if (report.judged) {
    report.verdict = all_pass && report.codes.empty() ? "pass" : "fail";
  } else {
    report.verdict = report.ran && report.codes.empty() ? "unjudged" : "fail";
  }
  if (report.reason.empty() && !report.judged) {
    long reads = 0;
    for (const auto& [q, n] : log.read_counts) reads += n;
    report.reason = "ran to " + (log.end_reason.empty() ? std::string("its end") : log.end_reason) + "; " +
                    std::to_string(reads) + " sensor reads, " + std::to_string(report.invokes) +
                    " Invoke()s (no per-sample oracle for streams: see the reads)";
    if (!unread.empty()) report.reason += "; never read the streamed " + unread;
    if (!log.allocation_failures.empty()) report.reason += "; AllocateTensors failed (" + log.allocation_failures[0] + ")";
    if (!log.model_failure.empty()) report.reason += "; model rejected (" + log.model_failure + ")";
  }
  if (report.reason.empty()) {
    if (report.verdict == "pass") {
      report.reason = "all " + std::to_string(report.samples.size()) +
                      (window_stream ? " windows" : " samples") + " classified as the reference interpreter does";
    } else {
      size_t bad = 0;
      for (const auto& s : report.samples) bad += s.verdict != "pass";
      report.reason = std::to_string(bad) + "/" + std::to_string(report.samples.size()) +
                      (window_stream ? " windows failed" : " samples failed");
      for (const auto& s : report.samples) {
        if (s.verdict == "pass" || s.detail.empty()) continue;
        report.reason += " (window " + std::to_string(s.index) + ": " + s.detail + ")";
        break;
      }
      if (!log.allocation_failures.empty()) report.reason += "; AllocateTensors failed (" + log.allocation_failures[0] + ")";
      if (!log.model_failure.empty()) report.reason += "; model rejected (" + log.model_failure + ")";
      if (log.setup_done_us < 0) report.reason += "; setup() never returned";
      else if (report.invokes == 0) report.reason += "; Invoke() never called";
    }
  }
  report.log = std::move(log);
  report.run_ms = util::MonotonicMs() - start;
  return report;
}

}  // namespace autopilot::board
