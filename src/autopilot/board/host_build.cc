#include "autopilot/board/host_build.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <sstream>

#include "autopilot/board/model_header.h"
#include "autopilot/board/sketch_preprocessor.h"
#include "autopilot/util/clock.h"
#include "autopilot/util/files.h"
#include "autopilot/util/sha256.h"
#include "autopilot/util/strings.h"

#ifndef AUTOPILOT_BOARD_CACHE_DIR
#define AUTOPILOT_BOARD_CACHE_DIR "/tmp/autopilot-board-cache"
#endif
#ifndef AUTOPILOT_BOARD_LINK_FILE
#define AUTOPILOT_BOARD_LINK_FILE ""
#endif

namespace autopilot::board {
namespace fs = std::filesystem;
namespace {

/// The compiler that builds the SDK and every sketch (looked up on PATH inside the sandbox).
constexpr const char* kSketchCompiler = "g++";

/// Compiler and linker runs: generous but bounded, no network.
exec::SandboxPolicy CompilerPolicy() {
  exec::SandboxPolicy p;
  p.timeout_s = 120;
  p.memory_mb = 4096;
  p.max_output_bytes = 1u << 20;
  p.extra_env = {"LC_ALL=C"};  // plain ASCII quotes in diagnostics, whatever the user's locale
  return p;
}

std::vector<std::string> SketchFlags(const Profile& profile) {
  std::vector<std::string> flags = profile.cxx_flags;
  for (const auto& d : profile.defines) flags.push_back("-D" + d);
  flags.push_back("-O0");
  flags.push_back("-g0");
  return flags;
}

/// Link inputs after the SDK: the interpreter bridge and what it needs (written by CMake).
std::vector<std::string> BridgeLinkInputs() {
  std::string path;
  const char* env = std::getenv("AUTOPILOT_BOARD_LINK_FILE");
  path = (env && *env) ? env : AUTOPILOT_BOARD_LINK_FILE;
  std::vector<std::string> out;
  auto text = util::ReadFile(path);
  if (!text) return out;
  for (const auto& line : util::Split(*text, '\n')) {
    std::string t = util::Trim(line);
    if (t.empty()) continue;
    // The linker runs as the sandbox user: a library it cannot reach (a build tree under a private
    // folder) is linked from a copy in the tool's cache.
    if (!CheckReachableBySandbox(t)) {
      std::string copy = BoardCacheDir() + "/link/" + fs::path(t).filename().string();
      std::error_code ec;
      fs::create_directories(fs::path(copy).parent_path(), ec);
      fs::copy_file(t, copy, fs::copy_options::update_existing, ec);
      if (!ec) t = copy;
    }
    out.push_back(t);
  }
  return out;
}

void MakeReadable(const std::string& dir) {
  std::error_code ec;
  fs::permissions(dir, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                           fs::perms::others_read | fs::perms::others_exec, ec);
  for (const auto& e : fs::recursive_directory_iterator(dir, ec)) {
    fs::permissions(e.path(), e.is_directory() ? (fs::perms::owner_all | fs::perms::group_read |
                                                  fs::perms::group_exec | fs::perms::others_read |
                                                  fs::perms::others_exec)
                                               : (fs::perms::owner_read | fs::perms::owner_write |
                                                  fs::perms::group_read | fs::perms::others_read),
                    ec);
  }
}

Result<exec::ProcessResult> RunTool(exec::ProcessRunner* runner, std::vector<std::string> argv,
                                    const std::string& workdir, bool trusted) {
  exec::ProcessRequest req;
  req.argv = std::move(argv);
  req.workdir = workdir;
  req.policy = CompilerPolicy();
  if (trusted) req.policy.drop_privileges = false;
  return runner->Run(req);
}

/// Header is reachable through the compiler's own include folders (C/C++ standard library).
bool IsSystemHeader(const std::string& header) {
  static const char* kDirs[] = {"/usr/include/c++/12", "/usr/include/x86_64-linux-gnu/c++/12",
                                "/usr/lib/gcc/x86_64-linux-gnu/12/include", "/usr/include/newlib",
                                "/usr/lib/arm-none-eabi/include"};
  // The board's toolchain has newlib and libstdc++, not glibc: only the C and C++ standard
  // headers count, not POSIX or Linux ones.
  static const char* kCStd[] = {"assert.h", "ctype.h", "errno.h", "float.h", "inttypes.h", "limits.h",
                                "locale.h", "math.h", "setjmp.h", "signal.h", "stdarg.h", "stdbool.h",
                                "stddef.h", "stdint.h", "stdio.h", "stdlib.h", "string.h", "time.h",
                                "wchar.h", "wctype.h", "complex.h", "fenv.h", "iso646.h", "malloc.h"};
  for (const char* c : kCStd) {
    if (header == c) return true;
  }
  if (header.find('.') != std::string::npos) return false;
  for (const char* d : kDirs) {
    if (util::PathExists(std::string(d) + "/" + header)) return true;
  }
  return false;
}

}  // namespace

Result<void> CheckReachableBySandbox(const std::string& dir) {
  if (::geteuid() != 0) return Ok();  // the sandbox runs children as the tool's own user
  fs::path p = fs::absolute(dir).parent_path();
  for (; !p.empty(); p = p.parent_path()) {
    struct stat st {};
    if (::stat(p.c_str(), &st) == 0 && (st.st_mode & S_IXOTH) == 0) {
      return Error{errc::kEnv,
                   "the sandbox user cannot reach " + dir + ": " + p.string() +
                       " is not searchable by others; build under the tool's work root (leave the "
                       "work folder unset) or point AUTOPILOT_BOARD_CACHE at a world-searchable place"};
    }
    if (p == p.root_path()) break;
  }
  return Ok();
}

std::string BoardWorkRoot() { return BoardCacheDir() + "/work"; }

namespace {
/// Creates a folder the tool owns and sets its mode; its ancestors must already be reachable by
/// the sandbox user (checked, never changed).
Result<void> EnsureToolDir(const std::string& dir, fs::perms mode) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Error{errc::kIo, "cannot create " + dir + ": " + ec.message()};
  fs::permissions(dir, mode, fs::perm_options::replace, ec);
  if (ec) return Error{errc::kIo, "cannot set the mode of " + dir + ": " + ec.message()};
  return CheckReachableBySandbox(dir);
}
}  // namespace

Result<std::string> MakeBuildFolder() {
  auto root = EnsureToolDir(BoardWorkRoot(), fs::perms::owner_all | fs::perms::group_exec |
                                                 fs::perms::others_exec);
  if (!root) return root.error();
  return util::MakeTempDir("build-", BoardWorkRoot());
}

void RemoveBuild(const BuildResult& build) {
  if (!build.workdir.empty()) util::RemoveTree(build.workdir);
}

std::string BoardCacheDir() {
  const char* env = std::getenv("AUTOPILOT_BOARD_CACHE");
  if (env && *env) return env;
  // The build tree's cache, unless the sandbox user cannot reach it (a checkout under a private
  // folder, e.g. one made by mktemp): then a cache of the tool's own under /var/tmp, which is
  // world-searchable on every Debian system. The tool never widens the permissions of the user's
  // folders.
  static const std::string kDir = [] {
    std::string tree = AUTOPILOT_BOARD_CACHE_DIR;
    if (CheckReachableBySandbox(tree + "/x")) return tree;
    return "/var/tmp/autopilot-board-cache-" + std::to_string(::geteuid());
  }();
  return kDir;
}

std::string SdkCacheKey(const Profile& profile, const std::string& compiler_identity) {
  util::Sha256 h;
  std::vector<std::string> files;
  std::error_code ec;
  for (const auto& e : fs::recursive_directory_iterator(profile.sdk_dir, ec)) {
    if (e.is_regular_file()) files.push_back(e.path().string());
  }
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    h.Update(f);
    auto text = util::ReadFile(f);
    if (text) h.Update(*text);
  }
  for (const auto& f : profile.cxx_flags) h.Update(f);
  for (const auto& d : profile.defines) h.Update(d);
  h.Update(profile.name);
  // The board decides which libraries and runtime sources go into the SDK build.
  h.Update(profile.board);
  for (const auto& l : profile.library_dirs) h.Update(l);
  for (const auto& s : profile.runtime_sources) h.Update(s);
  // The objects and the precompiled header are only valid for the compiler that made them,
  // which is the sketch compiler, not the one that built this tool.
  h.Update(compiler_identity);
  return util::DigestHex(h.Finish(), 8);
}

Result<std::string> SketchCompilerIdentity(exec::ProcessRunner* runner) {
  // Once per process: the compiler does not change under a running tool, and a build per sketch
  // should not pay for an extra process.
  static std::mutex mu;
  static std::string cached;
  std::lock_guard<std::mutex> lock(mu);
  if (!cached.empty()) return cached;
  auto r = RunTool(runner, {kSketchCompiler, "--version"}, "", true);
  if (!r) return r.error();
  if (r->exit_code != 0 || r->stdout_data.empty()) {
    return Error{errc::kEnv, std::string("the sketch compiler (") + kSketchCompiler +
                                          " --version) does not run:\n" + r->stderr_data};
  }
  cached = r->stdout_data;
  return cached;
}

Result<std::string> EnsureSdk(const Profile& profile, exec::ProcessRunner* runner) {
  std::string root = BoardCacheDir();
  auto compiler = SketchCompilerIdentity(runner);
  if (!compiler) return compiler.error();
  std::string dir = root + "/" + profile.name + "-" + SdkCacheKey(profile, *compiler);
  if (util::PathExists(dir + "/libvboard.a") && util::PathExists(dir + "/pch/Arduino.h.gch")) return dir;
  auto made = EnsureToolDir(root, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                                      fs::perms::others_read | fs::perms::others_exec);
  if (!made) return made.error();
  std::error_code ec;
  auto tmp = util::MakeTempDir(profile.name + ".tmp", root);
  if (!tmp) return tmp.error();
  std::vector<std::string> includes = {"-I" + profile.core_dir, "-I" + profile.sdk_dir + "/runtime"};
  for (const auto& l : profile.library_dirs) includes.push_back("-I" + l + "/src");
  std::vector<std::string> objects;
  for (const auto& src : profile.runtime_sources) {
    std::string obj = *tmp + "/" + fs::path(src).stem().string() + ".o";
    std::vector<std::string> argv = {kSketchCompiler,
                                     "-std=gnu++17",
                                     "-O1",
                                     "-g0",
                                     "-fno-rtti",
                                     "-funsigned-char",
                                     "-w",
                                     "-c",
                                     src,
                                     "-o",
                                     obj};
    for (const auto& d : profile.defines) argv.push_back("-D" + d);
    argv.insert(argv.end(), includes.begin(), includes.end());
    auto r = RunTool(runner, argv, *tmp, true);
    if (!r) return r.error();
    if (r->exit_code != 0) {
      util::RemoveTree(*tmp);
      return Error{errc::kHarnessBug, "board SDK source " + src + " does not compile:\n" + r->stderr_data};
    }
    objects.push_back(obj);
  }
  std::vector<std::string> ar = {"ar", "rcs", *tmp + "/libvboard.a"};
  ar.insert(ar.end(), objects.begin(), objects.end());
  auto ar_r = RunTool(runner, ar, *tmp, true);
  if (!ar_r || ar_r->exit_code != 0) {
    util::RemoveTree(*tmp);
    return Error{errc::kHarnessBug, "ar failed for the board SDK"};
  }
  fs::create_directories(*tmp + "/pch", ec);
  std::vector<std::string> pch = {kSketchCompiler, "-x", "c++-header"};
  for (const auto& f : SketchFlags(profile)) pch.push_back(f);
  pch.push_back("-I" + profile.core_dir);
  pch.push_back(profile.core_dir + "/Arduino.h");
  pch.push_back("-o");
  pch.push_back(*tmp + "/pch/Arduino.h.gch");
  auto pch_r = RunTool(runner, pch, *tmp, true);
  if (!pch_r || pch_r->exit_code != 0) {
    util::RemoveTree(*tmp);
    return Error{errc::kHarnessBug, "precompiling Arduino.h failed:\n" + (pch_r ? pch_r->stderr_data : pch_r.error().message)};
  }
  // Later `#include <Arduino.h>` (from libraries) must find a header beside the .gch.
  auto wrap = util::WriteFileAtomic(*tmp + "/pch/Arduino.h", "#include \"" + profile.core_dir + "/Arduino.h\"\n");
  if (!wrap) return wrap.error();
  for (const auto& o : objects) fs::remove(o, ec);
  MakeReadable(*tmp);
  fs::rename(*tmp, dir, ec);
  if (ec) util::RemoveTree(*tmp);  // another process won the race; its copy is identical
  if (!util::PathExists(dir + "/libvboard.a")) return Error{errc::kHarnessBug, "board SDK cache " + dir + " missing after build"};
  return dir;
}

Result<BuildResult> BuildSketch(const Profile& profile, const BuildRequest& request,
                                exec::ProcessRunner* runner) {
  int64_t start = util::MonotonicMs();
  BuildResult result;
  result.board = profile.board;
  auto ino = util::ReadFile(request.sketch_path);
  if (!ino) return Error{errc::kUsage, request.sketch_path + ": cannot read sketch (" + ino.error().message + ")"};
  auto sdk = EnsureSdk(profile, runner);
  if (!sdk) return sdk.error();
  std::error_code ec;
  // The sandboxed compiler runs as an unprivileged user: the build folder lives where that user
  // can reach it — the tool's own work root unless the caller chose (and prepared) a folder.
  std::string work = request.workdir;
  struct RemoveOnError {  // a folder this call created is removed unless the build returns it
    std::string dir;
    ~RemoveOnError() {
      if (!dir.empty()) util::RemoveTree(dir);
    }
  } created;
  if (work.empty()) {
    auto tmp = MakeBuildFolder();
    if (!tmp) return tmp.error();
    work = *tmp;
    created.dir = work;
  } else {
    fs::create_directories(work, ec);
    work = fs::absolute(work).string();
    auto reach = CheckReachableBySandbox(work);
    if (!reach) return reach.error();
  }
  result.workdir = work;

  // model.h next to the sketch, as the study's harness did.
  std::vector<uint8_t> model_bytes;
  std::string header_text;
  if (!request.model_header.empty()) {
    auto h = util::ReadFile(request.model_header);
    if (!h) return Error{errc::kUsage, request.model_header + ": cannot read model header"};
    header_text = *h;
    auto b = ModelBytesFromHeader(header_text);
    if (b) model_bytes = *b;
  } else if (!request.model_tflite.empty()) {
    auto m = util::ReadFile(request.model_tflite);
    if (!m) return Error{errc::kUsage, request.model_tflite + ": cannot read model"};
    model_bytes.assign(m->begin(), m->end());
    std::string symbol = request.symbol.empty() ? profile.model_symbol : request.symbol;
    std::string length_symbol = request.symbol.empty() ? profile.model_length_symbol : "";
    header_text = ModelHeaderText(model_bytes, symbol, length_symbol);
  }
  if (!header_text.empty()) {
    auto w = util::WriteFileAtomic(work + "/model.h", header_text);
    if (!w) return w.error();
  }
  if (!model_bytes.empty()) {
    std::string bytes(model_bytes.begin(), model_bytes.end());
    auto w = util::WriteFileAtomic(work + "/model.tflite", bytes);
    if (!w) return w.error();
    result.model_file = work + "/model.tflite";
  }

  std::string display = fs::absolute(request.sketch_path).string();
  PreprocessedSketch pre = PreprocessSketch(*ino, display);
  if (!request.extra_source.empty()) pre.cpp += "\n" + request.extra_source;
  auto w = util::WriteFileAtomic(work + "/sketch.cpp", pre.cpp);
  if (!w) return w.error();

  // Library discovery in include order: a header found in the core, an active library or the
  // sketch folder is fine; a library's top-level header activates it; anything else ends
  // discovery (arduino-cli stops there and the compiler then reports the missing file).
  std::vector<std::string> active;
  auto found_in = [](const std::string& dir, const std::string& header) {
    return util::PathExists(dir + "/" + header);
  };
  for (const auto& inc : FindIncludes(*ino)) {
    if (found_in(profile.core_dir, inc.header)) continue;
    if (inc.quoted && found_in(work, inc.header)) continue;
    bool ok = false;
    for (const auto& a : active) ok = ok || found_in(a + "/src", inc.header);
    if (ok) continue;
    for (const auto& lib : profile.library_dirs) {
      if (inc.header.find('/') == std::string::npos && found_in(lib + "/src", inc.header)) {
        active.push_back(lib);
        ok = true;
        break;
      }
    }
    if (ok) continue;
    if (IsSystemHeader(inc.header)) continue;
    break;
  }
  for (const auto& a : active) result.libraries.push_back(fs::path(a).filename().string());

  std::vector<std::string> argv = {kSketchCompiler};
  for (const auto& f : SketchFlags(profile)) argv.push_back(f);
  argv.push_back("-I" + *sdk + "/pch");
  argv.push_back("-I" + profile.core_dir);
  for (const auto& a : active) argv.push_back("-I" + a + "/src");
  argv.push_back("-x");
  argv.push_back("c++");
  argv.push_back(work + "/sketch.cpp");
  argv.push_back("-x");
  argv.push_back("none");
  argv.push_back(*sdk + "/libvboard.a");
  for (const auto& l : BridgeLinkInputs()) argv.push_back(l);
  argv.push_back("-lpthread");
  for (const auto& f : request.extra_link_flags) argv.push_back(f);
  argv.push_back("-o");
  argv.push_back(work + "/sketch");
  auto r = RunTool(runner, argv, work, false);
  if (!r) return r.error();
  result.compiler_output = r->stderr_data + r->stdout_data;
  result.diagnostics = ParseCompilerOutput(result.compiler_output);
  if (r->timed_out) {
    result.compiled = false;
    result.primary_code = "runtime.timeout";
  } else {
    result.compiled = r->exit_code == 0 && util::PathExists(work + "/sketch");
  }
  if (!result.compiled && result.primary_code.empty()) {
    for (const auto& d : result.diagnostics) {
      if (!d.code.empty()) {
        result.primary_code = d.code;
        break;
      }
    }
    if (result.primary_code.empty()) result.primary_code = "unknown";
  }
  if (result.compiled) result.binary = work + "/sketch";
  result.build_ms = util::MonotonicMs() - start;
  created.dir.clear();
  return result;
}

}  // namespace autopilot::board
