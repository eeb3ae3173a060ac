// _autopilot_edge: the native half of python/edge. Exposes EdgeRuntime to the pure-Python
// tflite_runtime / ai_edge_litert / pycoral shims, which own the public API and its error texts.

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <string>
#include <vector>

#include "autopilot/pyext/edge_runtime.h"

namespace py = pybind11;
using autopilot::pyext::EdgeRuntime;

namespace {

EdgeRuntime Unwrap(autopilot::Result<EdgeRuntime> r) {
  if (!r) throw py::value_error(r.error().message);
  return std::move(*r);
}

void CheckIndex(const EdgeRuntime& rt, int32_t index) {
  if (index < 0 || index >= rt.TensorCount()) {
    throw py::index_error("tensor index " + std::to_string(index) + " out of range");
  }
}

/// Metadata of one tensor as plain Python values; the shim turns them into numpy/dtypes.
py::dict TensorInfo(const EdgeRuntime& rt, int32_t index) {
  CheckIndex(rt, index);
  const auto& t = rt.TensorAt(index);
  py::dict d;
  d["name"] = t.name;
  d["shape"] = t.shape;
  d["shape_signature"] = t.shape_signature.empty() ? t.shape : t.shape_signature;
  d["type"] = autopilot::tflite::DTypeName(t.type);
  d["scales"] = t.quant.scale;
  d["zero_points"] = t.quant.zero_point;
  d["quantized_dimension"] = t.quant.quantized_dimension;
  d["constant"] = rt.IsConstant(index);
  return d;
}

}  // namespace

PYBIND11_MODULE(_autopilot_edge, m) {
  m.doc() = "autopilot's TFLite interpreter for the edge Python shims";
  py::class_<EdgeRuntime>(m, "Runtime")
      .def_static("from_path",
                  [](const std::string& path) { return Unwrap(EdgeRuntime::FromPath(path)); })
      .def_static("from_bytes",
                  [](py::buffer b) {
                    py::buffer_info info = b.request();
                    const auto* p = static_cast<const uint8_t*>(info.ptr);
                    const size_t n = static_cast<size_t>(info.size * info.itemsize);
                    return Unwrap(EdgeRuntime::FromBytes({p, n}));
                  })
      .def_property_readonly("allocated", &EdgeRuntime::allocated)
      .def("allocate",
           [](EdgeRuntime& rt) {
             if (auto r = rt.Allocate(); !r) throw std::runtime_error(r.error().message);
           })
      .def("resize_input",
           [](EdgeRuntime& rt, int32_t index, const std::vector<int32_t>& shape) {
             if (auto r = rt.ResizeInput(index, shape); !r) throw py::value_error(r.error().message);
           })
      .def("tensor_count", &EdgeRuntime::TensorCount)
      .def("inputs", [](const EdgeRuntime& rt) { return rt.graph().inputs; })
      .def("outputs", [](const EdgeRuntime& rt) { return rt.graph().outputs; })
      .def("tensor_info", &TensorInfo)
      .def("signatures",
           [](const EdgeRuntime& rt) {
             py::list out;
             for (const auto& s : rt.signatures()) {
               py::dict ins, outs;
               for (const auto& t : s.inputs) ins[py::str(t.name)] = t.tensor_index;
               for (const auto& t : s.outputs) outs[py::str(t.name)] = t.tensor_index;
               out.append(py::make_tuple(s.key, ins, outs));
             }
             return out;
           })
      .def("set_bytes",
           [](EdgeRuntime& rt, int32_t index, py::buffer b) {
             CheckIndex(rt, index);
             py::buffer_info info = b.request();
             const size_t n = static_cast<size_t>(info.size * info.itemsize);
             if (!rt.allocated()) throw std::runtime_error("not allocated");
             if (n != rt.Bytes(index).size()) throw py::value_error("byte size mismatch");
             rt.SetBytes(index, {static_cast<const uint8_t*>(info.ptr), n});
           })
      .def("invoke",
           [](EdgeRuntime& rt) {
             py::gil_scoped_release release;
             rt.Invoke();
           })
      .def("tensor_bytes",
           [](const EdgeRuntime& rt, int32_t index) {
             CheckIndex(rt, index);
             auto s = rt.Bytes(index);
             return py::bytes(reinterpret_cast<const char*>(s.data()), s.size());
           })
      .def("has_data",
           [](const EdgeRuntime& rt, int32_t index) {
             CheckIndex(rt, index);
             return rt.allocated() || rt.IsConstant(index);
           })
      // A writable numpy array over the interpreter's own buffer; its base is this Runtime, so
      // the shim can count live views with sys.getrefcount as the real runtime does.
      .def("view",
           [](py::object self, int32_t index, py::dtype dtype, std::vector<py::ssize_t> shape) {
             EdgeRuntime& rt = self.cast<EdgeRuntime&>();
             CheckIndex(rt, index);
             if (!rt.allocated()) throw py::value_error("Tensor data is null. Run allocate_tensors() first");
             return py::array(dtype, shape, rt.MutableData(index), self);
           });
}
