#include "autopilot/stage/edge_chain.h"

#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <regex>

#include "autopilot/stage/contracts.h"
#include "autopilot/stage/python_checks.h"
#include "autopilot/stage/scratch.h"
#include "autopilot/tflite/interpreter.h"
#include "autopilot/tflite/model.h"
#include "autopilot/util/clock.h"
#include "autopilot/util/files.h"
#include "autopilot/util/strings.h"

namespace autopilot::stage {
namespace {

using validate::Diagnostic;
using validate::LayerResult;
namespace fs = std::filesystem;

// Where the tool's own pieces appear inside the sandbox (outside every path a script is given).
constexpr const char* kEdgeModules = "/opt/autopilot/edge";
constexpr const char* kPyext = "/opt/autopilot/pyext";
constexpr const char* kTrace = "/run/autopilot/trace";
constexpr const char* kJudgeDir = "/opt/autopilot/judge";

LayerResult Fail(const std::string& layer, const std::string& code, const std::string& message) {
  return LayerResult{layer, false, {Diagnostic{layer, code, message, "", {}, ""}}, 0};
}

/// A folder the sandbox user may write (its parents stay the tool's).
bool MakeSharedDir(const std::string& path) {
  std::error_code ec;
  fs::create_directories(path, ec);
  return !ec && ::chmod(path.c_str(), 0777) == 0;
}

std::string Parent(const std::string& path) {
  std::string p = fs::path(path).parent_path().string();
  return p;
}

/// The environment of the virtual device's Python.
std::vector<std::string> DeviceEnv(const config::ProjectConfig& cfg, const std::string& stage, bool trace) {
  std::vector<std::string> env = {std::string("PYTHONPATH=") + kEdgeModules + ":" + kPyext,
                                  "AUTOPILOT_EDGE_DEVICE=" + EdgeDeviceFor(stage),
                                  "PYTHONDONTWRITEBYTECODE=1", "OPENBLAS_NUM_THREADS=1",
                                  "OMP_NUM_THREADS=1"};
  if (trace) env.push_back(std::string("AUTOPILOT_EDGE_TRACE=") + kTrace);
  // The Coral Dev Board boots into a Wayland desktop, so a window opens (cv2.imshow works, the
  // corpus has no display failure on it); the Pi runs headless and a window aborts Qt.
  if (EdgeDeviceFor(stage) == "coral_dev_board") env.push_back("QT_QPA_PLATFORM=offscreen");
  // An Edge TPU compiled model (the study's edgetpu_detect.tflite) runs as its CPU twin, but only
  // through the delegate, as on the device.
  if (stage == "tpusg" && util::ToLower(cfg.edge.model.as).find("edgetpu") != std::string::npos) {
    env.push_back("AUTOPILOT_EDGE_TPU_MODEL=1");
  }
  return env;
}

/// The tool's modules, read-only, in every edge request.
void AddToolMounts(exec::ProcessRequest* req) {
  req->mounts.push_back({util::DataPath("python/edge"), kEdgeModules, false});
  req->mounts.push_back({PyextDir(), kPyext, false});
  req->mounts.push_back({util::DataPath("python"), kJudgeDir, false});
}

/// Runs the judge script (trusted code, still sandboxed: it reads the untrusted output video).
Result<nlohmann::json> RunJudge(const config::ProjectConfig& cfg,
                                std::vector<std::string> args, std::vector<exec::Mount> mounts,
                                const std::string& workdir, exec::ProcessRunner* runner, double timeout_s) {
  exec::ProcessRequest req;
  req.argv = {cfg.python, std::string(kJudgeDir) + "/edge_judge.py"};
  req.argv.insert(req.argv.end(), args.begin(), args.end());
  req.workdir = workdir;
  req.mounts = std::move(mounts);
  AddToolMounts(&req);
  req.policy = cfg.sandbox.ToPolicy();
  req.policy.timeout_s = timeout_s;
  req.policy.max_output_bytes = 1u << 20;
  // The judge needs the runtime on its path but no trace; the Pi profile has tflite_runtime.
  req.policy.extra_env = DeviceEnv(cfg, "psg", false);
  auto r = runner->Run(req);
  if (!r) return r.error();
  if (r->timed_out) return Error{errc::kHarnessBug, "the edge judge did not finish in " + std::to_string(static_cast<int>(timeout_s)) + " s"};
  std::string line = util::Trim(r->stdout_data);
  if (size_t nl = line.rfind('\n'); nl != std::string::npos) line = line.substr(nl + 1);
  auto doc = nlohmann::json::parse(line, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    return Error{errc::kHarnessBug, "the edge judge failed (exit " + std::to_string(r->exit_code) +
                                        "): " + util::Trim(r->stderr_data.substr(0, 600))};
  }
  if (r->exit_code != 0 && doc.contains("error")) {
    return Error{errc::kHarnessBug, doc["error"].get<std::string>()};
  }
  return doc;
}

/// Static layer: compiles, and every import the device lacks is guarded by a try.
LayerResult EdgeStatic(const config::ProjectConfig& cfg, const std::string& stage, const std::string& code,
                       const std::string& scratch, exec::ProcessRunner* runner) {
  LayerResult layer{"static", true, {}, 0};
  const int64_t t0 = util::MonotonicMs();
  const std::string dir = scratch + "/static";
  if (!MakeSharedDir(dir) || !util::WriteFileAtomic(dir + "/script.py", code)) {
    return Fail("static", "harness.bug", "cannot write the script for the static check");
  }
  exec::ProcessRequest req;
  req.argv = {cfg.python, std::string(kJudgeDir) + "/edge_judge.py", "static", "script.py"};
  req.workdir = dir;
  AddToolMounts(&req);
  req.policy = cfg.sandbox.ToPolicy();
  req.policy.timeout_s = 30;
  req.policy.extra_env = DeviceEnv(cfg, stage, false);
  auto r = runner->Run(req);
  layer.duration_ms = util::MonotonicMs() - t0;
  if (!r) return Fail("static", "harness.bug", r.error().message);
  auto doc = nlohmann::json::parse(util::Trim(r->stdout_data), nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    return Fail("static", "harness.bug", "the static check failed: " + util::Trim(r->stderr_data.substr(0, 400)));
  }
  if (doc.contains("syntax")) {
    layer.passed = false;
    Diagnostic d{"static", "static.syntax", doc["syntax"].value("message", "syntax error"), "script.py", {}, "fix the syntax error"};
    if (doc["syntax"]["line"].is_number_integer()) d.line = doc["syntax"]["line"].get<int>();
    layer.diagnostics.push_back(d);
    return layer;
  }
  const std::string device = EdgeDeviceFor(stage) == "coral_dev_board" ? "the Coral Dev Board" : "the Raspberry Pi 4B";
  for (const auto& m : doc.value("missing", nlohmann::json::array())) {
    const std::string mod = m.value("module", "?");
    const bool known = m.value("known_package", false);
    layer.passed = false;
    Diagnostic d{"static", known ? "env.toolchain_missing" : "runtime.import",
                 known ? "imports '" + mod + "', which is not installed on " + device
                       : "imports '" + mod + "', a module that does not exist on " + device,
                 "script.py", {},
                 "use the runtime the prompt names; put optional imports in try/except ImportError"};
    if (m["line"].is_number_integer()) d.line = m["line"].get<int>();
    layer.diagnostics.push_back(d);
  }
  return layer;
}

/// Claimed accuracy figures (the study's prompts asked for an mAP no ground truth supports).
std::vector<std::string> ClaimedMetrics(const std::string& out) {
  static const std::regex kClaim(R"((?:\bm?AP\b|\bmean average precision\b|\baccuracy\b|\bprecision\b|\brecall\b)[^\n]{0,40}?\d+(?:\.\d+)?)",
                                 std::regex::icase);
  std::vector<std::string> claims;
  for (auto it = std::sregex_iterator(out.begin(), out.end(), kClaim); it != std::sregex_iterator() && claims.size() < 3; ++it) {
    claims.push_back(util::Trim(it->str()));
  }
  return claims;
}

}  // namespace

void PrepareEdgeRequest(const config::ProjectConfig& cfg, const std::string& stage, exec::ProcessRequest* req) {
  AddToolMounts(req);
  req->policy = cfg.sandbox.ToPolicy();
  req->policy.extra_env = DeviceEnv(cfg, stage, false);
}

bool IsEdgeStage(const std::string& stage) { return stage == "psg" || stage == "tpusg"; }

std::string EdgeDeviceFor(const std::string& stage) {
  return stage == "tpusg" ? "coral_dev_board" : "raspberry_pi_4b";
}

std::string PyextDir() {
  if (const char* e = std::getenv("AUTOPILOT_PYEXT_DIR"); e && *e) return e;
#ifdef AUTOPILOT_PYEXT_DIR_DEFAULT
  return AUTOPILOT_PYEXT_DIR_DEFAULT;
#else
  return util::DataPath("build/python");
#endif
}

std::string EdgeUnavailableReason(const config::ProjectConfig& cfg) {
  std::error_code ec;
  bool found = false;
  for (const auto& e : fs::directory_iterator(PyextDir(), ec)) {
    if (util::StartsWith(e.path().filename().string(), "_autopilot_edge")) found = true;
  }
  if (!found) return "the _autopilot_edge extension is not built in " + PyextDir() + " (needs pybind11-dev)";
  if (!fs::exists(util::DataPath("python/edge_judge.py"))) return "python/edge_judge.py is missing";
  if (!fs::is_directory(util::DataPath("python/edge/tflite_runtime"))) {
    return "the device's runtime modules (python/edge) are missing";
  }
  if (!fs::exists(cfg.python)) return cfg.python + " does not exist";
  return "";
}

std::vector<LayerResult> EdgeChain(const config::ProjectConfig& cfg, const std::string& stage,
                                   const std::string& code, exec::ProcessRunner* runner, const Keep& keep) {
  if (!IsEdgeStage(stage)) return {Fail("static", "harness.bug", "not an edge stage: " + stage)};
  const config::EdgeSettings& e = cfg.edge;
  if (!e.present) {
    return {Fail("static", "env.misconfigured",
                 "the project has no edge: section (device, model, labels, input, output) for " + stage)};
  }
  if (e.device != EdgeDeviceFor(stage)) {
    return {Fail("static", "env.misconfigured",
                 "stage " + stage + " runs on " + EdgeDeviceFor(stage) + ", the project's edge.device is " + e.device)};
  }
  if (std::string why = EdgeUnavailableReason(cfg); !why.empty()) {
    return {Fail("static", "env.toolchain_missing", "the virtual device is unavailable: " + why)};
  }
  // The project's model is the user's file: a corrupt one or an op this interpreter lacks is said
  // here, naming the file and the op, never blamed on the script.
  if (auto m = tflite::LoadModel(e.model.file); !m) {
    return {Fail("run", "env.misconfigured", "the project's edge.model " + e.model.file + " cannot be used: " + m.error().message)};
  } else if (auto in = tflite::Interpreter::Create(std::move(*m)); !in) {
    return {Fail("run", "env.misconfigured", "the project's edge.model " + e.model.file + " cannot run here: " + in.error().message)};
  }
  Scratch s("autopilot-edge-");
  if (s.dir().empty()) return {Fail("static", "env.misconfigured", "cannot create a scratch folder")};
  std::vector<LayerResult> out;
  out.push_back(EdgeStatic(cfg, stage, code, s.dir(), runner));
  if (!out.back().passed) return out;
  if (cfg.contracts.enabled) {
    out.push_back(UnitLayer(cfg, stage, ContractInputs{}, code, runner));
    if (!out.back().passed) return out;
  }
  auto stop = [&out](LayerResult r) {
    out.push_back(std::move(r));
    return out;
  };

  // The input video, cut to the frames a validation uses (all when validation_frames is 0).
  const std::string judge_dir = s.dir() + "/judge";
  if (!MakeSharedDir(judge_dir)) return stop(Fail("run", "harness.bug", "cannot create " + judge_dir));
  std::string video = e.input.file;
  if (e.validation_frames > 0) {
    auto r = RunJudge(cfg, {"shorten", "/in/video", "short.mp4", std::to_string(e.validation_frames)},
                      {{e.input.file, "/in/video", false}}, judge_dir, runner, 120);
    if (!r) {
      // An input that does not decode is the project's problem, not the script's.
      const bool bad_input = r.error().message.find("cannot decode") != std::string::npos ||
                             r.error().message.find("cannot open") != std::string::npos;
      return stop(Fail("run", bad_input ? "env.misconfigured" : "harness.bug",
                       (bad_input ? "the project's edge.input " : "cannot shorten ") + e.input.file + ": " + r.error().message));
    }
    video = judge_dir + "/short.mp4";
  }

  // The script's folder, the paths its prompt named, the trace, the output's folder.
  const std::string work = s.dir() + "/work";
  const std::string trace = s.dir() + "/trace";
  const std::string outdir = s.dir() + "/out";
  std::error_code ec;
  fs::create_directories(work, ec);
  if (ec || !MakeSharedDir(trace) || !MakeSharedDir(outdir)) {
    return stop(Fail("run", "harness.bug", "cannot prepare the scratch folder"));
  }
  if (auto r = util::WriteFileAtomic(work + "/script.py", code); !r) return stop(Fail("run", "harness.bug", r.error().message));
  exec::ProcessRequest req;
  req.argv = {cfg.python, "script.py"};
  req.workdir = work;
  req.mounts.push_back({e.model.file, e.model.as, false});
  req.mounts.push_back({e.labels.file, e.labels.as, false});
  req.mounts.push_back({video, e.input.as, false});
  req.mounts.push_back({trace, kTrace, true});
  // The output's folder exists on the device (the study's scripts never created it, and a
  // VideoWriter into a missing folder fails silently); it is collected from here afterwards.
  std::string produced;
  const std::string out_name = fs::path(e.output.as).filename().string();
  if (!e.output.as.empty() && e.output.as[0] == '/') {
    req.mounts.push_back({outdir, Parent(e.output.as), true});
    produced = outdir + "/" + out_name;
  } else {
    const std::string rel_parent = Parent(e.output.as);
    // Every level writable by the sandbox user (it runs as nobody when the tool is root).
    std::string level = work;
    for (const auto& part : fs::path(rel_parent)) {
      level += "/" + part.string();
      if (!MakeSharedDir(level)) return stop(Fail("run", "harness.bug", "cannot create " + level));
    }
    produced = work + "/" + e.output.as;
  }
  AddToolMounts(&req);
  req.policy = cfg.sandbox.ToPolicy();
  req.policy.extra_env = DeviceEnv(cfg, stage, true);
  exec::ProcessResult pr;
  out.push_back(RunPythonRequest(stage, "script.py", req, runner, &pr));
  if (!out.back().passed) return out;

  // Semantic: the judge, over what the script left.
  LayerResult sem{"semantic", true, {}, 0};
  const int64_t t0 = util::MonotonicMs();
  const bool have_output = fs::is_regular_file(produced);
  std::vector<exec::Mount> jm = {{video, "/in/input.mp4", false},
                                 {e.model.file, "/in/model.tflite", false},
                                 {e.labels.file, "/in/labels.txt", false},
                                 {trace, "/in/trace", false}};
  if (have_output) jm.push_back({produced, "/in/output.mp4", false});
  char thr[32];
  std::snprintf(thr, sizeof thr, "%.6g", e.threshold);
  auto verdict = RunJudge(cfg,
                          {"judge", "--input", "/in/input.mp4", "--output", "/in/output.mp4", "--output-name", e.output.as,
                           "--trace", "/in/trace", "--model", "/in/model.tflite", "--labels", "/in/labels.txt",
                           "--threshold", thr, "--device", EdgeDeviceFor(stage)},
                          jm, judge_dir, runner, 300);
  if (!verdict) {
    sem = Fail("semantic", "harness.bug", verdict.error().message);
  } else {
    for (const auto& f : (*verdict).value("findings", nlohmann::json::array())) {
      sem.passed = false;
      sem.diagnostics.push_back(Diagnostic{"semantic", f.value("code", std::string("unknown")),
                                           f.value("message", std::string()), "script.py", {}, ""});
    }
  }
  // Invented metrics: without ground truth no mAP can be computed. A warning, not a failure.
  for (const auto& claim : ClaimedMetrics(pr.stdout_data)) {
    sem.diagnostics.push_back({"semantic", "warning",
                               "the script prints an accuracy figure ('" + claim +
                                   "') that nothing in this task can measure (no ground truth)",
                               "script.py", {}, "do not report metrics that are not computed from labelled data"});
  }
  sem.duration_ms = util::MonotonicMs() - t0;
  out.push_back(sem);
  if (sem.passed && !keep.dir.empty()) {
    fs::create_directories(keep.dir, ec);
    auto bytes = util::ReadFile(produced);
    if (ec || !util::WriteFileAtomic(keep.dir + "/script.py", code) || !bytes ||
        !util::WriteFileAtomic(keep.dir + "/" + out_name, *bytes)) {
      out.back() = Fail("semantic", "harness.bug", "cannot keep the script and its video in " + keep.dir);
    }
  }
  return out;
}

}  // namespace autopilot::stage
