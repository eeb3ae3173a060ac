#include "autopilot/validate/sketch_static.h"

#include <clang-c/Index.h>

#include <algorithm>
#include <cctype>
#include <deque>
#include <map>
#include <regex>
#include <set>
#include <span>

#include "autopilot/board/diagnostics.h"
#include "autopilot/board/model_header.h"
#include "autopilot/board/sketch_preprocessor.h"
#include "autopilot/tflite/interpreter.h"
#include "autopilot/tflite/model.h"
#include "autopilot/util/clock.h"
#include "autopilot/util/files.h"

#ifndef AUTOPILOT_CLANG_RESOURCE_DIR
#define AUTOPILOT_CLANG_RESOURCE_DIR ""
#endif

namespace autopilot::validate {
namespace {

constexpr const char* kLayer = "static";
constexpr const char* kStructure = "static.structure";

std::string Take(CXString s) {
  const char* c = clang_getCString(s);
  std::string out = c ? c : "";
  clang_disposeString(s);
  return out;
}

std::string Usr(CXCursor c) { return Take(clang_getCursorUSR(c)); }
std::string Spelling(CXCursor c) { return Take(clang_getCursorSpelling(c)); }
std::string ParentName(CXCursor c) { return Spelling(clang_getCursorSemanticParent(c)); }

/// Line in the .ino (honours the preprocessor's #line directives).
int InoLine(CXCursor c) {
  CXString file;
  unsigned line = 0, column = 0;
  clang_getPresumedLocation(clang_getCursorLocation(c), &file, &line, &column);
  clang_disposeString(file);
  return static_cast<int>(line);
}

unsigned Offset(CXSourceLocation loc) {
  unsigned offset = 0;
  clang_getFileLocation(loc, nullptr, nullptr, nullptr, &offset);
  return offset;
}

bool InMainFile(CXCursor c) { return clang_Location_isFromMainFile(clang_getCursorLocation(c)) != 0; }

bool IsFunctionKind(CXCursorKind k) {
  return k == CXCursor_FunctionDecl || k == CXCursor_CXXMethod || k == CXCursor_Constructor ||
         k == CXCursor_Destructor || k == CXCursor_FunctionTemplate || k == CXCursor_LambdaExpr;
}

bool IsVariableKind(CXCursorKind k) { return k == CXCursor_VarDecl || k == CXCursor_ParmDecl; }

std::vector<CXCursor> Children(CXCursor c) {
  std::vector<CXCursor> kids;
  clang_visitChildren(
      c,
      [](CXCursor child, CXCursor, CXClientData data) {
        static_cast<std::vector<CXCursor>*>(data)->push_back(child);
        return CXChildVisit_Continue;
      },
      &kids);
  return kids;
}

/// What a subtree touches: calls that yield the interpreter's input/output tensors, the
/// variables it names, and whether it names the model array of model.h.
struct Summary {
  bool input_call = false;
  bool output_call = false;
  bool header_symbol = false;
  std::set<std::string> vars;   ///< USRs
  std::set<std::string> names;  ///< spellings of the variables, for messages
  void Merge(const Summary& o) {
    input_call = input_call || o.input_call;
    output_call = output_call || o.output_call;
    header_symbol = header_symbol || o.header_symbol;
    vars.insert(o.vars.begin(), o.vars.end());
    names.insert(o.names.begin(), o.names.end());
  }
};

/// A value flowing into a variable or parameter.
struct Flow {
  std::string target;
  Summary source;
};

struct Located {
  std::string context;  ///< USR of the enclosing function ("" at file scope)
  int line = 0;
};

struct GetModelCall {
  int line = 0;
  bool header_symbol = false;
  std::set<std::string> names;
};

/// Everything the walk over the sketch's own code records; judged afterwards.
struct SketchFacts {
  std::map<std::string, std::string> functions;  ///< USR → name, definitions in the sketch
  std::map<std::string, std::vector<std::string>> params;  ///< USR → parameter USRs
  std::map<std::string, std::set<std::string>> edges;      ///< caller USR → referenced USRs
  std::string setup_usr, loop_usr;
  std::vector<std::string> includes;
  std::vector<Located> invokes;
  int alloc_calls = 0;
  std::vector<Located> alloc_ignored;
  std::vector<std::pair<std::string, int>> alloc_stored;  ///< variable USR, line
  std::map<std::string, int> var_refs;
  std::vector<GetModelCall> get_model;
  std::vector<unsigned> version_calls, schema_macros;
  int version_line = 0;
  std::vector<std::pair<unsigned, unsigned>> comparisons;
  std::vector<Flow> flows;
  std::vector<std::pair<std::string, std::vector<Summary>>> call_args;  ///< callee USR, args
  std::vector<Summary> writes, reads;
  bool all_ops = false, mutable_resolver = false;
  long capacity = -1;
  int resolver_line = 0;
  std::set<std::string> added_ops;
  int add_calls = 0;
};

class Walker {
 public:
  Walker(CXTranslationUnit tu, std::string symbol) : tu_(tu), symbol_(std::move(symbol)) {}

  SketchFacts Run() {
    for (CXCursor c : Children(clang_getTranslationUnitCursor(tu_))) {
      if (!InMainFile(c)) continue;
      CXCursorKind k = clang_getCursorKind(c);
      if (k == CXCursor_InclusionDirective) {
        facts_.includes.push_back(Spelling(c));
        continue;
      }
      if (k == CXCursor_MacroExpansion) {
        if (Spelling(c) == "TFLITE_SCHEMA_VERSION") facts_.schema_macros.push_back(Offset(clang_getCursorLocation(c)));
        continue;
      }
      if (k == CXCursor_MacroDefinition) continue;
      stack_.clear();
      Visit(c, "");
    }
    return std::move(facts_);
  }

 private:
  Summary Visit(CXCursor c, const std::string& context) {
    CXCursorKind kind = clang_getCursorKind(c);
    std::string ctx = context;
    if (IsFunctionKind(kind) && kind != CXCursor_LambdaExpr && clang_isCursorDefinition(c)) {
      ctx = Usr(c);
      std::string name = Spelling(c);
      facts_.functions[ctx] = name;
      std::vector<std::string>& params = facts_.params[ctx];
      int n = clang_Cursor_getNumArguments(c);
      for (int i = 0; i < n; ++i) params.push_back(Usr(clang_Cursor_getArgument(c, static_cast<unsigned>(i))));
      bool file_scope = clang_getCursorKind(clang_getCursorSemanticParent(c)) == CXCursor_TranslationUnit;
      if (kind == CXCursor_FunctionDecl && file_scope && n == 0) {
        if (name == "setup") facts_.setup_usr = ctx;
        if (name == "loop") facts_.loop_usr = ctx;
      }
    }

    std::vector<CXCursor> kids = Children(c);
    std::vector<Summary> sums;
    Summary sum;
    stack_.push_back(c);
    for (CXCursor k : kids) {
      sums.push_back(Visit(k, ctx));
      sum.Merge(sums.back());
    }
    stack_.pop_back();

    switch (kind) {
      case CXCursor_DeclRefExpr:
      case CXCursor_MemberRefExpr:
        OnReference(c, ctx, sums, &sum);
        break;
      case CXCursor_CallExpr:
        OnCall(c, ctx, kids, sums, &sum);
        break;
      case CXCursor_VarDecl:
        OnVarDecl(c, sum);
        break;
      case CXCursor_CXXNewExpr:
        OnResolverType(clang_getPointeeType(clang_getCursorType(c)), c);
        break;
      case CXCursor_TypeRef:
      case CXCursor_TemplateRef:
        OnTypeRef(c);
        break;
      case CXCursor_BinaryOperator:
        OnBinary(c, kids, sums);
        break;
      case CXCursor_CompoundAssignOperator:
        if (!sums.empty()) facts_.writes.push_back(sums[0]);
        break;
      case CXCursor_ArraySubscriptExpr:
        if (!sums.empty()) facts_.reads.push_back(sums[0]);
        break;
      default:
        break;
    }
    // A declaration hands nothing upwards; an expression hands up what it touches.
    if (clang_isDeclaration(kind)) return Summary{};
    return sum;
  }

  void OnReference(CXCursor c, const std::string& ctx, const std::vector<Summary>& sums, Summary* sum) {
    CXCursor ref = clang_getCursorReferenced(c);
    if (clang_Cursor_isNull(ref)) return;
    CXCursorKind rk = clang_getCursorKind(ref);
    std::string usr = Usr(ref);
    if (IsVariableKind(rk)) {
      sum->vars.insert(usr);
      sum->names.insert(Spelling(ref));
      facts_.var_refs[usr]++;
      // The array model.h defines (or a declaration of it under the same name).
      if (rk == CXCursor_VarDecl && Spelling(ref) == symbol_) sum->header_symbol = true;
    } else if (IsFunctionKind(rk)) {
      facts_.edges[ctx].insert(usr);
    } else if (rk == CXCursor_FieldDecl && Spelling(ref) == "data" && ParentName(ref) == "TfLiteTensor") {
      // `tensor->data.…`: the base expression is what the access reads from.
      Summary base;
      for (const auto& s : sums) base.Merge(s);
      facts_.reads.push_back(base);
    }
  }

  /// Is the value of the expression at the top of the stack used (tested, stored, passed)?
  /// Returns the variable it is stored in through `stored_in`.
  bool ResultUsed(CXCursor call, std::string* stored_in) {
    CXCursor child = call;
    for (size_t i = stack_.size(); i-- > 0;) {
      CXCursor parent = stack_[i];
      CXCursorKind pk = clang_getCursorKind(parent);
      if (pk == CXCursor_UnexposedExpr || pk == CXCursor_ParenExpr) {
        child = parent;
        continue;
      }
      if (pk == CXCursor_CompoundStmt || pk == CXCursor_ForStmt || pk == CXCursor_DoStmt) return false;
      if (pk == CXCursor_CStyleCastExpr || pk == CXCursor_CXXStaticCastExpr) {
        return clang_getCursorType(parent).kind != CXType_Void;
      }
      if (pk == CXCursor_IfStmt || pk == CXCursor_WhileStmt || pk == CXCursor_SwitchStmt) {
        // Used only as the condition (first child), not as the guarded statement.
        std::vector<CXCursor> kids = Children(parent);
        return !kids.empty() && clang_equalCursors(kids[0], child);
      }
      if (pk == CXCursor_VarDecl) {
        *stored_in = Usr(parent);
        return true;
      }
      if (pk == CXCursor_BinaryOperator) {
        std::vector<CXCursor> kids = Children(parent);
        if (kids.size() == 2 && clang_equalCursors(kids[1], child) && OperatorOf(parent, kids[0]) == "=") {
          CXCursor lhs = Unwrap(kids[0]);
          if (clang_getCursorKind(lhs) == CXCursor_DeclRefExpr) *stored_in = Usr(clang_getCursorReferenced(lhs));
        }
        return true;
      }
      return true;
    }
    return false;
  }

  static CXCursor Unwrap(CXCursor c) {
    while (clang_getCursorKind(c) == CXCursor_UnexposedExpr || clang_getCursorKind(c) == CXCursor_ParenExpr) {
      std::vector<CXCursor> kids = Children(c);
      if (kids.size() != 1) break;
      c = kids[0];
    }
    return c;
  }

  /// The operator token of a binary operator (libclang 14 has no accessor): the first token
  /// after the left operand.
  std::string OperatorOf(CXCursor binop, CXCursor lhs) {
    CXSourceRange range = clang_getCursorExtent(binop);
    unsigned lhs_end = Offset(clang_getRangeEnd(clang_getCursorExtent(lhs)));
    CXToken* tokens = nullptr;
    unsigned count = 0;
    clang_tokenize(tu_, range, &tokens, &count);
    std::string op;
    for (unsigned i = 0; i < count; ++i) {
      if (Offset(clang_getTokenLocation(tu_, tokens[i])) >= lhs_end &&
          clang_getTokenKind(tokens[i]) == CXToken_Punctuation) {
        op = Take(clang_getTokenSpelling(tu_, tokens[i]));
        break;
      }
    }
    if (tokens) clang_disposeTokens(tu_, tokens, count);
    return op;
  }

  void OnBinary(CXCursor c, const std::vector<CXCursor>& kids, const std::vector<Summary>& sums) {
    if (kids.size() != 2) return;
    std::string op = OperatorOf(c, kids[0]);
    if (op == "=") {
      CXCursor lhs = Unwrap(kids[0]);
      if (clang_getCursorKind(lhs) == CXCursor_DeclRefExpr) {
        facts_.flows.push_back({Usr(clang_getCursorReferenced(lhs)), sums[1]});
      } else {
        facts_.writes.push_back(sums[0]);
      }
    } else if (op == "==" || op == "!=" || op == "<" || op == ">" || op == "<=" || op == ">=") {
      CXSourceRange r = clang_getCursorExtent(c);
      facts_.comparisons.push_back({Offset(clang_getRangeStart(r)), Offset(clang_getRangeEnd(r))});
    }
  }

  void OnVarDecl(CXCursor c, const Summary& init) {
    if (!init.vars.empty() || init.input_call || init.output_call) facts_.flows.push_back({Usr(c), init});
    OnResolverType(clang_getCursorType(c), c);
  }

  void OnResolverType(CXType type, CXCursor at) {
    std::string spelling = Take(clang_getTypeSpelling(clang_getCanonicalType(type)));
    static const std::regex kMutable(R"(MicroMutableOpResolver<\s*(\d+))");
    std::smatch m;
    if (std::regex_search(spelling, m, kMutable)) {
      facts_.mutable_resolver = true;
      facts_.capacity = std::stol(m[1].str());
      if (facts_.resolver_line == 0) facts_.resolver_line = InoLine(at);
    }
  }

  void OnTypeRef(CXCursor c) {
    std::string name = Spelling(clang_getCursorReferenced(c));
    if (name == "AllOpsResolver") facts_.all_ops = true;
    if (name == "MicroMutableOpResolver") facts_.mutable_resolver = true;
  }

  void OnCall(CXCursor c, const std::string& ctx, const std::vector<CXCursor>& kids,
              const std::vector<Summary>& sums, Summary* sum) {
    CXCursor ref = clang_getCursorReferenced(c);
    if (clang_Cursor_isNull(ref)) return;
    CXCursorKind rk = clang_getCursorKind(ref);
    std::string name = Spelling(ref);
    std::string parent = ParentName(ref);
    std::string usr = Usr(ref);
    if (IsFunctionKind(rk) || rk == CXCursor_FunctionDecl) facts_.edges[ctx].insert(usr);

    // Argument summaries in order (children are the callee expression, then the arguments).
    std::vector<Summary> args;
    int n = clang_Cursor_getNumArguments(c);
    for (int i = 0; i < n; ++i) {
      CXCursor a = clang_Cursor_getArgument(c, static_cast<unsigned>(i));
      Summary s;
      CXSourceRange ar = clang_getCursorExtent(a);
      for (size_t k = 0; k < kids.size(); ++k) {
        if (clang_equalCursors(kids[k], a) || clang_equalRanges(clang_getCursorExtent(kids[k]), ar)) s = sums[k];
      }
      args.push_back(s);
    }

    if (rk == CXCursor_CXXMethod && parent == "MicroInterpreter") {
      if (name == "input" || name == "input_tensor" || name == "typed_input_tensor") sum->input_call = true;
      if (name == "output" || name == "output_tensor" || name == "typed_output_tensor") sum->output_call = true;
      // The object the method is called on is not the tensor the call yields.
      if (sum->input_call || sum->output_call) {
        sum->vars.clear();
        sum->names.clear();
      }
      if (name == "Invoke") facts_.invokes.push_back({ctx, InoLine(c)});
      if (name == "AllocateTensors") {
        facts_.alloc_calls++;
        std::string stored;
        if (!ResultUsed(c, &stored)) {
          facts_.alloc_ignored.push_back({ctx, InoLine(c)});
        } else if (!stored.empty()) {
          facts_.alloc_stored.push_back({stored, InoLine(c)});
        }
      }
    } else if (rk == CXCursor_CXXMethod && parent == "Model" && name == "version") {
      facts_.version_calls.push_back(Offset(clang_getRangeStart(clang_getCursorExtent(c))));
      if (facts_.version_line == 0) facts_.version_line = InoLine(c);
    } else if (rk == CXCursor_CXXMethod && parent == "MicroMutableOpResolver" && name.rfind("Add", 0) == 0) {
      facts_.add_calls++;
      std::string op = OpForResolverMethod(name);
      if (!op.empty()) facts_.added_ops.insert(op);
    } else if (rk == CXCursor_FunctionDecl && name == "GetModel" && parent == "tflite") {
      GetModelCall g;
      g.line = InoLine(c);
      for (const auto& a : args) {
        g.header_symbol = g.header_symbol || a.header_symbol;
        g.names.insert(a.names.begin(), a.names.end());
      }
      facts_.get_model.push_back(g);
    } else if (rk == CXCursor_FunctionDecl && (name == "memcpy" || name == "memmove") && !args.empty()) {
      facts_.writes.push_back(args[0]);
      facts_.reads.push_back(args.size() > 1 ? args[1] : Summary{});
    } else if ((name == "copy" || name == "copy_n") && args.size() >= 3) {
      facts_.writes.push_back(args.back());
      facts_.reads.push_back(args[0]);
    }
    // Values handed to the sketch's own functions flow into their parameters (resolved later).
    if (n > 0) facts_.call_args.push_back({usr, args});
  }

  CXTranslationUnit tu_;
  std::string symbol_;
  SketchFacts facts_;
  std::vector<CXCursor> stack_;
};

bool Intersects(const std::set<std::string>& a, const std::set<std::string>& b) {
  for (const auto& x : a) {
    if (b.count(x)) return true;
  }
  return false;
}

/// Variables holding (pointers into) the input or output tensor, to a fixpoint over the flows.
std::set<std::string> Tainted(const std::vector<Flow>& flows, bool output) {
  std::set<std::string> vars;
  bool changed = true;
  while (changed) {
    changed = false;
    for (const auto& f : flows) {
      if (vars.count(f.target)) continue;
      bool from_call = output ? f.source.output_call : f.source.input_call;
      if (from_call || Intersects(f.source.vars, vars)) {
        vars.insert(f.target);
        changed = true;
      }
    }
  }
  return vars;
}

std::string Join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : ", ") + i;
  return out;
}

/// The build code of a clang front-end error (its wording differs from g++'s).
std::string ClangErrorCode(const std::string& message) {
  if (message.find("file not found") != std::string::npos) return "build.missing_header";
  if (message.find("undeclared identifier") != std::string::npos ||
      message.find("unknown type name") != std::string::npos ||
      message.find("in namespace") != std::string::npos) {
    return "build.undeclared";
  }
  if (message.find("no member named") != std::string::npos || message.find("no matching") != std::string::npos) {
    return "build.api_mismatch";
  }
  if (message.find("redefinition") != std::string::npos) return "build.redeclaration";
  std::string code = board::ClassifyBuildMessage(message);
  return code.empty() ? "static.syntax" : code;
}

struct IndexHandle {
  CXIndex index = clang_createIndex(0, 0);
  CXTranslationUnit tu = nullptr;
  ~IndexHandle() {
    if (tu) clang_disposeTranslationUnit(tu);
    clang_disposeIndex(index);
  }
};

}  // namespace

std::vector<SketchSensor> SketchSensorsOf(const board::BoardSpec& board, const std::vector<std::string>& ids) {
  std::vector<SketchSensor> out;
  for (const auto& id : ids) {
    if (const board::SensorSpec* s = board.Sensor(id)) {
      out.push_back({s->id, s->library.library, s->library.include, s->library.object});
    }
  }
  return out;
}

std::string OpForResolverMethod(const std::string& method) {
  for (const tflite::SupportedOp& op : tflite::SupportedOpTable()) {
    if (op.tflm_resolver == method) return op.name;
  }
  // Methods of operators the interpreter does not run whose names do not follow the rule below.
  static const std::map<std::string, std::string> kSpecial = {
      {"AddL2Pool2D", "L2_POOL_2D"},
      {"AddL2Normalization", "L2_NORMALIZATION"},
      {"AddPadV2", "PADV2"},
      {"AddSplitV", "SPLIT_V"},
      {"AddBatchToSpaceNd", "BATCH_TO_SPACE_ND"},
      {"AddSpaceToBatchNd", "SPACE_TO_BATCH_ND"},
      {"AddGatherNd", "GATHER_ND"},
      {"AddAddN", "ADD_N"},
      {"AddCustom", ""},
      {"AddDetectionPostprocess", ""},
      {"AddCircularBuffer", ""},
      {"AddEthosU", ""}};
  auto it = kSpecial.find(method);
  if (it != kSpecial.end()) return it->second;
  if (method.size() <= 3 || method.rfind("Add", 0) != 0) return "";
  std::string out;
  std::string name = method.substr(3);
  for (size_t i = 0; i < name.size(); ++i) {
    char ch = name[i];
    if (i > 0 && std::isupper(static_cast<unsigned char>(ch)) &&
        std::islower(static_cast<unsigned char>(name[i - 1]))) {
      out += '_';
    }
    out += static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  }
  return out;
}

Result<SketchModelFacts> ModelFactsFromHeader(const std::string& header_text) {
  SketchModelFacts facts;
  facts.header_text = header_text;
  static const std::regex kArray(R"((\w+)\s*\[\s*\w*\s*\]\s*(?:__attribute__\s*\(\(.*?\)\)\s*)?=)");
  std::smatch m;
  if (!std::regex_search(header_text, m, kArray)) return Error{errc::kUsage, "the model header defines no array"};
  facts.symbol = m[1].str();
  auto bytes = board::ModelBytesFromHeader(header_text);
  if (!bytes) return bytes.error();
  auto model = tflite::ParseModel(std::span<const uint8_t>(bytes->data(), bytes->size()));
  if (!model) return Error{model.error().code, "the model in the header: " + model.error().message};
  for (const auto& sg : model->subgraphs) {
    for (const auto& op : sg.operators) {
      std::string name = tflite::OpName(op.builtin_code);
      if (name != "CUSTOM" && std::find(facts.ops.begin(), facts.ops.end(), name) == facts.ops.end()) {
        facts.ops.push_back(name);
      }
    }
  }
  return facts;
}

Result<SketchModelFacts> ModelFactsFromTflite(const std::string& tflite_path, const board::Profile& profile,
                                              const std::string& symbol) {
  auto text = util::ReadFile(tflite_path);
  if (!text) return Error{errc::kUsage, tflite_path + ": cannot read model"};
  std::vector<uint8_t> bytes(text->begin(), text->end());
  std::string sym = symbol.empty() ? profile.model_symbol : symbol;
  std::string len = symbol.empty() ? profile.model_length_symbol : "";
  return ModelFactsFromHeader(board::ModelHeaderText(bytes, sym, len));
}

Result<LayerResult> ValidateSketchStatic(const std::string& sketch_text, const SketchModelFacts& facts,
                                         const board::Profile& profile, const std::string& sketch_name) {
  int64_t start = util::MonotonicMs();
  LayerResult result;
  result.layer = kLayer;
  auto dir = util::MakeTempDir("autopilot-sg-static-");
  if (!dir) return dir.error();
  struct Cleanup {
    std::string path;
    ~Cleanup() { util::RemoveTree(path); }
  } cleanup{*dir};
  board::PreprocessedSketch pre = board::PreprocessSketch(sketch_text, sketch_name);
  std::string cpp_path = *dir + "/sketch.cpp";
  auto w1 = util::WriteFileAtomic(cpp_path, pre.cpp);
  if (!w1) return w1.error();
  auto w2 = util::WriteFileAtomic(*dir + "/model.h", facts.header_text);
  if (!w2) return w2.error();

  std::vector<std::string> clang_args = {"-x", "c++", "-std=gnu++14", "-fno-rtti", "-fno-exceptions",
                                         "-funsigned-char", "-w"};
  std::string resource = AUTOPILOT_CLANG_RESOURCE_DIR;
  if (!resource.empty() && util::PathExists(resource)) {
    clang_args.push_back("-resource-dir");
    clang_args.push_back(resource);
  }
  for (const auto& d : profile.defines) clang_args.push_back("-D" + d);
  clang_args.push_back("-I" + profile.core_dir);
  for (const auto& l : profile.library_dirs) clang_args.push_back("-I" + l + "/src");
  std::vector<const char*> argv;
  for (const auto& a : clang_args) argv.push_back(a.c_str());

  IndexHandle h;
  unsigned options = CXTranslationUnit_DetailedPreprocessingRecord | CXTranslationUnit_KeepGoing;
  CXErrorCode err = clang_parseTranslationUnit2(h.index, cpp_path.c_str(), argv.data(),
                                                static_cast<int>(argv.size()), nullptr, 0, options, &h.tu);
  if (err != CXError_Success || !h.tu) {
    return Error{errc::kHarnessBug, "libclang could not parse " + sketch_name + " (error " + std::to_string(err) + ")"};
  }

  auto add = [&](const std::string& code, const std::string& message, int line, const std::string& hint) {
    Diagnostic d;
    d.layer = kLayer;
    d.code = code;
    d.message = message;
    d.file = sketch_name;
    if (line > 0) d.line = line;
    d.hint = hint;
    result.diagnostics.push_back(d);
  };

  // A sketch the front end rejects is the build layer's to report.
  unsigned n = clang_getNumDiagnostics(h.tu);
  for (unsigned i = 0; i < n; ++i) {
    CXDiagnostic d = clang_getDiagnostic(h.tu, i);
    CXDiagnosticSeverity sev = clang_getDiagnosticSeverity(d);
    if (sev >= CXDiagnostic_Error) {
      std::string message = Take(clang_getDiagnosticSpelling(d));
      CXString file;
      unsigned line = 0, column = 0;
      clang_getPresumedLocation(clang_getDiagnosticLocation(d), &file, &line, &column);
      clang_disposeString(file);
      clang_disposeDiagnostic(d);
      add(ClangErrorCode(message), "static checks skipped: the sketch does not compile (" + message + ")",
          static_cast<int>(line), "the build layer reports the compiler's errors");
      result.passed = true;
      result.duration_ms = util::MonotonicMs() - start;
      return result;
    }
    clang_disposeDiagnostic(d);
  }

  SketchFacts f = Walker(h.tu, facts.symbol).Run();

  // Entry points.
  if (f.setup_usr.empty()) add(kStructure, "no setup() function", 0, "define void setup() — the core calls it once at reset");
  if (f.loop_usr.empty()) add(kStructure, "no loop() function", 0, "define void loop() — the core calls it forever after setup()");

  // model.h.
  bool includes_model = std::any_of(f.includes.begin(), f.includes.end(), [](const std::string& i) {
    return i == "model.h" || (i.size() > 8 && i.compare(i.size() - 8, 8, "/model.h") == 0);
  });
  if (!includes_model) add(kStructure, "model.h is not included", 0, "#include \"model.h\" — it defines the model array " + facts.symbol);

  // The project's sensors: each library included and its object started.
  const std::string code_only = board::StripCommentsAndLiterals(sketch_text);
  for (const auto& sensor : facts.sensors) {
    bool included = std::any_of(f.includes.begin(), f.includes.end(), [&](const std::string& i) {
      return i == sensor.header || (i.size() > sensor.header.size() &&
                                    i.compare(i.size() - sensor.header.size() - 1, std::string::npos, "/" + sensor.header) == 0);
    });
    if (!included) {
      add(kStructure, "<" + sensor.header + "> is not included: the " + sensor.id + " this project reads (" +
                          sensor.library + " on this board) is never used",
          0, "#include <" + sensor.header + "> and call " + sensor.object + ".begin() in setup()");
    } else if (!std::regex_search(code_only, std::regex("\\b" + sensor.object + "\\s*\\.\\s*begin\\s*\\("))) {
      add(kStructure, sensor.object + ".begin() is never called: the " + sensor.id + " is not started", 0,
          "call " + sensor.object + ".begin() in setup() and stop with a message when it fails");
    }
  }

  // The model loaded from the header's array, and its version checked.
  if (f.get_model.empty()) {
    add(kStructure, "the model is never loaded: no call to tflite::GetModel", 0,
        "load it with tflite::GetModel(" + facts.symbol + ")");
  } else if (std::none_of(f.get_model.begin(), f.get_model.end(), [](const GetModelCall& g) { return g.header_symbol; })) {
    const GetModelCall& g = f.get_model.front();
    std::vector<std::string> names(g.names.begin(), g.names.end());
    add(kStructure, "tflite::GetModel is not given the model array from model.h (" + facts.symbol + ")" +
                        (names.empty() ? "" : ", but " + Join(names)),
        g.line, "call tflite::GetModel(" + facts.symbol + ")");
  }
  bool version_checked = false;
  for (const auto& [from, to] : f.comparisons) {
    bool has_call = std::any_of(f.version_calls.begin(), f.version_calls.end(), [&](unsigned o) { return o >= from && o <= to; });
    bool has_macro = std::any_of(f.schema_macros.begin(), f.schema_macros.end(), [&](unsigned o) { return o >= from && o <= to; });
    version_checked = version_checked || (has_call && has_macro);
  }
  bool macro_written = board::StripCommentsAndLiterals(sketch_text).find("TFLITE_SCHEMA_VERSION") != std::string::npos;
  if (!f.get_model.empty() && !version_checked) {
    add(kStructure,
        macro_written && f.schema_macros.empty()
            ? "the schema version check is compiled out: TFLITE_SCHEMA_VERSION is not defined here "
              "(#ifdef or no tensorflow/lite/version.h)"
        : f.version_calls.empty() ? "the model's schema version is never checked"
                                  : "model->version() is not compared with TFLITE_SCHEMA_VERSION",
        f.version_line > 0 ? f.version_line : f.get_model.front().line,
        "stop with a message when model->version() != TFLITE_SCHEMA_VERSION");
  }

  // AllocateTensors called and its status checked.
  if (f.alloc_calls == 0) {
    add(kStructure, "AllocateTensors() is never called", 0,
        "call interpreter->AllocateTensors() in setup() and stop when it does not return kTfLiteOk");
  } else {
    for (const auto& a : f.alloc_ignored) {
      add(kStructure, "the status AllocateTensors() returns is ignored", a.line,
          "compare it with kTfLiteOk and stop with a message: a too-small arena fails here");
    }
    for (const auto& [var, line] : f.alloc_stored) {
      if (f.var_refs[var] == 0) {
        add(kStructure, "the status AllocateTensors() returns is stored but never checked", line,
            "compare it with kTfLiteOk and stop with a message");
      }
    }
  }

  // Invoke reachable from loop() through the sketch's own functions.
  if (f.invokes.empty()) {
    add(kStructure, "Invoke() is never called: the model never runs", 0,
        "call interpreter->Invoke() in loop() after writing the input");
  } else if (!f.loop_usr.empty()) {
    std::set<std::string> seen = {f.loop_usr};
    std::deque<std::string> todo = {f.loop_usr};
    while (!todo.empty()) {
      std::string cur = todo.front();
      todo.pop_front();
      for (const auto& next : f.edges[cur]) {
        if (f.functions.count(next) && seen.insert(next).second) todo.push_back(next);
      }
    }
    bool reachable = std::any_of(f.invokes.begin(), f.invokes.end(), [&](const Located& l) { return seen.count(l.context) > 0; });
    if (!reachable) {
      std::string where = f.functions.count(f.invokes.front().context) ? f.functions[f.invokes.front().context] + "()" : "file scope";
      add(kStructure, "Invoke() is not reachable from loop() (called only from " + where + ")", f.invokes.front().line,
          "run inference for each new reading from loop()");
    }
  }

  // The input written and the output read (through variables, pointers and parameters).
  std::vector<Flow> flows = f.flows;
  for (const auto& [callee, args] : f.call_args) {
    auto it = f.params.find(callee);
    if (it == f.params.end()) continue;
    for (size_t i = 0; i < args.size() && i < it->second.size(); ++i) flows.push_back({it->second[i], args[i]});
  }
  std::set<std::string> in_vars = Tainted(flows, false);
  std::set<std::string> out_vars = Tainted(flows, true);
  bool written = std::any_of(f.writes.begin(), f.writes.end(), [&](const Summary& s) {
    return s.input_call || Intersects(s.vars, in_vars);
  });
  bool read = std::any_of(f.reads.begin(), f.reads.end(), [&](const Summary& s) {
    return s.output_call || Intersects(s.vars, out_vars);
  });
  if (!written) {
    add(kStructure, "the input tensor is never written", 0,
        "write the features into interpreter->input(0)->data (quantized if the input is int8/uint8) before Invoke()");
  }
  if (!read) {
    add(kStructure, "the output tensor is never read", 0,
        "read the scores from interpreter->output(0)->data after Invoke() and report the class");
  }

  // The resolver covers the model's ops.
  if (!f.all_ops && !f.mutable_resolver) {
    add(kStructure, "no op resolver (tflite::MicroMutableOpResolver or AllOpsResolver) is declared", 0,
        "declare a tflite::MicroMutableOpResolver<N> and add the model's ops: " + Join(facts.ops));
  } else if (!f.all_ops) {
    std::vector<std::string> missing;
    for (const auto& op : facts.ops) {
      if (!f.added_ops.count(op)) missing.push_back(op);
    }
    if (!missing.empty()) {
      add("ml.op_unsupported", "the resolver does not register the model's ops: " + Join(missing), f.resolver_line,
          "add them to the MicroMutableOpResolver (e.g. AddFullyConnected(), AddSoftmax())");
    }
    if (f.capacity >= 0 && f.add_calls > f.capacity) {
      add("ml.op_unsupported",
          "the resolver holds " + std::to_string(f.capacity) + " ops but " + std::to_string(f.add_calls) +
              " are added: the extra Add calls fail",
          f.resolver_line, "raise the template argument of MicroMutableOpResolver<N>");
    }
  }

  result.passed = result.diagnostics.empty();
  result.duration_ms = util::MonotonicMs() - start;
  return result;
}

}  // namespace autopilot::validate
