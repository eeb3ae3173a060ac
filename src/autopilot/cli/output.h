#pragma once
// Printing results for people (text) and programs (--json).

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "autopilot/util/result.h"

namespace autopilot::cli {

/// Pretty JSON on stdout, one document per command.
void PrintJson(const nlohmann::ordered_json& doc);
/// "autopilot: error: …" on stderr (multi-line messages keep their lines).
void PrintError(const std::string& message);
/// An error as JSON on stdout ({"error": {"code", "message"}}) when --json, else on stderr.
void ReportError(bool json, const Error& error);

/// Reports `error` (ReportError) and returns its exit code (ExitCodeFor, app.h): how a command
/// stops on an error.
int ReportFailure(bool json, const Error& error);
/// A plain text table with a header row and aligned columns.
std::string FormatTable(const std::vector<std::string>& header,
                        const std::vector<std::vector<std::string>>& rows);

}  // namespace autopilot::cli
