#pragma once
// The error codes the tool's own errors carry (Error::code). Failures of generated code carry
// taxonomy ids instead (taxonomy/category.h); these are the tool's: what a caller branches on and
// what cli::ExitCodeFor maps to an exit code. Never empty.

namespace autopilot::errc {

inline constexpr const char* kUsage = "usage";            ///< bad flags or arguments
inline constexpr const char* kConfig = "config";          ///< a malformed config file (file:line)
inline constexpr const char* kEnv = "env.misconfigured";  ///< a missing tool, package or setting
inline constexpr const char* kIo = "io";        ///< a file or folder cannot be read or written
inline constexpr const char* kStore = "store";  ///< the run store refused a read or write
inline constexpr const char* kStoreExists = "store.exists";  ///< the run is in the store already
inline constexpr const char* kData = "data";          ///< a data file the user gave is malformed
inline constexpr const char* kResource = "resource";  ///< the machine refused (processes, memory)
inline constexpr const char* kImportMalformed =
    "import.malformed";  ///< an import file is malformed
inline constexpr const char* kModelInvalid =
    "ml.conversion_config";                                ///< a model file cannot be used
inline constexpr const char* kHarnessBug = "harness.bug";  ///< the tool itself is wrong

}  // namespace autopilot::errc
