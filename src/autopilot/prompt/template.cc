#include "autopilot/prompt/template.h"

#include <set>

#include "autopilot/util/strings.h"

namespace autopilot::prompt {
namespace {

using nlohmann::json;

struct Tag {
  size_t start = 0;  // of "{{"
  size_t end = 0;    // after "}}"
  char kind = 0;     // 0 variable, '#', '^', '/', '!'
  std::string name;
};

bool NextTag(const std::string& text, size_t from, Tag* tag) {
  size_t open = text.find("{{", from);
  if (open == std::string::npos) return false;
  size_t close = text.find("}}", open + 2);
  if (close == std::string::npos) return false;
  std::string inner = util::Trim(std::string_view(text).substr(open + 2, close - open - 2));
  tag->start = open;
  tag->end = close + 2;
  tag->kind = 0;
  if (!inner.empty() && (inner[0] == '#' || inner[0] == '^' || inner[0] == '/' || inner[0] == '!')) {
    tag->kind = inner[0];
    inner = util::Trim(std::string_view(inner).substr(1));
  }
  tag->name = inner;
  return true;
}

int LineOf(const std::string& text, size_t pos) {
  int line = 1;
  for (size_t i = 0; i < pos && i < text.size(); ++i) line += text[i] == '\n';
  return line;
}

/// Looks a dotted name up through the context stack (innermost first).
const json* Lookup(const std::vector<const json*>& stack, const std::string& name) {
  if (name == ".") return stack.back();
  auto parts = util::Split(name, '.');
  for (auto it = stack.rbegin(); it != stack.rend(); ++it) {
    const json* cur = *it;
    if (!cur->is_object() || !cur->contains(parts[0])) continue;
    cur = &(*cur)[parts[0]];
    bool ok = true;
    for (size_t i = 1; i < parts.size(); ++i) {
      if (!cur->is_object() || !cur->contains(parts[i])) {
        ok = false;
        break;
      }
      cur = &(*cur)[parts[i]];
    }
    if (ok) return cur;
  }
  return nullptr;
}

bool Truthy(const json* v) {
  if (!v || v->is_null()) return false;
  if (v->is_boolean()) return v->get<bool>();
  if (v->is_array() || v->is_object()) return !v->empty();
  if (v->is_string()) return !v->get_ref<const std::string&>().empty();
  return true;
}

std::string ToText(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_null()) return "";
  return v.dump();
}

/// Finds the matching {{/name}} for a section opened at `from`.
bool FindClose(const std::string& text, size_t from, const std::string& name, Tag* close) {
  int depth = 1;
  Tag t;
  size_t pos = from;
  while (NextTag(text, pos, &t)) {
    pos = t.end;
    if ((t.kind == '#' || t.kind == '^') && t.name == name) ++depth;
    if (t.kind == '/' && t.name == name && --depth == 0) {
      *close = t;
      return true;
    }
  }
  return false;
}

/// A standalone tag line ("  {{#x}}\n") disappears entirely, as in mustache.
void TrimStandalone(const std::string& text, Tag* t) {
  if (t->kind == 0) return;
  size_t ls = t->start;
  while (ls > 0 && (text[ls - 1] == ' ' || text[ls - 1] == '\t')) --ls;
  if (ls != 0 && text[ls - 1] != '\n') return;
  size_t le = t->end;
  while (le < text.size() && (text[le] == ' ' || text[le] == '\t')) ++le;
  if (le < text.size() && text[le] != '\n') return;
  t->start = ls;
  t->end = le < text.size() ? le + 1 : le;
}

Result<void> RenderInto(const std::string& text, size_t begin, size_t end,
                        std::vector<const json*>& stack, const std::string& name,
                        const std::string& full, std::string* out) {
  size_t pos = begin;
  Tag t;
  while (pos < end && NextTag(text, pos, &t) && t.start < end) {
    TrimStandalone(text, &t);
    out->append(text, pos, t.start - pos);
    if (t.kind == '!') {
      pos = t.end;
      continue;
    }
    if (t.kind == 0) {
      const json* v = Lookup(stack, t.name);
      if (!v) {
        return Error{errc::kHarnessBug, name + ":" + std::to_string(LineOf(full, t.start)) +
                                        ": the prompt template uses '{{" + t.name +
                                        "}}' but no such fact was provided"};
      }
      out->append(ToText(*v));
      pos = t.end;
      continue;
    }
    if (t.kind == '/') {
      return Error{errc::kHarnessBug, name + ":" + std::to_string(LineOf(full, t.start)) +
                                      ": unexpected {{/" + t.name + "}}"};
    }
    Tag close;
    if (!FindClose(text, t.end, t.name, &close)) {
      return Error{errc::kHarnessBug, name + ":" + std::to_string(LineOf(full, t.start)) +
                                      ": section {{" + std::string(1, t.kind) + t.name +
                                      "}} is never closed"};
    }
    TrimStandalone(text, &close);
    const json* v = Lookup(stack, t.name);
    if (t.kind == '^') {
      if (!Truthy(v)) {
        if (auto r = RenderInto(text, t.end, close.start, stack, name, full, out); !r) return r;
      }
    } else if (Truthy(v)) {
      if (v->is_array()) {
        for (const auto& item : *v) {
          stack.push_back(&item);
          auto r = RenderInto(text, t.end, close.start, stack, name, full, out);
          stack.pop_back();
          if (!r) return r;
        }
      } else {
        stack.push_back(v);
        auto r = RenderInto(text, t.end, close.start, stack, name, full, out);
        stack.pop_back();
        if (!r) return r;
      }
    }
    pos = close.end;
  }
  if (pos < end) out->append(text, pos, end - pos);
  return Ok();
}

}  // namespace

Result<std::string> Render(const std::string& text, const json& data,
                           const std::string& template_name) {
  std::string out;
  std::vector<const json*> stack{&data};
  if (auto r = RenderInto(text, 0, text.size(), stack, template_name, text, &out); !r) {
    return r.error();
  }
  return out;
}

std::vector<std::string> ReferencedNames(const std::string& text) {
  std::set<std::string> names;
  Tag t;
  size_t pos = 0;
  while (NextTag(text, pos, &t)) {
    pos = t.end;
    if (t.kind == 0 || t.kind == '#' || t.kind == '^') {
      if (t.name != ".") names.insert(t.name);
    }
  }
  return {names.begin(), names.end()};
}

}  // namespace autopilot::prompt
