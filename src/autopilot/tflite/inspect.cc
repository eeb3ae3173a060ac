#include "autopilot/tflite/inspect.h"

#include <algorithm>
#include <sstream>

#include "autopilot/tflite/interpreter.h"

namespace autopilot::tflite {
namespace {

std::string ResolverCall(int32_t code, const std::string& custom) {
  if (code == op::kCustom) return "AddCustom(\"" + custom + "\")";
  if (std::string call = TflmResolverCall(code); !call.empty()) return call;
  // Other operators: TFLM's naming is the CamelCase of the schema name.
  std::string name = OpName(code), out = "Add";
  bool upper = true;
  for (char c : name) {
    if (c == '_') {
      upper = true;
      continue;
    }
    out += upper ? c : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    upper = false;
  }
  return out;
}

nlohmann::ordered_json QuantJson(const Tensor& t) {
  const Quantization& q = t.quant;
  if (q.Empty()) return nullptr;
  nlohmann::ordered_json j;
  j["kind"] = q.custom ? "custom" : q.PerChannel() ? "per_channel" : "per_tensor";
  j["scale"] = q.scale;
  j["zero_point"] = q.zero_point;
  if (q.PerChannel()) j["quantized_dimension"] = q.quantized_dimension;
  if (!q.min.empty()) j["min"] = q.min;
  if (!q.max.empty()) j["max"] = q.max;
  return j;
}

size_t TensorBytes(const Tensor& t) {
  const int64_t n = ElementCount(t.shape);
  return n < 0 ? 0 : static_cast<size_t>(n) * DTypeSize(t.type);
}

}  // namespace

std::vector<std::string> ResolverCalls(const Model& model) {
  std::vector<std::string> out;
  for (const SubGraph& sg : model.subgraphs) {
    for (const Operator& op : sg.operators) {
      std::string call = ResolverCall(op.builtin_code, op.custom_code);
      if (std::find(out.begin(), out.end(), call) == out.end()) out.push_back(call);
    }
  }
  return out;
}

ArenaEstimate EstimateArena(const Model& model) {
  ArenaEstimate e;
  if (model.subgraphs.empty()) return e;
  const SubGraph& sg = model.subgraphs[0];
  const size_t n = sg.tensors.size();
  const int kNever = -2;
  std::vector<int> first(n, kNever), last(n, kNever);
  auto touch = [&](int32_t t, int when) {
    if (t < 0 || static_cast<size_t>(t) >= n) return;
    auto i = static_cast<size_t>(t);
    if (first[i] == kNever) first[i] = when;
    last[i] = std::max(last[i], when);
  };
  for (int32_t t : sg.inputs) touch(t, -1);
  for (size_t k = 0; k < sg.operators.size(); ++k) {
    for (int32_t t : sg.operators[k].inputs) touch(t, static_cast<int>(k));
    for (int32_t t : sg.operators[k].outputs) touch(t, static_cast<int>(k));
  }
  for (int32_t t : sg.outputs) touch(t, static_cast<int>(sg.operators.size()));
  struct Alloc {
    size_t offset, size;
    int first, last;
  };
  std::vector<size_t> order;
  for (size_t i = 0; i < n; ++i) {
    const Tensor& t = sg.tensors[i];
    const bool constant = t.buffer < model.buffers.size() && !model.buffers[t.buffer].data.empty();
    if (constant || first[i] == kNever) continue;
    order.push_back(i);
    e.naive_bytes += (TensorBytes(t) + 15) / 16 * 16;
  }
  // Largest first, as TFLM's greedy planner does.
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return TensorBytes(sg.tensors[a]) > TensorBytes(sg.tensors[b]);
  });
  std::vector<Alloc> placed;
  for (size_t i : order) {
    const size_t size = (TensorBytes(sg.tensors[i]) + 15) / 16 * 16;
    std::vector<Alloc> live;
    for (const Alloc& a : placed) {
      if (a.first <= last[i] && first[i] <= a.last) live.push_back(a);
    }
    std::sort(live.begin(), live.end(), [](const Alloc& a, const Alloc& b) { return a.offset < b.offset; });
    size_t offset = 0;
    for (const Alloc& a : live) {
      if (offset + size <= a.offset) break;
      offset = std::max(offset, a.offset + a.size);
    }
    placed.push_back({offset, size, first[i], last[i]});
    e.planned_bytes = std::max(e.planned_bytes, offset + size);
  }
  // TFLM keeps a TfLiteEvalTensor per tensor, node data per operator and a few fixed structures.
  e.overhead_bytes = 64 * n + 128 * sg.operators.size() + 1024;
  e.suggested_bytes = (e.planned_bytes + e.overhead_bytes + 1023) / 1024 * 1024;
  return e;
}

nlohmann::ordered_json InspectModel(const Model& model, size_t file_size) {
  using J = nlohmann::ordered_json;
  J doc;
  doc["valid"] = true;
  doc["file_identifier"] = "TFL3";
  doc["schema_version"] = model.version;
  doc["description"] = model.description;
  doc["file_bytes"] = file_size;
  size_t buffer_bytes = 0;
  J buffers = J::array();
  for (size_t i = 0; i < model.buffers.size(); ++i) {
    buffer_bytes += model.buffers[i].data.size();
    buffers.push_back({{"index", i}, {"bytes", model.buffers[i].data.size()}});
  }
  doc["buffer_bytes"] = buffer_bytes;
  doc["buffers"] = buffers;
  J subgraphs = J::array();
  for (const SubGraph& sg : model.subgraphs) {
    J s;
    s["name"] = sg.name;
    auto io = [&](const std::vector<int32_t>& idx) {
      J arr = J::array();
      for (int32_t i : idx) {
        const Tensor& t = sg.tensors[static_cast<size_t>(i)];
        J e{{"index", i}, {"name", t.name}, {"dtype", DTypeName(t.type)}, {"shape", t.shape}};
        if (!t.shape_signature.empty()) e["shape_signature"] = t.shape_signature;
        e["quantization"] = QuantJson(t);
        arr.push_back(e);
      }
      return arr;
    };
    s["inputs"] = io(sg.inputs);
    s["outputs"] = io(sg.outputs);
    J tensors = J::array();
    for (size_t i = 0; i < sg.tensors.size(); ++i) {
      const Tensor& t = sg.tensors[i];
      J e{{"index", i}, {"name", t.name}, {"dtype", DTypeName(t.type)}, {"shape", t.shape},
          {"shape_signature", t.shape_signature.empty() ? J(t.shape) : J(t.shape_signature)},
          {"buffer", t.buffer},
          {"constant", t.buffer < model.buffers.size() && !model.buffers[t.buffer].data.empty()},
          {"bytes", TensorBytes(t)}, {"quantization", QuantJson(t)}};
      if (t.is_variable) e["is_variable"] = true;
      if (t.sparse) e["sparse"] = true;
      tensors.push_back(e);
    }
    s["tensors"] = tensors;
    J ops = J::array();
    for (size_t i = 0; i < sg.operators.size(); ++i) {
      const Operator& op = sg.operators[i];
      J e{{"index", i}, {"op", OpName(op.builtin_code)}, {"builtin_code", op.builtin_code},
          {"version", op.version}, {"inputs", op.inputs}, {"outputs", op.outputs}};
      if (!op.custom_code.empty()) e["custom_code"] = op.custom_code;
      if (op.options.activation != Activation::kNone) {
        e["fused_activation"] = ActivationName(op.options.activation);
      }
      ops.push_back(e);
    }
    s["operators"] = ops;
    subgraphs.push_back(s);
  }
  doc["subgraphs"] = subgraphs;
  J sigs = J::array();
  for (const Signature& sig : model.signatures) {
    J in = J::array(), out = J::array();
    for (const auto& t : sig.inputs) in.push_back({{"name", t.name}, {"tensor", t.tensor_index}});
    for (const auto& t : sig.outputs) out.push_back({{"name", t.name}, {"tensor", t.tensor_index}});
    sigs.push_back({{"key", sig.key}, {"subgraph", sig.subgraph_index}, {"inputs", in}, {"outputs", out}});
  }
  doc["signatures"] = sigs;
  J md = J::array();
  for (const Metadata& m : model.metadata) {
    md.push_back({{"name", m.name}, {"buffer", m.buffer}, {"bytes", model.buffers[m.buffer].data.size()}});
  }
  doc["metadata"] = md;
  std::vector<std::string> op_names;
  for (const SubGraph& sg : model.subgraphs) {
    for (const Operator& op : sg.operators) {
      std::string n = OpName(op.builtin_code);
      if (std::find(op_names.begin(), op_names.end(), n) == op_names.end()) op_names.push_back(n);
    }
  }
  doc["op_set"] = op_names;
  const auto calls = ResolverCalls(model);
  doc["tflm_resolver"] = {{"calls", calls}, {"op_count", calls.size()}};
  const auto supported = SupportedOps();
  J unsupported = J::array();
  for (const auto& n : op_names) {
    if (std::find(supported.begin(), supported.end(), n) == supported.end()) unsupported.push_back(n);
  }
  doc["interpreter_unsupported_ops"] = unsupported;
  const ArenaEstimate a = EstimateArena(model);
  doc["arena"] = {{"planned_bytes", a.planned_bytes}, {"naive_bytes", a.naive_bytes},
                  {"overhead_bytes", a.overhead_bytes}, {"suggested_bytes", a.suggested_bytes}};
  return doc;
}

std::string FormatInspect(const nlohmann::ordered_json& r) {
  std::ostringstream o;
  auto shape = [](const nlohmann::ordered_json& s) {
    std::string out = "[";
    for (size_t i = 0; i < s.size(); ++i) out += (i ? "," : "") + std::to_string(s[i].get<int>());
    return out + "]";
  };
  auto quant = [](const nlohmann::ordered_json& q) -> std::string {
    if (q.is_null()) return "";
    std::ostringstream s;
    if (q["kind"] == "per_channel") {
      s << " per-channel(" << q["scale"].size() << " scales, dim " << q["quantized_dimension"] << ")";
    } else if (!q["scale"].empty()) {
      s << " scale=" << q["scale"][0].get<double>() << " zero_point=" << q["zero_point"][0];
    }
    return s.str();
  };
  o << "TFLite model: schema v" << r["schema_version"] << ", " << r["file_bytes"] << " bytes ("
    << r["buffer_bytes"] << " in buffers)";
  if (!r["description"].get<std::string>().empty()) o << ", \"" << r["description"].get<std::string>() << "\"";
  o << "\n";
  size_t si = 0;
  for (const auto& s : r["subgraphs"]) {
    o << "subgraph " << si++ << " '" << s["name"].get<std::string>() << "': " << s["tensors"].size()
      << " tensors, " << s["operators"].size() << " operators\n";
    for (const char* kind : {"inputs", "outputs"}) {
      for (const auto& t : s[kind]) {
        o << "  " << (std::string(kind) == "inputs" ? "input " : "output") << " #" << t["index"] << " '"
          << t["name"].get<std::string>() << "' " << t["dtype"].get<std::string>() << " " << shape(t["shape"]);
        if (t.contains("shape_signature")) o << " signature " << shape(t["shape_signature"]);
        o << quant(t["quantization"]) << "\n";
      }
    }
    o << "  operators:\n";
    for (const auto& op : s["operators"]) {
      o << "    " << op["index"] << ": " << op["op"].get<std::string>() << " v" << op["version"];
      if (op.contains("fused_activation")) o << " (" << op["fused_activation"].get<std::string>() << ")";
      o << "\n";
    }
    o << "  tensors:\n";
    for (const auto& t : s["tensors"]) {
      o << "    " << t["index"] << ": '" << t["name"].get<std::string>() << "' " << t["dtype"].get<std::string>()
        << " " << shape(t["shape"]) << (t["constant"].get<bool>() ? " const" : "") << quant(t["quantization"])
        << "\n";
    }
  }
  o << "TFLM resolver (" << r["tflm_resolver"]["op_count"] << " ops):";
  for (const auto& c : r["tflm_resolver"]["calls"]) o << " " << c.get<std::string>() << "()";
  o << "\n";
  if (!r["interpreter_unsupported_ops"].empty()) {
    o << "not supported by the autopilot interpreter:";
    for (const auto& n : r["interpreter_unsupported_ops"]) o << " " << n.get<std::string>();
    o << "\n";
  }
  o << "tensor arena: " << r["arena"]["planned_bytes"] << " bytes of activations planned ("
    << r["arena"]["naive_bytes"] << " without reuse); suggest " << r["arena"]["suggested_bytes"] << " bytes\n";
  return o.str();
}

}  // namespace autopilot::tflite
