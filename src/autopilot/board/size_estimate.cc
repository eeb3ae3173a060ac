#include "autopilot/board/size_estimate.h"

#include <filesystem>
#include <sstream>

#include "autopilot/board/host_build.h"
#include "autopilot/board/model_header.h"
#include "autopilot/board/sketch_preprocessor.h"
#include "autopilot/util/clock.h"
#include "autopilot/util/files.h"
#include "autopilot/util/strings.h"

namespace autopilot::board {
namespace fs = std::filesystem;
namespace {

constexpr const char* kCrossCompiler = "arm-none-eabi-g++";
constexpr const char* kCrossSize = "arm-none-eabi-size";
constexpr const char* kCrossNm = "arm-none-eabi-nm";

/// The nRF52840's Cortex-M4F as the mbed core compiles for it, optimised for size like the core.
const std::vector<std::string>& TargetFlags() {
  static const std::vector<std::string> kFlags = {"-mcpu=cortex-m4", "-mthumb", "-mfloat-abi=hard",
                                                  "-mfpu=fpv4-sp-d16", "-Os", "-g0",
                                                  "-ffunction-sections", "-fdata-sections", "-w"};
  return kFlags;
}

Result<exec::ProcessResult> RunCross(exec::ProcessRunner* runner, std::vector<std::string> argv,
                                     const std::string& work) {
  exec::ProcessRequest req;
  req.argv = std::move(argv);
  req.workdir = work;
  req.policy.timeout_s = 120;
  req.policy.memory_mb = 4096;
  req.policy.extra_env = {"LC_ALL=C"};
  return runner->Run(req);
}

std::string Kb(int64_t bytes) {
  std::ostringstream s;
  s << bytes << " B (" << (bytes + 512) / 1024 << " KB)";
  return s.str();
}

/// The largest bss/data symbol whose name mentions an arena, from `nm --size-sort -S` output.
int64_t ArenaBytes(const std::string& nm_output) {
  int64_t best = 0;
  std::istringstream in(nm_output);
  std::string line;
  while (std::getline(in, line)) {
    auto f = util::Split(util::Trim(line), ' ');
    if (f.size() < 4) continue;
    std::string type = util::ToLower(f[2]);
    if (type != "b" && type != "d") continue;
    if (util::ToLower(f[3]).find("arena") == std::string::npos) continue;
    try {
      best = std::max<int64_t>(best, std::stoll(f[1], nullptr, 16));
    } catch (const std::exception&) {
    }
  }
  return best;
}

}  // namespace

std::string SizeEstimate::Summary() const {
  return "estimate: flash " + Kb(flash_bytes) + " of " + Kb(max_flash_bytes) + ", RAM " + Kb(ram_bytes) +
         " of " + Kb(max_ram_bytes);
}

Result<SectionSums> ParseBerkeleySize(const std::string& output) {
  SectionSums sums;
  int rows = 0;
  std::istringstream in(output);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream f(line);
    std::string a, b, c;
    if (!(f >> a >> b >> c)) continue;
    if (a == "text") continue;  // the header row
    try {
      sums.text += std::stoll(a);
      sums.data += std::stoll(b);
      sums.bss += std::stoll(c);
      ++rows;
    } catch (const std::exception&) {
      return Error{errc::kEnv, "unexpected size output: " + line};
    }
  }
  if (rows == 0) return Error{errc::kEnv, "size printed no sections: " + output.substr(0, 200)};
  return sums;
}

Result<SizeEstimate> EstimateSize(const Profile& profile, const BoardSpec& board,
                                  const std::string& sketch_path, const std::string& model_header,
                                  exec::ProcessRunner* runner) {
  int64_t start = util::MonotonicMs();
  SizeEstimate e;
  e.max_flash_bytes = board.max_sketch_bytes;
  e.max_ram_bytes = board.max_data_bytes;
  auto ino = util::ReadFile(sketch_path);
  if (!ino) return Error{errc::kUsage, sketch_path + ": cannot read sketch (" + ino.error().message + ")"};
  auto work = MakeBuildFolder();
  if (!work) return work.error();
  util::RemoveTreeOnExit remove{*work};
  if (!model_header.empty()) {
    auto h = util::ReadFile(model_header);
    if (!h) return Error{errc::kUsage, model_header + ": cannot read model header"};
    if (auto bytes = ModelBytesFromHeader(*h)) e.model_bytes = static_cast<int64_t>(bytes->size());
    if (auto w = util::WriteFileAtomic(*work + "/model.h", *h); !w) return w.error();
  }
  std::string display = fs::absolute(sketch_path).string();
  if (auto w = util::WriteFileAtomic(*work + "/sketch.cpp", PreprocessSketch(*ino, display).cpp); !w) {
    return w.error();
  }
  std::vector<std::string> argv = {kCrossCompiler};
  for (const auto& f : profile.cxx_flags) {
    if (f.rfind("-W", 0) != 0 && f != "-fmessage-length=0") argv.push_back(f);
  }
  for (const auto& f : TargetFlags()) argv.push_back(f);
  for (const auto& d : profile.defines) argv.push_back("-D" + d);
  argv.push_back("-I" + *work);
  argv.push_back("-I" + profile.core_dir);
  for (const auto& l : profile.library_dirs) argv.push_back("-I" + l + "/src");
  argv.insert(argv.end(), {"-c", *work + "/sketch.cpp", "-o", *work + "/sketch.o"});
  auto cc = RunCross(runner, argv, *work);
  if (!cc) return cc.error();
  if (cc->exit_code == 127) {
    return Error{errc::kEnv, std::string(kCrossCompiler) +
                                 " not found: install gcc-arm-none-eabi and libstdc++-arm-none-eabi-newlib "
                                 "(scripts/bootstrap does)"};
  }
  if (cc->exit_code != 0) {
    e.diagnostics = ParseCompilerOutput(cc->stderr_data);
    for (const auto& d : e.diagnostics) {
      if (!d.code.empty()) {
        e.code = d.code;
        break;
      }
    }
    if (e.code.empty()) e.code = "unknown";
    e.ms = util::MonotonicMs() - start;
    return e;
  }
  e.compiled = true;
  auto size = RunCross(runner, {kCrossSize, *work + "/sketch.o"}, *work);
  if (!size) return size.error();
  auto sums = ParseBerkeleySize(size->stdout_data);
  if (!sums) return sums.error();
  e.flash_bytes = sums->text + sums->data;
  e.ram_bytes = sums->data + sums->bss;
  if (auto nm = RunCross(runner, {kCrossNm, "-S", "--size-sort", *work + "/sketch.o"}, *work); nm && nm->exit_code == 0) {
    e.arena_bytes = ArenaBytes(nm->stdout_data);
  }
  auto over = [&e](const char* what, int64_t bytes, int64_t max) {
    if (max <= 0 || bytes <= max) return;
    Diagnostic d;
    d.file = "sketch";
    d.severity = "error";
    d.message = std::string("estimated ") + what + " " + std::to_string(bytes) + " bytes exceeds the board's " +
                std::to_string(max) + " bytes (the sketch object alone, before the core and libraries)";
    d.code = "build.memory_overflow";
    e.diagnostics.push_back(d);
    if (e.code.empty()) e.code = d.code;
  };
  over("flash", e.flash_bytes, e.max_flash_bytes);
  over("RAM", e.ram_bytes, e.max_ram_bytes);
  e.ms = util::MonotonicMs() - start;
  return e;
}

}  // namespace autopilot::board
