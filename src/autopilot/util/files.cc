#include "autopilot/util/files.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

namespace autopilot::util {

Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{errc::kIo, path + ": cannot open: " + std::strerror(errno)};
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return Error{errc::kIo, path + ": read failed"};
  return ss.str();
}

Result<void> WriteFileAtomic(const std::string& path, const std::string& content) {
  std::string tmp = path + ".tmp." + std::to_string(getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return Error{errc::kIo, tmp + ": cannot create: " + std::strerror(errno)};
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
    out.flush();
    if (!out) return Error{errc::kIo, tmp + ": write failed"};
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::string msg = std::strerror(errno);
    std::remove(tmp.c_str());
    return Error{errc::kIo, path + ": cannot replace: " + msg};
  }
  return Ok();
}

Result<std::string> MakeTempDir(const std::string& prefix, const std::string& base) {
  std::string root = base;
  if (root.empty()) {
    const char* t = std::getenv("TMPDIR");
    root = (t && *t) ? t : "/tmp";
  }
  std::string templ = root + "/" + prefix + "XXXXXX";
  std::vector<char> buf(templ.begin(), templ.end());
  buf.push_back('\0');
  if (!mkdtemp(buf.data())) {
    return Error{errc::kIo, "cannot create a temporary directory under " + root + ": " +
                           std::strerror(errno)};
  }
  return std::string(buf.data());
}

void RemoveTree(const std::string& path) {
  std::error_code ec;
  std::filesystem::remove_all(path, ec);
}

bool PathExists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

bool IsExecutableFile(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(path.c_str(), X_OK) == 0;
}

std::string DataDir() {
  const char* env = std::getenv("AUTOPILOT_DATA_DIR");
  if (env && *env) return env;
#ifdef AUTOPILOT_SOURCE_DIR
  return AUTOPILOT_SOURCE_DIR;
#else
  return ".";
#endif
}

std::string DataPath(const std::string& relative) { return DataDir() + "/" + relative; }

}  // namespace autopilot::util
