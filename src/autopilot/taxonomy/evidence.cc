#include "autopilot/taxonomy/evidence.h"

#include <re2/re2.h>

#include <string_view>

#include "autopilot/taxonomy/toolchain.h"
#include "autopilot/util/strings.h"

namespace autopilot::taxonomy {
namespace {

std::vector<std::string_view> SplitLines(std::string_view text) {
  std::vector<std::string_view> lines;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back(line);
    if (end == text.size()) break;
    start = end + 1;
  }
  return lines;
}

bool IsCaretOrBlank(std::string_view line) {
  for (char c : line) {
    if (c != ' ' && c != '\t' && c != '^' && c != '~') return false;
  }
  return true;
}

bool IsErrorSeverity(std::string_view severity) {
  return severity.find("error") != std::string_view::npos ||
         severity.find("fatal") != std::string_view::npos;
}

/// The file named by a traceback frame line (`File "x.py", line 3, in f`), or "" when `line` is
/// not one.
std::string_view FrameFile(std::string_view line) {
  std::string_view t = line;
  while (!t.empty() && (t.front() == ' ' || t.front() == '\t')) t.remove_prefix(1);
  if (t.substr(0, 6) != "File \"") return {};
  size_t end = t.find('"', 6);
  if (end == std::string_view::npos) return {};
  return t.substr(6, end - 6);
}

/// The generated script's line that raised: the script is the file of the traceback's first
/// frame (the program that was run); its last frame's code line is the one that failed, even
/// when the exception itself comes from deep inside a library.
std::string ScriptLine(const std::vector<std::string_view>& lines, size_t begin, size_t end) {
  std::string_view script;
  std::string found;
  for (size_t k = begin; k < end; ++k) {
    std::string_view file = FrameFile(lines[k]);
    if (file.empty()) continue;
    if (script.empty()) script = file;
    if (file != script) continue;
    for (size_t n = k + 1; n < end; ++n) {
      if (!FrameFile(lines[n]).empty()) break;
      std::string code = util::Trim(lines[n]);
      if (!code.empty() && !IsCaretOrBlank(code)) {
        found = code;
        break;
      }
    }
  }
  return found;
}

}  // namespace

struct EvidenceBuilder::Impl {
  std::vector<std::unique_ptr<RE2>> wrappers;
  // "path:12:3: error: msg" or "path:12: fatal error: msg"; the path may hold colons.
  RE2 compiler_error{R"(:\d+:(?:\d+:)? (?:fatal )?error: (.*)$)"};
  // The last line of a Python traceback: "Type: message" or a bare "Type".
  RE2 exception{R"(^([A-Za-z_][A-Za-z0-9_.]*)(?::\s?(.*))?$)"};
  RE2 exception_type_suffix{R"((?:Error|Exception|Interrupt|Exit|error|Fault)$)"};
};

EvidenceBuilder::EvidenceBuilder(const std::vector<std::string>& wrapper_prefixes)
    : impl_(std::make_unique<Impl>()) {
  for (const auto& w : wrapper_prefixes) {
    auto re = std::make_unique<RE2>("^\\s*(?:" + w + ")\\s*");
    if (!re->ok()) {
      error_ = "wrapper '" + w + "': " + re->error();
      return;
    }
    impl_->wrappers.push_back(std::move(re));
  }
}

EvidenceBuilder::~EvidenceBuilder() = default;

Evidence EvidenceBuilder::Build(const FailureInput& input) const {
  Evidence ev;
  ev.stage = input.stage;
  ev.layer = input.layer;

  // Strip retry-loop wrappers ("Max 5 attempts exceeded. Last error from code execution: ");
  // they can nest, so try a few rounds.
  std::string_view body = input.text;
  for (int round = 0; round < 3; ++round) {
    bool stripped = false;
    for (const auto& re : impl_->wrappers) {
      re2::StringPiece piece(body.data(), body.size());
      if (RE2::Consume(&piece, *re)) {
        size_t consumed = body.size() - piece.size();
        if (!ev.wrapper.empty()) ev.wrapper += " ";
        ev.wrapper += util::Trim(body.substr(0, consumed));
        body.remove_prefix(consumed);
        stripped = true;
        break;
      }
    }
    if (!stripped) break;
  }
  ev.body = std::string(body);
  const std::vector<std::string_view> lines = SplitLines(body);
  for (auto line : lines) {
    if (!util::Trim(line).empty()) {
      ev.first_line = util::Trim(line);
      break;
    }
  }

  // Compiler errors: structured diagnostics win over parsing the text.
  for (const auto& d : input.diagnostics) {
    if (IsErrorSeverity(d.severity)) ev.compiler_errors.push_back(d.message);
  }
  if (ev.compiler_errors.empty()) {
    for (size_t i = 0; i < lines.size(); ++i) {
      std::string message;
      // Most lines of a long log are source quotes and notes: skip them before the regex.
      if (lines[i].find("error: ") == std::string_view::npos) continue;
      re2::StringPiece line(lines[i].data(), lines[i].size());
      if (!RE2::PartialMatch(line, impl_->compiler_error, &message)) continue;
      // "cv2.error: OpenCV(4.10) resize.cpp:4152: error: …" is a Python exception, not a build.
      std::string type;
      if (RE2::FullMatch(line, impl_->exception, &type) &&
          RE2::PartialMatch(type, impl_->exception_type_suffix)) {
        continue;
      }
      if (ev.compiler_errors.empty() && i + 1 < lines.size()) {
        std::string_view next = lines[i + 1];
        if (!RE2::PartialMatch(re2::StringPiece(next.data(), next.size()),
                               impl_->compiler_error)) {
          ev.compiler_error_source = util::Trim(next);
        }
      }
      ev.compiler_errors.push_back(std::move(message));
    }
  }
  if (!ev.compiler_errors.empty()) {
    ev.compiler_error = ev.compiler_errors.front();
    ErrorName name = NameInCompilerError(ev.compiler_error);
    ev.compiler_name = std::move(name.name);
    ev.compiler_scope = std::move(name.scope);
  }

  // The final Python exception: the last unindented "Type: message" line whose type looks like one.
  size_t exc_index = lines.size();
  for (size_t i = lines.size(); i-- > 0;) {
    std::string_view line = lines[i];
    if (line.empty() || line.front() == ' ' || line.front() == '\t') continue;
    std::string type;
    std::string message;
    if (!RE2::FullMatch(re2::StringPiece(line.data(), line.size()), impl_->exception, &type,
                        &message)) {
      continue;
    }
    if (!RE2::PartialMatch(type, impl_->exception_type_suffix)) continue;
    exc_index = i;
    ev.exception_line = util::Trim(line);
    ev.exception_type = type;
    size_t dot = type.rfind('.');
    ev.exception_short = dot == std::string::npos ? type : type.substr(dot + 1);
    ev.exception_message = util::Trim(message);
    break;
  }
  if (exc_index < lines.size()) {
    size_t j = exc_index;
    while (j > 0 && IsCaretOrBlank(lines[j - 1])) --j;
    if (j > 0) {
      std::string candidate = util::Trim(lines[j - 1]);
      if (!util::StartsWith(candidate, "File \"") &&
          !util::StartsWith(candidate, "Traceback (most recent call last)")) {
        ev.offending_line = candidate;
      }
    }
    size_t start = exc_index > 60 ? exc_index - 60 : 0;
    for (size_t k = exc_index; k-- > start;) {
      if (util::StartsWith(util::Trim(lines[k]), "Traceback (most recent call last)")) {
        start = k + 1;
        break;
      }
    }
    for (size_t k = start; k < exc_index; ++k) {
      ev.traceback += lines[k];
      ev.traceback += '\n';
    }
    ev.script_line = ScriptLine(lines, start, exc_index);
  }
  return ev;
}

}  // namespace autopilot::taxonomy
