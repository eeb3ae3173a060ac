#pragma once
// Which environment variables may reach a sandboxed child.

#include <string>
#include <string_view>
#include <vector>

namespace autopilot::exec {

/// True for names that look like credentials: *_KEY, *_KEY_*, *_TOKEN, *_TOKEN_*, *SECRET*,
/// *PASSWORD*, *PASSWD*, *CREDENTIAL*, *APIKEY*, *_PAT, *_AUTH (case-insensitive).
bool IsSecretName(std::string_view name);

/// Builds the child's environment (NAME=VALUE strings).
/// `parent` is the tool's environment; only allow-listed names pass (PATH, LANG, LC_*, TZ, TERM…),
/// or, with `inherit`, every name that is not a secret. HOME, TMPDIR and PWD point at `workdir`.
/// `extra` entries are added unless they are secrets.
std::vector<std::string> BuildChildEnv(const std::vector<std::string>& parent,
                                       const std::string& workdir, bool inherit,
                                       const std::vector<std::string>& extra);

/// The current process environment as NAME=VALUE strings.
std::vector<std::string> CurrentEnvironment();

}  // namespace autopilot::exec
