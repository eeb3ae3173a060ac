// The unit layer's two drivers: a C++ test driver built into the sketch's translation unit for
// the virtual board, and python/autopilot_unit.py for the Python stages.

#include <cmath>
#include <cstdio>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "autopilot/board/host_build.h"
#include "autopilot/board/profile.h"
#include "autopilot/stage/chains.h"
#include "autopilot/stage/contracts.h"
#include "autopilot/stage/edge_chain.h"
#include "autopilot/stage/scratch.h"
#include "autopilot/util/clock.h"
#include "autopilot/util/files.h"
#include "autopilot/util/strings.h"

namespace autopilot::stage {
namespace {

using nlohmann::json;
using validate::LayerResult;

LayerResult Harness(const std::string& message) {
  return LayerResult{"unit", false, {{"unit", "harness.bug", message, "", {}, ""}}, 0};
}

std::vector<const ContractCase*> CasesOf(const std::vector<ContractCase>& all, const std::string& fn) {
  std::vector<const ContractCase*> out;
  for (const auto& c : all) {
    if (c.function == fn) out.push_back(&c);
  }
  return out;
}

// --- sketch ------------------------------------------------------------------------------------

constexpr const char* kDriverFile = "autopilot_unit_driver.cpp";
constexpr const char* kMarker = "@@autopilot-unit ";

std::string FloatLit(double v) {
  if (std::isnan(v)) return "NAN";
  if (std::isinf(v)) return v > 0 ? "INFINITY" : "-INFINITY";
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.9gf", v);
  std::string s = buf;
  if (s.find_first_of(".eEn") == std::string::npos) s.insert(s.size() - 1, ".0");
  return s;
}

std::string FloatArray(const json& a) {
  std::vector<std::string> parts;
  for (const auto& v : a) parts.push_back(FloatLit(v.get<double>()));
  return "{" + util::Join(parts, ", ") + "}";
}

/// `int argmax(const float* values, int count)` → `int (*const NAME)(const float* values, int count)`.
std::string PointerDeclaration(const ContractFunction& fn, const std::string& var) {
  const std::string& s = fn.signature;
  size_t at = s.find(fn.name + "(");
  if (at == std::string::npos) return "";
  return s.substr(0, at) + "(*const " + var + ")" + s.substr(at + fn.name.size());
}

/// The parameter types of a signature, e.g. {"float", "float", "int"}.
std::vector<std::string> ParamTypes(const std::string& sig) {
  size_t open = sig.find('(');
  size_t close = sig.rfind(')');
  std::vector<std::string> out;
  if (open == std::string::npos || close == std::string::npos) return out;
  for (auto p : util::Split(sig.substr(open + 1, close - open - 1), ',')) {
    p = util::Trim(p);
    size_t sp = p.find_last_of(" *&");
    out.push_back(util::Trim(sp == std::string::npos ? p : p.substr(0, sp + 1)));
  }
  return out;
}

/// The driver: a binding per function (its own line, so a compile error names the function),
/// then __wrap_setup, which the runtime's main() calls instead of the sketch's setup().
std::string SketchDriver(const ContractSet& set, const std::vector<ContractCase>& cases,
                         const std::set<std::string>& skip, std::map<int, std::string>* binding_lines) {
  std::ostringstream o;
  int line = 1;
  auto emit = [&](const std::string& text) {
    o << text << "\n";
    ++line;
  };
  o << "#line 1 \"" << kDriverFile << "\"\n";
  emit("#include <stdio.h>");
  emit("#include <stdlib.h>");
  emit("#include <unistd.h>");
  emit("#include <math.h>");
  emit("static void autopilot_unit_num(double v) { if (isfinite(v)) printf(\"%.9g\", v); else printf(\"null\"); }");
  for (const auto& fn : set.functions) {
    if (skip.count(fn.name)) continue;
    (*binding_lines)[line] = fn.name;
    emit("static " + PointerDeclaration(fn, "autopilot_bind_" + fn.name) + " = &" + fn.name + ";");
  }
  // The core declares setup() extern "C" (as ArduinoCore-API does); a core that does not gets the
  // C++ name wrapped instead, so both wraps exist.
  emit("static void autopilot_unit_run();");
  emit("extern \"C\" void __wrap_setup() { autopilot_unit_run(); }");
  emit("extern \"C\" void __wrap__Z5setupv() { autopilot_unit_run(); }");
  emit("static void autopilot_unit_run() {");
  std::map<std::string, int> index;
  for (const auto& c : cases) {
    if (skip.count(c.function)) continue;
    const ContractFunction* fn = nullptr;
    for (const auto& f : set.functions) {
      if (f.name == c.function) fn = &f;
    }
    if (!fn) continue;
    const int i = index[c.function]++;
    const std::string tag = c.function + " " + std::to_string(i);
    const std::string bind = "autopilot_bind_" + c.function;
    emit("  { printf(\"" + std::string(kMarker) + "begin " + tag + "\\n\"); fflush(stdout);");
    const auto types = ParamTypes(fn->signature);
    if (fn->reference == "features") {
      const size_t n = c.expected.size();
      emit("    static const float in[] = " + FloatArray(c.args["raw"]) + ";");
      emit("    static float out[" + std::to_string(n + 8) + "]; for (int k = 0; k < " + std::to_string(n + 8) +
           "; ++k) out[k] = NAN;");
      emit("    " + bind + "(in, out);");
      emit("    printf(\"" + std::string(kMarker) + "result " + tag + " [\"); for (int k = 0; k < " + std::to_string(n) +
           "; ++k) { if (k) printf(\",\"); autopilot_unit_num(out[k]); } printf(\"]\\n\");");
    } else if (fn->reference == "argmax") {
      emit("    static const float in[] = " + FloatArray(c.args["values"]) + ";");
      emit("    int r = (int)" + bind + "(in, " + std::to_string(c.args["values"].size()) + ");");
      emit("    printf(\"" + std::string(kMarker) + "result " + tag + " %d\\n\", r);");
    } else if (fn->reference == "quantize") {
      const std::string zp_type = types.size() > 2 ? types[2] : "int";
      emit("    long r = (long)" + bind + "(" + FloatLit(c.args["x"].get<double>()) + ", " +
           FloatLit(c.args["scale"].get<double>()) + ", (" + zp_type + ")" + std::to_string(c.args["zero_point"].get<int>()) + ");");
      emit("    printf(\"" + std::string(kMarker) + "result " + tag + " %ld\\n\", r);");
    } else if (fn->reference == "dequantize") {
      const std::string q_type = types.empty() ? "int" : types[0];
      const std::string zp_type = types.size() > 2 ? types[2] : "int";
      emit("    double r = (double)" + bind + "((" + q_type + ")" + std::to_string(c.args["q"].get<int>()) + ", " +
           FloatLit(c.args["scale"].get<double>()) + ", (" + zp_type + ")" + std::to_string(c.args["zero_point"].get<int>()) + ");");
      emit("    printf(\"" + std::string(kMarker) + "result " + tag + " \"); autopilot_unit_num(r); printf(\"\\n\");");
    }
    emit("    fflush(stdout); }");
  }
  emit("  fflush(stdout);");
  emit("  _exit(0);");
  emit("}");
  return o.str();
}

struct DriverErrors {
  std::map<std::string, std::string> missing;    ///< function → compiler message
  std::map<std::string, std::string> signature;  ///< function → compiler message
  std::string other;                             ///< an error not on a binding line
};

DriverErrors ParseDriverErrors(const std::string& out, const std::map<int, std::string>& lines) {
  DriverErrors e;
  static const std::regex kErr(R"(([^\s:]+):(\d+):(?:\d+:)? (?:fatal )?error: ([^\n]*))");
  for (auto it = std::sregex_iterator(out.begin(), out.end(), kErr); it != std::sregex_iterator(); ++it) {
    const std::string file = (*it)[1];
    const int line = std::stoi((*it)[2]);
    const std::string msg = (*it)[3];
    auto fn = lines.find(line);
    if (file.find(kDriverFile) == std::string::npos || fn == lines.end()) {
      if (e.other.empty()) e.other = file + ":" + std::to_string(line) + ": " + msg;
      continue;
    }
    const bool undeclared = msg.find("was not declared") != std::string::npos ||
                            msg.find("undeclared identifier") != std::string::npos;
    if (undeclared) e.missing.emplace(fn->second, msg);
    else e.signature.emplace(fn->second, msg);
  }
  return e;
}

LayerResult SketchUnit(const config::ProjectConfig& cfg, const ContractSet& set, const std::vector<ContractCase>& cases,
                       const ContractInputs& in, const std::string& code, exec::ProcessRunner* runner) {
  const int64_t t0 = util::MonotonicMs();
  auto profile = board::LoadProfile(cfg.board.profile, cfg.board.model);
  if (!profile) return Harness(profile.error().message);
  Scratch s("autopilot-unit-");
  if (s.dir().empty()) return Harness("cannot create a scratch folder");
  if (auto w = util::WriteFileAtomic(s.dir() + "/sketch.ino", code); !w) return Harness(w.error().message);
  auto header = ModelHeaderFor(cfg, in.int8_model);
  if (!header) return Harness(header.error().message);
  if (auto w = util::WriteFileAtomic(s.dir() + "/model.h", *header); !w) return Harness(w.error().message);

  std::vector<ContractOutcome> outcomes;
  std::set<std::string> skip;
  Result<board::BuildResult> built = Error{errc::kHarnessBug, "not built"};
  // At most two builds: a binding that does not compile names its function, which is then left
  // out so the others are still tested.
  for (int round = 0; round < 2; ++round) {
    std::map<int, std::string> lines;
    board::BuildRequest req;
    req.sketch_path = s.dir() + "/sketch.ino";
    req.model_header = s.dir() + "/model.h";
    req.extra_source = SketchDriver(set, cases, skip, &lines);
    req.extra_link_flags = {"-Wl,--wrap=setup", "-Wl,--wrap=_Z5setupv"};
    built = board::BuildSketch(*profile, req, runner);
    if (!built) return Harness("unit driver build: " + built.error().message);
    if (built->compiled) break;
    DriverErrors e = ParseDriverErrors(built->compiler_output, lines);
    board::RemoveBuild(*built);
    if (e.missing.empty() && e.signature.empty()) {
      return Harness("the unit driver did not build: " + (e.other.empty() ? util::Trim(built->compiler_output.substr(0, 400)) : e.other));
    }
    for (const auto& [fn, msg] : e.missing) {
      ContractOutcome o{fn, false, 0, 0, "static.structure", "missing", {"no function " + fn + " at file scope (" + msg + ")"}};
      outcomes.push_back(o);
      skip.insert(fn);
    }
    for (const auto& [fn, msg] : e.signature) {
      ContractOutcome o{fn, false, 0, 0, "build.api_mismatch", "signature", {msg}};
      outcomes.push_back(o);
      skip.insert(fn);
    }
    if (skip.size() == set.functions.size()) break;
  }
  if (built && built->compiled) {
    exec::ProcessRequest req;
    req.argv = {built->binary};
    req.workdir = built->workdir;
    req.policy.timeout_s = 10;  // every case is a few arithmetic operations
    req.policy.kill_grace_s = 0.5;
    req.policy.memory_mb = 1024;
    req.policy.max_output_bytes = 8u << 20;
    auto r = runner->Run(req);
    board::RemoveBuild(*built);
    if (!r) return Harness("unit driver run: " + r.error().message);
    // Each function's results in case order; a begin without a result is where it stopped.
    std::map<std::string, std::vector<CaseResult>> results;
    std::string open_fn;
    std::istringstream lines(r->stdout_data);
    std::string l;
    while (std::getline(lines, l)) {
      size_t at = l.find(kMarker);
      if (at == std::string::npos) continue;
      std::string rest = l.substr(at + std::string(kMarker).size());
      auto parts = util::Split(rest, ' ');
      if (parts.size() < 3) continue;
      if (parts[0] == "begin") {
        open_fn = parts[1];
        continue;
      }
      if (parts[0] != "result") continue;
      std::string value = rest.substr(parts[0].size() + parts[1].size() + parts[2].size() + 3);
      CaseResult cr;
      cr.called = true;
      cr.value = json::parse(value, nullptr, false);
      if (cr.value.is_discarded()) cr.value = nullptr;
      results[parts[1]].push_back(cr);
      open_fn.clear();
    }
    if (results.empty() && open_fn.empty()) {
      // Not one case started: the sketch's own start-up (a global constructor) stopped the driver.
      std::string tail = util::Trim(r->stderr_data.substr(0, 600));
      if (tail.empty()) tail = util::Trim(r->stdout_data.substr(0, 600));
      return LayerResult{"unit", false,
                         {{"unit", r->timed_out ? "runtime.timeout" : "runtime.crash",
                           "the unit-test driver stopped before its first case (" +
                               std::string(r->timed_out ? "timed out" : r->signal ? "signal " + std::to_string(r->signal)
                                                                                  : "exit " + std::to_string(r->exit_code)) +
                               "), in the sketch's global constructors" + (tail.empty() ? "" : ": " + tail),
                           "sketch.ino", {}, ""}},
                         util::MonotonicMs() - t0};
    }
    const std::string stop_reason = r->timed_out ? "timeout" : "crash";
    const std::string stop_message =
        r->timed_out ? "" : r->signal ? "signal " + std::to_string(r->signal) : "exit " + std::to_string(r->exit_code);
    for (const auto& fn : set.functions) {
      if (skip.count(fn.name)) continue;
      auto fn_cases = CasesOf(cases, fn.name);
      auto& res = results[fn.name];
      if (res.size() < fn_cases.size()) {
        CaseResult stopped;
        stopped.error_type = stop_reason;
        stopped.error_message = stop_message.empty() ? "the call did not return" : stop_message;
        if (open_fn == fn.name) res.push_back(stopped);  // the case it stopped in
        CaseResult not_run;
        not_run.error_type = stop_reason;
        not_run.error_message = "not run: an earlier call stopped the test driver";
        while (res.size() < fn_cases.size()) res.push_back(not_run);
      }
      outcomes.push_back(JudgeFunction(fn, fn_cases, res, cfg.contracts.max_reported));
    }
  }
  // The contract's order, so feedback and evidence read the same every time.
  std::vector<ContractOutcome> ordered;
  for (const auto& fn : set.functions) {
    for (const auto& o : outcomes) {
      if (o.function == fn.name) ordered.push_back(o);
    }
  }
  return UnitLayerResult(set, ordered, "sketch.ino", util::MonotonicMs() - t0);
}

// --- python ------------------------------------------------------------------------------------

/// The positional arguments of a case, in the contract's parameter order.
json ArgvOf(const ContractFunction& fn, const ContractCase& c) {
  if (fn.reference == "dp_clean" || fn.reference == "dp_features") return json::array({c.args["df"]});
  if (fn.reference == "edge_preprocess") return json::array({c.args["frame"]});
  if (fn.reference == "edge_decode") return json::array({c.args["outputs"], c.args["threshold"]});
  return json::array();
}

LayerResult PythonUnit(const config::ProjectConfig& cfg, const ContractSet& set, const std::vector<ContractCase>& cases,
                       const ContractInputs& in, const std::string& code, exec::ProcessRunner* runner) {
  const int64_t t0 = util::MonotonicMs();
  Scratch s("autopilot-unit-");
  if (s.dir().empty()) return Harness("cannot create a scratch folder");
  json spec = {{"functions", json::array()}};
  for (const auto& fn : set.functions) {
    json f = {{"name", fn.name}, {"cases", json::array()}};
    if (fn.reference == "mc_representative") {
      int64_t rows = 0;
      for (const auto* c : CasesOf(cases, fn.name)) rows = c->expected.value("count", 0);
      f["materialize"] = rows + 1;
    }
    for (const auto* c : CasesOf(cases, fn.name)) {
      json one = {{"argv", ArgvOf(fn, *c)}};
      if (c->expected.is_object() && c->expected.contains("$reference")) one["expected"] = c->expected;
      f["cases"].push_back(one);
    }
    spec["functions"].push_back(f);
  }
  if (auto w = util::WriteFileAtomic(s.dir() + "/script.py", code); !w) return Harness(w.error().message);
  if (auto w = util::WriteFileAtomic(s.dir() + "/cases.json", spec.dump()); !w) return Harness(w.error().message);
  // The inputs the stage's run sees in its folder, for functions that read them.
  auto stage_in = [&](const std::string& from, const std::string& name) -> Result<void> {
    if (from.empty()) return {};
    auto bytes = util::ReadFile(from);
    if (!bytes) return bytes.error();
    return util::WriteFileAtomic(s.dir() + "/" + name, *bytes);
  };
  if (set.stage == "dp") {
    if (auto r = stage_in(in.raw_csv.empty() ? cfg.dataset.raw_csv : in.raw_csv, "raw.csv"); !r) return Harness(r.error().message);
  }
  if (set.stage == "mc") {
    if (auto r = stage_in(in.representative_csv, "representative.csv"); !r) return Harness(r.error().message);
    const std::string helper = util::DataPath("python/autopilot_tflite.py");
    if (util::PathExists(helper)) {
      if (auto r = stage_in(helper, "autopilot_tflite.py"); !r) return Harness(r.error().message);
    }
  }
  exec::ProcessRequest req;
  req.workdir = s.dir();
  if (IsEdgeStage(set.stage)) {
    PrepareEdgeRequest(cfg, set.stage, &req);
  } else {
    req.policy = cfg.sandbox.ToPolicy();
    req.policy.extra_env = {"PYTHONDONTWRITEBYTECODE=1", "OPENBLAS_NUM_THREADS=1", "OMP_NUM_THREADS=1"};
  }
  req.argv = {cfg.python, util::DataPath("python/autopilot_unit.py"), "script.py", "cases.json", "results.json"};
  req.policy.timeout_s = std::min(req.policy.timeout_s > 0 ? req.policy.timeout_s : 120.0, 120.0);
  auto r = runner->Run(req);
  if (!r) return Harness("unit driver: " + r.error().message);
  auto text = util::ReadFile(s.dir() + "/results.json");
  json doc = text ? json::parse(*text, nullptr, false) : json();
  if (!text || doc.is_discarded() || !doc.is_object()) {
    if (r->timed_out) {
      return LayerResult{"unit", false, {{"unit", "runtime.timeout", "importing the script did not finish in time", "script.py", {}, ""}},
                         util::MonotonicMs() - t0};
    }
    return Harness("the unit driver wrote no results (exit " + std::to_string(r->exit_code) + "): " +
                   util::Trim(r->stderr_data.substr(0, 500)));
  }
  if (doc["load"].contains("syntax")) {
    return LayerResult{"unit", false, {{"unit", "static.syntax", doc["load"]["syntax"].value("message", "syntax error"), "script.py", {}, ""}},
                       util::MonotonicMs() - t0};
  }
  std::vector<int> skipped;
  for (const auto& l : doc["load"].value("skipped_lines", json::array())) skipped.push_back(l.get<int>());
  std::string skipped_text;
  if (!skipped.empty()) {
    std::vector<std::string> ls;
    for (size_t i = 0; i < skipped.size() && i < 8; ++i) ls.push_back(std::to_string(skipped[i]));
    skipped_text = " (module-level statements the unit layer does not run at import: line" + std::string(skipped.size() > 1 ? "s " : " ") +
                   util::Join(ls, ", ") + (skipped.size() > 8 ? ", …" : "") + "; a contract function may use constants, not what those create)";
  }
  std::vector<ContractOutcome> outcomes;
  for (const auto& fn : set.functions) {
    const json& entry = doc["functions"].value(fn.name, json::object());
    auto fn_cases = CasesOf(cases, fn.name);
    if (!entry.value("defined", false)) {
      std::string why = entry.contains("not_callable") ? fn.name + " is a " + entry["not_callable"].get<std::string>() + ", not a function"
                                                        : "no function " + fn.name + " at module level";
      outcomes.push_back({fn.name, false, static_cast<int>(fn_cases.size()), static_cast<int>(fn_cases.size()), "static.structure", "missing", {why}});
      continue;
    }
    std::vector<CaseResult> res;
    for (const auto& one : entry.value("results", json::array())) {
      CaseResult cr;
      cr.called = one.value("ok", false);
      if (cr.called) cr.value = one.value("value", json());
      cr.error_type = one.value("type", "");
      cr.error_message = one.value("message", "");
      if (cr.error_type == "NameError") cr.error_message += skipped_text;
      cr.line = one.value("line", 0);
      if (one.contains("expected")) cr.expected_override = one["expected"];
      res.push_back(cr);
    }
    if (res.size() < fn_cases.size()) {
      CaseResult stopped;
      stopped.error_type = r->timed_out ? "timeout" : "crash";
      stopped.error_message = r->timed_out ? "the driver timed out" : "the interpreter stopped (exit " + std::to_string(r->exit_code) + ")";
      while (res.size() < fn_cases.size()) res.push_back(stopped);
    }
    outcomes.push_back(JudgeFunction(fn, fn_cases, res, cfg.contracts.max_reported));
  }
  return UnitLayerResult(set, outcomes, "script.py", util::MonotonicMs() - t0);
}

}  // namespace

LayerResult UnitLayer(const config::ProjectConfig& cfg, const std::string& stage, const ContractInputs& in,
                      const std::string& code, exec::ProcessRunner* runner) {
  auto set = LoadContracts(cfg, stage, in);
  if (!set) return Harness("contracts: " + set.error().message);
  if (set->functions.empty()) return LayerResult{"unit", true, {{"unit", "note", "no contract function applies to this project", "", {}, ""}}, 0};
  auto cases = MakeContractCases(cfg, *set, in);
  if (!cases) return Harness("contract cases: " + cases.error().message);
  if (set->language == "cpp") return SketchUnit(cfg, *set, *cases, in, code, runner);
  return PythonUnit(cfg, *set, *cases, in, code, runner);
}

}  // namespace autopilot::stage
