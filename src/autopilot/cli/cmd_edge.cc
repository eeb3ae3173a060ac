// autopilot edge example DIR [--frames N] [--force] — the edge case study's files, offline.
//
// Writes, at the study's paths under DIR, a synthetic stand-in for each file the PSG/TPUSG
// scripts read: the detector (tflite/ssd_synth.h, the I/O of the quantized SSD-MobileNet v1),
// its label map and a video of sheep and a horse on a field (python/edge_tools/make_video.py).
// Files that exist are kept (a user's real model, labels or video dropped in at the same path
// win) unless --force.

#include <CLI/CLI.hpp>
#include <filesystem>
#include <iostream>

#include "autopilot/cli/app.h"
#include "autopilot/cli/command.h"
#include "autopilot/cli/output.h"
#include "autopilot/exec/process_runner.h"
#include "autopilot/stage/scratch.h"
#include "autopilot/tflite/model.h"
#include "autopilot/tflite/ssd_synth.h"
#include "autopilot/util/files.h"
#include "autopilot/util/strings.h"

namespace autopilot::cli {
namespace {

namespace fs = std::filesystem;
using nlohmann::ordered_json;

constexpr const char* kModel = "models/ssd-mobilenet_v1/detect.tflite";
constexpr const char* kLabels = "models/ssd-mobilenet_v1/labelmap.txt";
constexpr const char* kVideo = "data/object_detection/sheeps.mp4";

struct EdgeArgs {
  std::string dir;
  int frames = 96;
  bool force = false;
};

Result<void> MakeParent(const std::string& path) {
  std::error_code ec;
  fs::create_directories(fs::path(path).parent_path(), ec);
  if (ec) return Error{errc::kIo, fs::path(path).parent_path().string() + ": " + ec.message()};
  return {};
}

Result<void> WriteModel(const std::string& path) {
  if (auto r = MakeParent(path); !r) return r.error();
  const std::string tmp = path + ".tmp";
  if (auto r = tflite::SaveModel(tflite::BuildSyntheticSsd(), tmp); !r) return r.error();
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) return Error{errc::kIo, path + ": " + ec.message()};
  return {};
}

Result<void> WriteLabels(const std::string& path) {
  if (auto r = MakeParent(path); !r) return r.error();
  return util::WriteFileAtomic(path, tflite::SyntheticSsdLabelFile());
}

// The generator is our own code, but it runs under the sandbox like every Python program the
// tool starts: only its scratch folder is writable; the result is moved into place afterwards.
Result<ordered_json> WriteVideo(const std::string& path, int frames) {
  if (auto r = MakeParent(path); !r) return r.error();
  const std::string script = util::DataPath("python/edge_tools/make_video.py");
  if (!fs::exists(script)) return Error{errc::kIo, script + " is missing (a broken install?)"};
  stage::Scratch scratch("ap-edge-video-");
  if (scratch.dir().empty()) return Error{errc::kIo, "cannot make a scratch folder"};
  exec::ProcessRequest req;
  req.argv = {"/usr/bin/python3", script, "sheeps.mp4", "--frames", std::to_string(frames)};
  req.workdir = scratch.dir();
  req.policy.timeout_s = 120;
  req.policy.isolate_network = true;
  exec::SandboxRunner runner;
  auto r = runner.Run(req);
  if (!r) return r.error();
  const std::string out = util::Trim(r->stdout_data);
  auto doc = ordered_json::parse(out.substr(out.rfind('\n') == std::string::npos ? 0 : out.rfind('\n') + 1),
                                 nullptr, false);
  if (r->exit_code != 0 || doc.is_discarded() || !doc.is_object() || doc.contains("error")) {
    std::string why = !doc.is_discarded() && doc.is_object() && doc.contains("error")
                          ? doc["error"].get<std::string>()
                          : util::Trim(r->stderr_data.substr(0, 800));
    if (why.find("No module named") != std::string::npos) {
      return Error{errc::kEnv, "make_video.py: " + why + " (install Debian's python3-opencv and python3-numpy: make deps)"};
    }
    return Error{errc::kIo, "make_video.py failed (exit " + std::to_string(r->exit_code) + "): " + why};
  }
  std::error_code ec;
  fs::copy_file(scratch.dir() + "/sheeps.mp4", path + ".tmp", fs::copy_options::overwrite_existing, ec);
  if (!ec) fs::rename(path + ".tmp", path, ec);
  if (ec) return Error{errc::kIo, path + ": " + ec.message()};
  return doc;
}

int RunExample(const EdgeArgs& a, bool json) {
  if (a.frames < 1 || a.frames > 100000) {
    return ReportFailure(json, Error{errc::kUsage, "--frames must be between 1 and 100000"});
  }
  std::error_code ec;
  fs::create_directories(a.dir, ec);
  if (ec) return ReportFailure(json, Error{errc::kIo, a.dir + ": " + ec.message()});
  ordered_json files = ordered_json::array();
  auto one = [&](const char* rel, auto&& write) -> Result<void> {
    const std::string path = a.dir + "/" + rel;
    ordered_json row = {{"path", rel}};
    if (fs::exists(path) && !a.force) {
      row["action"] = "kept";
    } else {
      auto r = write(path);
      if (!r) return r.error();
      row["action"] = "written";
      if constexpr (std::is_same_v<std::decay_t<decltype(r)>, Result<ordered_json>>) row["video"] = *r;
    }
    row["bytes"] = fs::file_size(path, ec);
    files.push_back(row);
    return {};
  };
  Result<void> r = one(kModel, [](const std::string& p) { return WriteModel(p); });
  if (r) r = one(kLabels, [](const std::string& p) { return WriteLabels(p); });
  if (r) r = one(kVideo, [&](const std::string& p) { return WriteVideo(p, a.frames); });
  if (!r) return ReportFailure(json, r.error());
  if (json) {
    PrintJson({{"dir", a.dir}, {"files", files},
               {"note", "synthetic stand-ins (sheep = white, horse = brown); not the study's COCO model"}});
  } else {
    for (const auto& f : files) {
      std::cout << f["action"].get<std::string>() << "  " << a.dir << "/" << f["path"].get<std::string>()
                << " (" << f["bytes"].get<uint64_t>() << " bytes)\n";
    }
    std::cout << "synthetic stand-ins: the detector finds white sheep and brown horses; the study's real "
                 "SSD-MobileNet v1, labelmap.txt and sheeps.mp4 drop in at the same paths\n";
  }
  return kExitOk;
}

}  // namespace

CommandRunner SetupEdge(CLI::App* sub, GlobalOptions* globals) {
  sub->require_subcommand(1);
  auto a = std::make_shared<EdgeArgs>();
  CLI::App* ex = sub->add_subcommand(
      "example", "Write the edge study's model, labels and video (synthetic stand-ins) under DIR");
  ex->add_option("dir", a->dir, "Project folder (the files go to the study's paths under it)")->required();
  ex->add_option("--frames", a->frames, "Frames of the video (default 96, 24 fps)");
  ex->add_flag("--force", a->force, "Overwrite files that exist (default: keep them)");
  ex->add_flag("--json", globals->json, "Machine-readable JSON output on stdout");
  return [a, globals]() -> int { return RunExample(*a, globals->json); };
}

}  // namespace autopilot::cli
