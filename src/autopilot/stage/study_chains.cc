#include "autopilot/stage/study_chains.h"

#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <map>

#include "autopilot/stage/dp_checks.h"
#include "autopilot/stage/mc_checks.h"
#include "autopilot/stage/python_checks.h"
#include "autopilot/stage/scratch.h"
#include "autopilot/tflite/dataset.h"
#include "autopilot/util/files.h"

namespace autopilot::stage {
namespace {

namespace fs = std::filesystem;
using validate::Diagnostic;
using validate::LayerResult;

LayerResult Fail(const std::string& layer, const std::string& code, const std::string& message,
                 const std::string& hint = "") {
  return LayerResult{layer, false, {Diagnostic{layer, code, message, "", {}, hint}}, 0};
}

/// The sandbox runs scripts as nobody when the tool is root and hands it the working folder only;
/// the study's scripts write into sub-folders, so those are handed over too.
void HandOverTree(const std::string& root) {
  if (::geteuid() != 0) return;
  uid_t uid = 65534;
  gid_t gid = 65534;
  if (const passwd* pw = ::getpwnam("nobody")) {
    uid = pw->pw_uid;
    gid = pw->pw_gid;
  }
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(root, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    (void)::lchown(it->path().c_str(), uid, gid);
  }
}

/// Copies every regular file of `from` into `to` (flat); false when one cannot be copied.
bool CopyFiles(const std::string& from, const std::string& to, const std::string& only_ext = "") {
  std::error_code ec;
  fs::create_directories(to, ec);
  for (const auto& e : fs::directory_iterator(from, ec)) {
    if (!e.is_regular_file()) continue;
    if (!only_ext.empty() && e.path().extension() != only_ext) continue;
    auto bytes = util::ReadFile(e.path().string());
    if (!bytes || !util::WriteFileAtomic(to + "/" + e.path().filename().string(), *bytes)) return false;
  }
  return !ec;
}

/// Writes the script and the study's data folder (SampleData + the run's playground) into `dir`.
Result<void> LayOut(const std::string& dir, const std::string& study_root, const std::string& playground,
                    const std::string& code) {
  if (!CopyFiles(study_root + "/" + kStudySampleData, dir + "/" + kStudySampleData, ".csv")) {
    return Error{errc::kHarnessBug, "cannot copy " + study_root + "/" + kStudySampleData};
  }
  std::error_code ec;
  fs::create_directories(dir + "/" + kStudyPlayground, ec);
  if (!playground.empty() && !CopyFiles(playground, dir + "/" + kStudyPlayground)) {
    return Error{errc::kHarnessBug, "cannot copy the playground " + playground};
  }
  return util::WriteFileAtomic(dir + "/script.py", code);
}

}  // namespace

std::string StudyMissing(const std::string& study_root, const std::string& stage) {
  std::vector<std::string> need{std::string(kStudySampleData) + "/fruit_data.csv"};
  if (stage == "mc") need.push_back(kStudyKerasModel);
  std::string missing;
  for (const auto& n : need) {
    if (!util::PathExists(study_root + "/" + n)) missing += (missing.empty() ? "" : ", ") + study_root + "/" + n;
  }
  return missing;
}

std::vector<LayerResult> StudyDpChain(const config::ProjectConfig& cfg, const std::string& study_root,
                                      const std::string& playground, const std::string& code,
                                      exec::ProcessRunner* runner) {
  std::vector<LayerResult> out;
  out.push_back(CheckPythonStatic(code, cfg.python, AllowedPythonModules(), runner));
  if (!out.back().passed) return out;
  Scratch s("autopilot-study-dp-");
  if (s.dir().empty()) return {Fail("run", "env.misconfigured", "cannot create a scratch folder")};
  if (auto r = LayOut(s.dir(), study_root, playground, code); !r) return {Fail("run", "harness.bug", r.error().message)};
  HandOverTree(s.dir());
  const std::string pg = s.dir() + "/" + kStudyPlayground;
  // What the playground held before the run: a file counts as written when it is new or its
  // content or modification time changed (staged copies may share the clock tick of the start).
  std::map<std::string, std::pair<std::string, fs::file_time_type>> before;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(pg, ec)) {
    if (!e.is_regular_file()) continue;
    auto bytes = util::ReadFile(e.path().string());
    before[e.path().filename().string()] = {bytes ? *bytes : "", fs::last_write_time(e.path(), ec)};
  }
  out.push_back(RunPythonScript("dp", s.dir(), "script.py", cfg.python, cfg.sandbox.ToPolicy(), runner, nullptr));
  if (!out.back().passed) return out;
  // What the prototype kept for the next operation: everything the script left in the playground.
  if (!playground.empty() && !CopyFiles(pg, playground, ".csv")) {
    return {out[0], out[1], Fail("semantic", "harness.bug", "cannot keep the playground in " + playground)};
  }
  LayerResult sem{"semantic", true, {}, 0};
  int written = 0;
  for (const auto& e : fs::directory_iterator(pg, ec)) {
    if (!e.is_regular_file() || e.path().extension() != ".csv") continue;
    auto was = before.find(e.path().filename().string());
    if (was != before.end()) {
      auto now = util::ReadFile(e.path().string());
      if (now && *now == was->second.first && fs::last_write_time(e.path(), ec) == was->second.second) continue;
    }
    ++written;
    const std::string rel = std::string(kStudyPlayground) + "/" + e.path().filename().string();
    auto table = tflite::ReadCsv(e.path().string());
    if (!table) {
      sem.passed = false;
      sem.diagnostics.push_back({"semantic", "semantic.artifact_invalid", rel + " is not a readable CSV: " +
                                 table.error().message, rel, {}, ""});
    } else if (table->header.empty() || table->rows.empty()) {
      sem.passed = false;
      sem.diagnostics.push_back({"semantic", "semantic.artifact_invalid", rel + " has no rows", rel, {},
                                 "an operation must keep the dataset's rows"});
    }
  }
  if (written == 0) {
    sem.passed = false;
    sem.diagnostics.push_back({"semantic", "semantic.artifact_missing",
                               std::string("the script wrote no CSV into ") + kStudyPlayground, "", {},
                               "the study's DP operations save their result in the playground"});
  }
  out.push_back(sem);
  return out;
}

std::vector<LayerResult> StudyMcChain(const config::ProjectConfig& cfg, const std::string& study_root,
                                      const McInputs& in, const std::string& code, exec::ProcessRunner* runner) {
  std::vector<LayerResult> out;
  out.push_back(CheckPythonStatic(code, cfg.python, AllowedPythonModules(), runner));
  if (!out.back().passed) return out;
  Scratch s("autopilot-study-mc-");
  if (s.dir().empty()) return {Fail("run", "env.misconfigured", "cannot create a scratch folder")};
  if (auto r = LayOut(s.dir(), study_root, "", code); !r) return {Fail("run", "harness.bug", r.error().message)};
  std::error_code ec;
  const std::string keras_dir = s.dir() + "/" + fs::path(kStudyKerasModel).parent_path().string();
  fs::create_directories(keras_dir, ec);
  fs::create_directories(s.dir() + "/" + fs::path(kStudyQuantModel).parent_path().string(), ec);
  auto keras = util::ReadFile(study_root + "/" + kStudyKerasModel);
  if (!keras || !util::WriteFileAtomic(s.dir() + "/" + kStudyKerasModel, *keras)) {
    return {out[0], Fail("run", "env.misconfigured", "cannot read " + study_root + "/" + kStudyKerasModel,
                         "bring the study's model.keras (examples/study/rejudge.md)")};
  }
  HandOverTree(s.dir());
  const int64_t started = FileClockNowNs(s.dir());
  out.push_back(RunPythonScript("mc", s.dir(), "script.py", cfg.python, cfg.sandbox.ToPolicy(), runner, nullptr));
  if (!out.back().passed) return out;
  McContract c;
  c.output_model = s.dir() + "/" + kStudyQuantModel;
  c.float_model = in.float_model;
  c.test_csv = in.test_csv;
  c.feature_names = cfg.dataset.feature_names;
  c.label = cfg.dataset.label;
  c.classes = cfg.dataset.classes;
  c.input_dtype = "float32";  // what the study's MC prompt asked for
  c.output_dtype = "uint8";
  c.accuracy_tolerance = cfg.model.accuracy_tolerance;
  c.flash_kb = cfg.model.flash_kb;
  out.push_back(CheckMcOutput(c, started, nullptr));
  return out;
}

}  // namespace autopilot::stage
