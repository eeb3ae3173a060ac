#pragma once
// A small logic-less template language (a mustache subset) for prompt files:
//   {{name}}  {{a.b}}  {{#list}}…{{/list}}  {{^name}}…{{/name}}  {{.}}  {{! comment }}
// Values come from a JSON document. Nothing is HTML-escaped: prompts are plain text.

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "autopilot/util/result.h"

namespace autopilot::prompt {

/// Renders `text` against `data`. A variable that is missing is an error naming it and its line,
/// so a template can never silently drop a fact.
Result<std::string> Render(const std::string& text, const nlohmann::json& data,
                           const std::string& template_name = "template");

/// Every variable and section name a template refers to (for checks and docs).
std::vector<std::string> ReferencedNames(const std::string& text);

}  // namespace autopilot::prompt
