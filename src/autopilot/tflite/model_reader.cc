// ParseModel: .tflite bytes → Model, with every check a hostile file needs before an
// interpreter may index anything.

#include <flatbuffers/flatbuffers.h>

#include <cmath>
#include <string>

#include "autopilot/tflite/model.h"
#include "autopilot/tflite/model_validate.h"
#include "tflite_subset_generated.h"

namespace autopilot::tflite {
namespace {

constexpr const char* kCode = "ml.schema_mismatch";

Error Bad(const std::string& message) { return Error{kCode, message}; }

template <typename T>
std::vector<T> ToVector(const flatbuffers::Vector<T>* v) {
  if (!v) return {};
  return std::vector<T>(v->begin(), v->end());
}

std::string Str(const flatbuffers::String* s) { return s ? s->str() : std::string(); }

void ReadOptions(const fb::Operator& op, OpOptions* o) {
  // A union type without a value is legal flatbuffers: treat it as no options (the fuzz test
  // found the crash this prevents).
  if (op.builtin_options() == nullptr) return;
  o->options_type = static_cast<uint8_t>(op.builtin_options_type());
  switch (op.builtin_options_type()) {
    case fb::BuiltinOptions::Conv2DOptions: {
      const auto* p = op.builtin_options_as_Conv2DOptions();
      o->padding = static_cast<Padding>(p->padding());
      o->stride_w = p->stride_w();
      o->stride_h = p->stride_h();
      o->activation = static_cast<Activation>(p->fused_activation_function());
      o->dilation_w = p->dilation_w_factor();
      o->dilation_h = p->dilation_h_factor();
      break;
    }
    case fb::BuiltinOptions::DepthwiseConv2DOptions: {
      const auto* p = op.builtin_options_as_DepthwiseConv2DOptions();
      o->padding = static_cast<Padding>(p->padding());
      o->stride_w = p->stride_w();
      o->stride_h = p->stride_h();
      o->depth_multiplier = p->depth_multiplier();
      o->activation = static_cast<Activation>(p->fused_activation_function());
      o->dilation_w = p->dilation_w_factor();
      o->dilation_h = p->dilation_h_factor();
      break;
    }
    case fb::BuiltinOptions::Pool2DOptions: {
      const auto* p = op.builtin_options_as_Pool2DOptions();
      o->padding = static_cast<Padding>(p->padding());
      o->stride_w = p->stride_w();
      o->stride_h = p->stride_h();
      o->filter_w = p->filter_width();
      o->filter_h = p->filter_height();
      o->activation = static_cast<Activation>(p->fused_activation_function());
      break;
    }
    case fb::BuiltinOptions::FullyConnectedOptions: {
      const auto* p = op.builtin_options_as_FullyConnectedOptions();
      o->activation = static_cast<Activation>(p->fused_activation_function());
      o->keep_num_dims = p->keep_num_dims();
      break;
    }
    case fb::BuiltinOptions::SoftmaxOptions:
      o->beta = op.builtin_options_as_SoftmaxOptions()->beta();
      break;
    case fb::BuiltinOptions::ConcatenationOptions: {
      const auto* p = op.builtin_options_as_ConcatenationOptions();
      o->axis = p->axis();
      o->activation = static_cast<Activation>(p->fused_activation_function());
      break;
    }
    case fb::BuiltinOptions::AddOptions:
      o->activation =
          static_cast<Activation>(op.builtin_options_as_AddOptions()->fused_activation_function());
      break;
    case fb::BuiltinOptions::MulOptions:
      o->activation =
          static_cast<Activation>(op.builtin_options_as_MulOptions()->fused_activation_function());
      break;
    case fb::BuiltinOptions::ReshapeOptions:
      o->new_shape = ToVector(op.builtin_options_as_ReshapeOptions()->new_shape());
      break;
    case fb::BuiltinOptions::ReducerOptions:
      o->keep_dims = op.builtin_options_as_ReducerOptions()->keep_dims();
      break;
    default:
      break;
  }
}

Result<void> CheckTensor(const Tensor& t, size_t index, const Model& m) {
  std::string where = "tensor " + std::to_string(index) + " '" + t.name + "'";
  int8_t code = static_cast<int8_t>(t.type);
  if (code < 0 || code > static_cast<int8_t>(DType::kFloat64)) {
    return Bad(where + " has unknown type code " + std::to_string(code));
  }
  if (t.shape.size() > 8) return Bad(where + " has rank " + std::to_string(t.shape.size()) + " (> 8)");
  int64_t n = ElementCount(t.shape);
  if (n < 0) return Bad(where + " has a negative or overflowing shape");
  size_t esize = DTypeSize(t.type);
  if (esize != 0 && n * static_cast<int64_t>(esize) > kMaxTensorBytes) {
    return Bad(where + " is larger than 256 MiB");
  }
  if (t.buffer >= m.buffers.size()) {
    return Bad(where + " refers to buffer " + std::to_string(t.buffer) + " but the model has " +
               std::to_string(m.buffers.size()) + " buffers");
  }
  const auto& data = m.buffers[t.buffer].data;
  if (!data.empty() && esize != 0 && data.size() != static_cast<size_t>(n) * esize) {
    return Bad(where + " has shape with " + std::to_string(n) + " elements of " +
               std::to_string(esize) + " bytes but its buffer holds " +
               std::to_string(data.size()) + " bytes");
  }
  const Quantization& q = t.quant;
  if (!q.zero_point.empty() && q.zero_point.size() != q.scale.size()) {
    return Bad(where + " has " + std::to_string(q.scale.size()) + " scales but " +
               std::to_string(q.zero_point.size()) + " zero points");
  }
  for (float s : q.scale) {
    if (!std::isfinite(s)) return Bad(where + " has a non-finite quantization scale");
  }
  if (q.scale.size() > 1) {
    if (q.quantized_dimension < 0 || static_cast<size_t>(q.quantized_dimension) >= t.shape.size()) {
      return Bad(where + " has quantized_dimension " + std::to_string(q.quantized_dimension) +
                 " outside its rank " + std::to_string(t.shape.size()));
    }
    if (static_cast<size_t>(t.shape[q.quantized_dimension]) != q.scale.size()) {
      return Bad(where + " has " + std::to_string(q.scale.size()) +
                 " per-channel scales but dimension " + std::to_string(q.quantized_dimension) +
                 " is " + std::to_string(t.shape[q.quantized_dimension]));
    }
  }
  return Ok();
}

Result<void> CheckIndexes(const std::vector<int32_t>& idx, size_t n, bool allow_optional,
                          const std::string& where) {
  for (int32_t i : idx) {
    if (allow_optional && i == -1) continue;
    if (i < 0 || static_cast<size_t>(i) >= n) {
      return Bad(where + " refers to tensor " + std::to_string(i) + " but the subgraph has " +
                 std::to_string(n) + " tensors");
    }
  }
  return Ok();
}

}  // namespace

Result<Model> ParseModel(std::span<const uint8_t> bytes) {
  if (bytes.size() < 8) {
    return Bad("file too small (" + std::to_string(bytes.size()) + " bytes) to be a TFLite model");
  }
  if (bytes.size() >= (size_t{1} << 31)) return Bad("file larger than 2 GiB");
  if (!fb::ModelBufferHasIdentifier(bytes.data())) {
    return Bad("missing the TFL3 file identifier: not a TensorFlow Lite model");
  }
  flatbuffers::Verifier verifier(bytes.data(), bytes.size(), 64, 1000000);
  if (!fb::VerifyModelBuffer(verifier)) {
    return Bad("flatbuffer verification failed: the file is truncated or corrupt");
  }
  const fb::Model* fm = fb::GetModel(bytes.data());
  Model m;
  m.version = fm->version();
  if (m.version != 3) {
    return Bad("schema version " + std::to_string(m.version) + " (autopilot reads version 3)");
  }
  m.description = Str(fm->description());

  if (const auto* bufs = fm->buffers()) {
    m.buffers.reserve(bufs->size());
    for (flatbuffers::uoffset_t i = 0; i < bufs->size(); ++i) {
      const fb::Buffer* b = bufs->Get(i);
      Buffer out;
      if (b && b->data()) {
        out.data.assign(b->data()->begin(), b->data()->end());
      } else if (b && b->offset() > 1) {
        // Data stored after the flatbuffer (models > 2 GB use this); bounds-checked here.
        uint64_t off = b->offset(), size = b->size();
        if (off > bytes.size() || size > bytes.size() - off) {
          return Bad("buffer " + std::to_string(i) + " points outside the file (offset " +
                     std::to_string(off) + ", size " + std::to_string(size) + ")");
        }
        out.data.assign(bytes.begin() + static_cast<ptrdiff_t>(off),
                        bytes.begin() + static_cast<ptrdiff_t>(off + size));
      }
      m.buffers.push_back(std::move(out));
    }
  }
  if (m.buffers.empty()) m.buffers.emplace_back();

  struct Code {
    int32_t builtin;
    std::string custom;
    int32_t version;
  };
  std::vector<Code> codes;
  if (const auto* oc = fm->operator_codes()) {
    for (const fb::OperatorCode* c : *oc) {
      // Older writers fill only the byte-sized field; newer ones both (TFLite takes the max).
      int32_t code = std::max<int32_t>(c->deprecated_builtin_code(), c->builtin_code());
      codes.push_back({code, Str(c->custom_code()), c->version()});
    }
  }

  if (!fm->subgraphs() || fm->subgraphs()->size() == 0) return Bad("the model has no subgraph");
  for (flatbuffers::uoffset_t s = 0; s < fm->subgraphs()->size(); ++s) {
    const fb::SubGraph* fs = fm->subgraphs()->Get(s);
    SubGraph sg;
    sg.name = Str(fs->name());
    if (fs->tensors()) {
      for (const fb::Tensor* ft : *fs->tensors()) {
        Tensor t;
        t.name = Str(ft->name());
        t.shape = ToVector(ft->shape());
        t.shape_signature = ToVector(ft->shape_signature());
        t.type = static_cast<DType>(ft->type());
        t.buffer = ft->buffer();
        t.is_variable = ft->is_variable();
        t.sparse = ft->sparsity() != nullptr;
        if (const fb::QuantizationParameters* q = ft->quantization()) {
          t.quant.scale = ToVector(q->scale());
          t.quant.zero_point = ToVector(q->zero_point());
          t.quant.min = ToVector(q->min());
          t.quant.max = ToVector(q->max());
          t.quant.quantized_dimension = q->quantized_dimension();
          t.quant.custom = q->details_type() != fb::QuantizationDetails::NONE;
        }
        if (auto r = CheckTensor(t, sg.tensors.size(), m); !r) return r.error();
        sg.tensors.push_back(std::move(t));
      }
    }
    sg.inputs = ToVector(fs->inputs());
    sg.outputs = ToVector(fs->outputs());
    std::string sgw = "subgraph " + std::to_string(s);
    if (auto r = CheckIndexes(sg.inputs, sg.tensors.size(), false, sgw + " inputs"); !r) {
      return r.error();
    }
    if (auto r = CheckIndexes(sg.outputs, sg.tensors.size(), false, sgw + " outputs"); !r) {
      return r.error();
    }
    if (fs->operators()) {
      for (const fb::Operator* fo : *fs->operators()) {
        Operator op;
        std::string where = sgw + " operator " + std::to_string(sg.operators.size());
        if (fo->opcode_index() >= codes.size()) {
          return Bad(where + " uses opcode " + std::to_string(fo->opcode_index()) +
                     " but the model has " + std::to_string(codes.size()) + " operator codes");
        }
        const Code& c = codes[fo->opcode_index()];
        op.builtin_code = c.builtin;
        op.custom_code = c.custom;
        op.version = c.version;
        op.inputs = ToVector(fo->inputs());
        op.outputs = ToVector(fo->outputs());
        if (auto r = CheckIndexes(op.inputs, sg.tensors.size(), true, where + " input"); !r) {
          return r.error();
        }
        if (auto r = CheckIndexes(op.outputs, sg.tensors.size(), false, where + " output"); !r) {
          return r.error();
        }
        ReadOptions(*fo, &op.options);
        if (fo->custom_options()) op.custom_options.assign(fo->custom_options()->begin(), fo->custom_options()->end());
        sg.operators.push_back(std::move(op));
      }
    }
    m.subgraphs.push_back(std::move(sg));
  }

  if (const auto* md = fm->metadata()) {
    for (const fb::Metadata* e : *md) {
      if (e->buffer() >= m.buffers.size()) {
        return Bad("metadata '" + Str(e->name()) + "' refers to a missing buffer");
      }
      m.metadata.push_back({Str(e->name()), e->buffer()});
    }
  }
  if (const auto* sd = fm->signature_defs()) {
    for (const fb::SignatureDef* d : *sd) {
      Signature sig;
      sig.key = Str(d->signature_key());
      sig.subgraph_index = d->subgraph_index();
      if (sig.subgraph_index >= m.subgraphs.size()) {
        return Bad("signature '" + sig.key + "' refers to a missing subgraph");
      }
      size_t nt = m.subgraphs[sig.subgraph_index].tensors.size();
      for (int pass = 0; pass < 2; ++pass) {
        const auto* list = pass == 0 ? d->inputs() : d->outputs();
        if (!list) continue;
        for (const fb::TensorMap* tm : *list) {
          if (tm->tensor_index() >= nt) {
            return Bad("signature '" + sig.key + "' refers to a missing tensor");
          }
          (pass == 0 ? sig.inputs : sig.outputs).push_back({Str(tm->name()), tm->tensor_index()});
        }
      }
      m.signatures.push_back(std::move(sig));
    }
  }
  return m;
}

}  // namespace autopilot::tflite
