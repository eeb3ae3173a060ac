#pragma once
// The validator chain of the edge stages: psg (a Python detector script for a Raspberry Pi 4B)
// and tpusg (the same for a Coral Dev Board's Edge TPU). After the format layer:
//   static   — the script compiles, and every import the device cannot satisfy is guarded;
//   run      — the script runs sandboxed on the virtual device: the project's model, labels and a
//              shortened input video at the paths its prompt named (relative or absolute, by the
//              sandbox's private mount namespace), the device's runtime modules on its path;
//   semantic — the output video exists and decodes with the input's frame count and size, every
//              recorded Invoke input equals the correctly preprocessed frame, the boxes drawn match
//              the reference detections of the same model; claimed accuracy figures are warnings.

#include <string>
#include <vector>

#include "autopilot/config/project_config.h"
#include "autopilot/exec/process_runner.h"
#include "autopilot/stage/chains.h"
#include "autopilot/validate/diagnostic.h"

namespace autopilot::stage {

/// True for psg and tpusg.
bool IsEdgeStage(const std::string& stage);

/// The virtual device a stage runs on: raspberry_pi_4b (psg) or coral_dev_board (tpusg).
std::string EdgeDeviceFor(const std::string& stage);

/// The folder holding the `_autopilot_edge` extension module ($AUTOPILOT_PYEXT_DIR, else the
/// build tree's python/ folder).
std::string PyextDir();

/// Why the edge stages cannot run on this machine ("" when they can): no OpenCV for
/// /usr/bin/python3, the extension module not built.
std::string EdgeUnavailableReason(const config::ProjectConfig& cfg);

/// Makes `req` a request of the virtual device of `stage`: the device's runtime modules on the
/// path (tflite_runtime, pycoral, ...), the tool's Python folder, the project's sandbox policy.
void PrepareEdgeRequest(const config::ProjectConfig& cfg, const std::string& stage, exec::ProcessRequest* req);

/// The chain for `stage` (psg | tpusg) on `code` under the project's `edge:` section. On success
/// the script and the annotated video are copied to `keep.dir` (script.py, output video name).
std::vector<validate::LayerResult> EdgeChain(const config::ProjectConfig& cfg, const std::string& stage,
                                             const std::string& code, exec::ProcessRunner* runner,
                                             const Keep& keep = {});

}  // namespace autopilot::stage
