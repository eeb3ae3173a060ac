#include "autopilot/exec/env_filter.h"

#include <array>
#include <map>

#include "autopilot/util/strings.h"

extern char** environ;  // NOLINT: POSIX

namespace autopilot::exec {
namespace {

constexpr std::array<std::string_view, 12> kSecretPatterns = {
    "*_KEY",      "*_KEY_*",   "*_TOKEN",     "*_TOKEN_*", "*SECRET*", "*PASSWORD*",
    "*PASSWD*",   "*CREDENTIAL*", "*APIKEY*", "*_PAT",     "*_AUTH",   "*_COOKIE"};

constexpr std::array<std::string_view, 8> kAllowed = {"PATH", "LANG",  "LANGUAGE", "TZ",
                                                      "TERM", "SHELL", "USER",     "LOGNAME"};

bool Allowed(std::string_view name) {
  for (auto a : kAllowed) {
    if (name == a) return true;
  }
  return util::StartsWith(name, "LC_");
}

}  // namespace

bool IsSecretName(std::string_view name) {
  for (auto p : kSecretPatterns) {
    if (util::GlobMatchIgnoreCase(p, name)) return true;
  }
  return false;
}

std::vector<std::string> BuildChildEnv(const std::vector<std::string>& parent,
                                       const std::string& workdir, bool inherit,
                                       const std::vector<std::string>& extra) {
  std::map<std::string, std::string> env;  // sorted: deterministic order for the child
  auto put = [&](const std::string& entry, bool from_parent) {
    size_t eq = entry.find('=');
    if (eq == std::string::npos || eq == 0) return;
    std::string name = entry.substr(0, eq);
    // The cheap allow-list first: without it every variable of the tool's environment would be
    // matched against every secret pattern on every run.
    if (from_parent && !inherit && !Allowed(name)) return;
    if (IsSecretName(name)) return;
    env[name] = entry.substr(eq + 1);
  };
  for (const auto& e : parent) put(e, true);
  if (env.find("PATH") == env.end()) env["PATH"] = "/usr/local/bin:/usr/bin:/bin";
  if (!inherit) {
    env["HOME"] = workdir;
    env["TMPDIR"] = workdir;
  }
  env["PWD"] = workdir;
  for (const auto& e : extra) put(e, false);
  std::vector<std::string> out;
  out.reserve(env.size());
  for (const auto& [k, v] : env) out.push_back(k + "=" + v);
  return out;
}

std::vector<std::string> CurrentEnvironment() {
  std::vector<std::string> out;
  for (char** e = environ; e && *e; ++e) out.emplace_back(*e);
  return out;
}

}  // namespace autopilot::exec
