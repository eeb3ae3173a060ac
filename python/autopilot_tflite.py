"""autopilot_tflite: full-integer int8 TFLite conversion of a float MLP without TensorFlow.

Needs only numpy and the standard library. Reads a float32 .tflite multilayer perceptron
(FULLY_CONNECTED layers with a fused RELU/RELU6 or no activation, optionally followed by
SOFTMAX) and writes a full-integer model that TensorFlow Lite Micro runs: int8 per-channel
weights, int32 biases, int8 activations, SOFTMAX output scale 1/256 zero point -128, and
QUANTIZE/DEQUANTIZE operators at the edges when the I/O type is uint8 or float32.

The whole conversion:

    import csv
    import numpy as np
    import autopilot_tflite as at

    model = at.load_float_model("float_model.tflite")               # at.Model
    with open("representative.csv", newline="") as f:                # feature columns only,
        rows = [[float(r[c]) for c in ("r_ratio", "g_ratio", "b_ratio")]  # in the model's order
                for r in csv.DictReader(f)]
    at.write_int8_model("model_int8.tflite", model, np.array(rows, dtype=np.float32),
                        input_dtype="int8", output_dtype="int8")

API
- load_float_model(path) -> Model. Model.layers is a list of Dense(weights [out, in] float32,
  bias [out] float32, activation "none" | "relu" | "relu6"); Model.softmax (bool);
  Model.input_shape / Model.output_shape; Model.predict(x) is the float forward pass
  (x: [n, in] -> [n, out]); Model.metadata maps metadata names to bytes.
- write_int8_model(path, model, representative, input_dtype="int8", output_dtype="int8")
  calibrates every activation's min/max on `representative` (2-D float array, one row per
  sample, the model's input features only), quantizes and writes the file atomically.
  Returns the QuantizedModel it wrote. dtypes: "int8", "uint8" or "float32".
- quantize_model(model, representative) -> QuantizedModel, the same maths without writing;
  QuantizedModel.predict(x) simulates the integer model (float in, dequantized out).
- Building blocks for scripts that do the maths themselves:
  choose_qparams(min, max, dtype="int8") -> QParams(scale, zero_point)  (asymmetric, 0 exact)
  quantize_per_channel(w) -> (q int8 [out, in], scales float32 [out])  (symmetric, +-127)
  quantize_bias(b, input_scale, weight_scales) -> int32 [out]  (scale = input_scale * w_scale)
  quantize(x, qparams, dtype="int8") / dequantize(q, qparams)
  QuantizedDense(weights, weight_scales, bias, activation, output) records, then
  write_quantized_model(path, layers, input_q, softmax=True, input_dtype="int8",
                        output_dtype="int8", metadata=None)
  where input_q is the QParams of the int8 input and each layer's `output` the QParams of
  its int8 output (after the fused activation).

Every problem raises ValueError with a message that says what to change.
"""

import dataclasses
import os
import struct
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

__all__ = [
    "Dense", "Model", "QParams", "QuantizedDense", "QuantizedModel", "load_float_model",
    "choose_qparams", "quantize_per_channel", "quantize_bias", "quantize", "dequantize",
    "quantize_model", "write_int8_model", "write_quantized_model",
]

# TFLite schema facts (schema version 3): builtin operator codes, tensor types, the
# BuiltinOptions union members and fused activations this module reads and writes.
_OP_DEQUANTIZE = 6
_OP_FULLY_CONNECTED = 9
_OP_SOFTMAX = 25
_OP_QUANTIZE = 114
_OP_NAMES = {0: "ADD", 2: "CONCATENATION", 3: "CONV_2D", 4: "DEPTHWISE_CONV_2D", 6: "DEQUANTIZE",
             9: "FULLY_CONNECTED", 14: "LOGISTIC", 17: "MAX_POOL_2D", 18: "MUL", 19: "RELU",
             21: "RELU6", 22: "RESHAPE", 25: "SOFTMAX", 28: "TANH", 114: "QUANTIZE"}
_T_FLOAT32, _T_INT32, _T_UINT8, _T_INT8 = 0, 2, 3, 9
_TYPE_NAMES = {0: "float32", 1: "float16", 2: "int32", 3: "uint8", 4: "int64", 7: "int16", 9: "int8"}
_OPT_FULLY_CONNECTED, _OPT_SOFTMAX = 8, 9
_ACTIVATIONS = {0: "none", 1: "relu", 3: "relu6"}
_ACTIVATION_CODES = {"none": 0, "relu": 1, "relu6": 3}
_DTYPES = {"int8": (_T_INT8, -128, 127), "uint8": (_T_UINT8, 0, 255), "float32": (_T_FLOAT32, 0, 0)}
_SOFTMAX_SCALE = 1.0 / 256.0
_SOFTMAX_ZERO_POINT = -128


# ----------------------------------------------------------------------------------------
# Public records


class QParams(tuple):
    """Affine quantization of one tensor: real = scale * (q - zero_point)."""

    __slots__ = ()

    def __new__(cls, scale: float, zero_point: int):
        return super().__new__(cls, (float(scale), int(zero_point)))

    @property
    def scale(self) -> float:
        return self[0]

    @property
    def zero_point(self) -> int:
        return self[1]

    def __repr__(self) -> str:
        return f"QParams(scale={self.scale!r}, zero_point={self.zero_point})"


@dataclasses.dataclass
class Dense:
    """One float FULLY_CONNECTED layer: y = activation(x @ weights.T + bias)."""

    weights: np.ndarray  # float32 [out, in]
    bias: np.ndarray  # float32 [out]
    activation: str = "none"  # "none" | "relu" | "relu6"


@dataclasses.dataclass
class Model:
    """A float MLP read from a .tflite file (see load_float_model)."""

    layers: List[Dense]
    softmax: bool
    input_shape: Tuple[int, ...]
    output_shape: Tuple[int, ...]
    softmax_beta: float = 1.0
    input_name: str = "input"
    output_name: str = "output"
    metadata: Dict[str, bytes] = dataclasses.field(default_factory=dict)

    def predict(self, x) -> np.ndarray:
        """Float forward pass: x [n, inputs] (or one row) -> [n, outputs] float32."""
        h = _as_rows(x, self.layers[0].weights.shape[1], "x")
        for layer in self.layers:
            h = _activate(h @ layer.weights.T + layer.bias, layer.activation)
        if self.softmax:
            h = _softmax(h * self.softmax_beta)
        return h.astype(np.float32)


@dataclasses.dataclass
class QuantizedDense:
    """One int8 FULLY_CONNECTED layer ready to write."""

    weights: np.ndarray  # int8 [out, in], symmetric per output channel
    weight_scales: np.ndarray  # float32 [out]
    bias: np.ndarray  # int32 [out], scale = input scale * weight_scales
    activation: str  # "none" | "relu" | "relu6", fused
    output: QParams  # int8 output tensor (after the activation)


@dataclasses.dataclass
class QuantizedModel:
    """The integer model write_quantized_model writes (int8 inside, any I/O type outside)."""

    layers: List[QuantizedDense]
    input_q: QParams
    softmax: bool = True
    input_dtype: str = "int8"
    output_dtype: str = "int8"
    metadata: Dict[str, bytes] = dataclasses.field(default_factory=dict)

    @property
    def output_q(self) -> QParams:
        """Parameters of the final int8 tensor (the SOFTMAX output when there is one)."""
        if self.softmax:
            return QParams(_SOFTMAX_SCALE, _SOFTMAX_ZERO_POINT)
        return self.layers[-1].output

    def predict(self, x) -> np.ndarray:
        """Simulates the integer kernels: float rows in, dequantized float outputs out."""
        q = quantize(_as_rows(x, self.layers[0].weights.shape[1], "x"), self.input_q)
        in_q = self.input_q
        for layer in self.layers:
            acc = (q.astype(np.int64) - in_q.zero_point) @ layer.weights.astype(np.int64).T + layer.bias
            real = acc * (in_q.scale * layer.weight_scales.astype(np.float64)) / layer.output.scale
            lo, hi = _activation_bounds(layer.activation, layer.output)
            q = np.clip(_round(real) + layer.output.zero_point, lo, hi).astype(np.int8)
            in_q = layer.output
        out = dequantize(q, in_q)
        if self.softmax:
            out = _softmax(out)
            out = dequantize(quantize(out, self.output_q), self.output_q)
        return out.astype(np.float32)


# ----------------------------------------------------------------------------------------
# Quantization maths


def _round(x) -> np.ndarray:
    """Round half away from zero, as std::round and TFLite do (numpy rounds half to even)."""
    x = np.asarray(x)
    return np.sign(x) * np.floor(np.abs(x) + 0.5)


def _dtype_range(dtype: str) -> Tuple[int, int]:
    if dtype not in ("int8", "uint8"):
        raise ValueError(f"dtype must be 'int8' or 'uint8', not {dtype!r}")
    return _DTYPES[dtype][1], _DTYPES[dtype][2]


def choose_qparams(min_value: float, max_value: float, dtype: str = "int8") -> QParams:
    """Asymmetric parameters covering [min_value, max_value], widened to include 0 so that
    zero is exactly representable (TFLite requires it for padding and ReLU)."""
    qmin, qmax = _dtype_range(dtype)
    lo, hi = float(min_value), float(max_value)
    if not (np.isfinite(lo) and np.isfinite(hi)):
        raise ValueError(f"choose_qparams: range [{lo}, {hi}] is not finite; calibrate on real data")
    if lo > hi:
        raise ValueError(f"choose_qparams: min {lo} is greater than max {hi}")
    lo, hi = min(lo, 0.0), max(hi, 0.0)
    if hi - lo < 1e-8:
        hi = lo + 1e-8
    scale = (hi - lo) / (qmax - qmin)
    zero_point = int(np.clip(_round(qmin - lo / scale), qmin, qmax))
    return QParams(float(np.float32(scale)), zero_point)


def quantize_per_channel(w) -> Tuple[np.ndarray, np.ndarray]:
    """Symmetric int8 weights per output channel (row): scale = max|row| / 127,
    values in [-127, 127]. Returns (q int8 [out, in], scales float32 [out])."""
    w = np.asarray(w, dtype=np.float32)
    if w.ndim != 2:
        raise ValueError(f"quantize_per_channel: weights must be 2-D [out, in], got shape {w.shape}")
    if not np.all(np.isfinite(w)):
        raise ValueError("quantize_per_channel: weights contain NaN or inf")
    scales = np.abs(w).max(axis=1) / np.float32(127)
    scales = np.where(scales > 0, scales, np.float32(1)).astype(np.float32)
    q = np.clip(_round(w / scales[:, None]), -127, 127).astype(np.int8)
    return q, scales


def quantize_bias(bias, input_scale: float, weight_scales) -> np.ndarray:
    """int32 bias with per-channel scale input_scale * weight_scales (zero point 0)."""
    bias = np.asarray(bias, dtype=np.float64).reshape(-1)
    scales = (np.float32(input_scale) * np.asarray(weight_scales, dtype=np.float32)).astype(np.float64)
    if scales.shape != bias.shape:
        raise ValueError(f"quantize_bias: {bias.size} biases but {scales.size} weight scales")
    q = _round(bias / scales)
    if np.any(np.abs(q) > 2**31 - 1):
        raise ValueError("quantize_bias: a bias does not fit int32; the input scale is too small")
    return q.astype(np.int32)


def quantize(x, qparams: QParams, dtype: str = "int8") -> np.ndarray:
    """real -> integer: clamp(round(x / scale) + zero_point) in dtype's range."""
    qmin, qmax = _dtype_range(dtype)
    scale, zero_point = QParams(*qparams)
    q = _round(np.asarray(x, dtype=np.float64) / scale) + zero_point
    return np.clip(q, qmin, qmax).astype(np.int8 if dtype == "int8" else np.uint8)


def dequantize(q, qparams: QParams) -> np.ndarray:
    """integer -> real: scale * (q - zero_point), float32."""
    scale, zero_point = QParams(*qparams)
    return (scale * (np.asarray(q, dtype=np.float64) - zero_point)).astype(np.float32)


def _activation_bounds(activation: str, out: QParams) -> Tuple[int, int]:
    lo, hi = -128, 127
    if activation in ("relu", "relu6"):
        lo = max(lo, out.zero_point + int(_round(0.0 / out.scale)))
    if activation == "relu6":
        hi = min(hi, out.zero_point + int(_round(6.0 / out.scale)))
    return lo, hi


def _activate(h: np.ndarray, activation: str) -> np.ndarray:
    if activation == "relu":
        return np.maximum(h, 0)
    if activation == "relu6":
        return np.clip(h, 0, 6)
    return h


def _softmax(h: np.ndarray) -> np.ndarray:
    e = np.exp(h - h.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _as_rows(x, width: int, what: str) -> np.ndarray:
    if callable(x):  # a TensorFlow-style representative_dataset function
        x = x()
    if not hasattr(x, "__len__") and hasattr(x, "__iter__"):
        x = list(x)
    try:
        a = np.asarray(x, dtype=np.float32)
    except (TypeError, ValueError) as e:
        raise ValueError(f"{what} must be a 2-D float array [rows, {width}]: {e}") from None
    if a.ndim == 1:
        a = a.reshape(1, -1)
    if a.ndim > 2 and a.shape[-1] == width and a.size == a.shape[0] * width:
        a = a.reshape(-1, width)  # rows wrapped as [[row]] or [row[None, :]]
    if a.ndim != 2:
        raise ValueError(f"{what} must be a 2-D array [rows, {width}], got shape {a.shape}")
    if a.shape[1] != width:
        raise ValueError(f"{what} has {a.shape[1]} columns but the model takes {width} inputs: "
                         "pass only the feature columns, in the model's order (no label column)")
    return a


def _check_dtype(name: str, value: str) -> str:
    value = {"float": "float32"}.get(value, value)
    if value not in _DTYPES:
        raise ValueError(f"{name} must be 'int8', 'uint8' or 'float32', not {value!r}")
    return value


def quantize_model(model: Model, representative) -> QuantizedModel:
    """Calibrates on `representative` and quantizes every layer (int8 I/O; see
    write_int8_model for other I/O types)."""
    if not isinstance(model, Model):
        raise ValueError("quantize_model: pass the Model returned by load_float_model")
    rep = _as_rows(representative, model.layers[0].weights.shape[1], "representative")
    if rep.shape[0] == 0:
        raise ValueError("representative has no rows; load the representative CSV's feature columns")
    if not np.all(np.isfinite(rep)):
        raise ValueError("representative contains NaN or inf values")
    input_q = choose_qparams(rep.min(), rep.max())
    layers = []
    h, in_q = rep, input_q
    for layer in model.layers:
        h = _activate(h @ layer.weights.T + layer.bias, layer.activation).astype(np.float32)
        out_q = choose_qparams(h.min(), h.max())
        q, scales = quantize_per_channel(layer.weights)
        layers.append(QuantizedDense(q, scales, quantize_bias(layer.bias, in_q.scale, scales),
                                     layer.activation, out_q))
        in_q = out_q
    return QuantizedModel(layers, input_q, model.softmax, metadata=dict(model.metadata))


def write_int8_model(path: str, model: Model, representative, input_dtype: str = "int8",
                     output_dtype: str = "int8") -> QuantizedModel:
    """Calibrates, quantizes (int8 per-channel weights, int32 biases, int8 activations) and
    writes a full-integer .tflite at `path` atomically. Returns what it wrote."""
    input_dtype = _check_dtype("input_dtype", input_dtype)
    output_dtype = _check_dtype("output_dtype", output_dtype)
    qm = quantize_model(model, representative)
    if model.softmax and abs(model.softmax_beta - 1.0) > 1e-6:
        raise ValueError("SOFTMAX with beta != 1 is not supported by write_int8_model")
    write_quantized_model(path, qm.layers, qm.input_q, softmax=qm.softmax, input_dtype=input_dtype,
                          output_dtype=output_dtype, metadata=qm.metadata,
                          input_shape=model.input_shape)
    qm.input_dtype, qm.output_dtype = input_dtype, output_dtype
    return qm


# ----------------------------------------------------------------------------------------
# Reading: a bounds-checked FlatBuffers reader for the tables a float MLP uses


class _Reader:
    def __init__(self, data: bytes, path: str):
        self.data = data
        self.path = path

    def fail(self, what: str):
        raise ValueError(f"{self.path}: not a valid TFLite model ({what})")

    def u(self, fmt: str, pos: int):
        size = struct.calcsize(fmt)
        if pos < 0 or pos + size > len(self.data):
            self.fail(f"offset {pos} out of range")
        return struct.unpack_from(fmt, self.data, pos)[0]

    def deref(self, pos: int) -> int:
        return pos + self.u("<I", pos)

    def field(self, table: int, fid: int) -> Optional[int]:
        """Absolute position of field `fid` of the table at `table`, or None if absent."""
        vtable = table - self.u("<i", table)
        vsize = self.u("<H", vtable)
        entry = 4 + 2 * fid
        if entry + 2 > vsize:
            return None
        off = self.u("<H", vtable + entry)
        return table + off if off else None

    def scalar(self, table: int, fid: int, fmt: str, default=0):
        pos = self.field(table, fid)
        return default if pos is None else self.u(fmt, pos)

    def table(self, table: int, fid: int) -> Optional[int]:
        pos = self.field(table, fid)
        return None if pos is None else self.deref(pos)

    def vector(self, table: int, fid: int) -> Tuple[int, int]:
        """(start of elements, length) of a vector field; (0, 0) when absent."""
        pos = self.table(table, fid)
        if pos is None:
            return 0, 0
        n = self.u("<I", pos)
        if pos + 4 + n > len(self.data):
            self.fail("vector runs past the end of the file")
        return pos + 4, n

    def scalars(self, table: int, fid: int, fmt: str) -> list:
        start, n = self.vector(table, fid)
        size = struct.calcsize(fmt)
        if start + n * size > len(self.data):
            self.fail("vector runs past the end of the file")
        return list(struct.unpack_from(f"<{n}{fmt[-1]}", self.data, start)) if n else []

    def tables(self, table: int, fid: int) -> List[int]:
        start, n = self.vector(table, fid)
        return [self.deref(start + 4 * i) for i in range(n)]

    def string(self, table: int, fid: int) -> str:
        pos = self.table(table, fid)
        if pos is None:
            return ""
        n = self.u("<I", pos)
        return self.data[pos + 4:pos + 4 + n].decode("utf-8", "replace")


def load_float_model(path: str) -> Model:
    """Reads a float32 TFLite MLP: FULLY_CONNECTED layers (fused RELU/RELU6/none) in a chain,
    optionally followed by SOFTMAX. Raises FileNotFoundError when `path` does not exist and
    ValueError for a file that is not such a model."""
    with open(path, "rb") as f:
        data = f.read()
    r = _Reader(data, path)
    if len(data) < 8:
        r.fail("file is too short")
    if data[4:8] != b"TFL3":
        r.fail(f"file identifier is {data[4:8]!r}, expected b'TFL3'")
    root = r.deref(0)
    codes = []
    for oc in r.tables(root, 1):
        code = max(r.scalar(oc, 0, "<b"), r.scalar(oc, 3, "<i"))
        codes.append(code)
    buffers = []
    for b in r.tables(root, 4):
        start, n = r.vector(b, 0)
        if n:
            buffers.append(data[start:start + n])
        else:
            off, size = r.scalar(b, 1, "<Q"), r.scalar(b, 2, "<Q")
            buffers.append(data[off:off + size] if off > 1 and off + size <= len(data) else b"")
    subgraphs = r.tables(root, 2)
    if len(subgraphs) != 1:
        raise ValueError(f"{path}: the model has {len(subgraphs)} subgraphs; only single-subgraph MLPs are supported")
    sg = subgraphs[0]
    tensors = []
    for t in r.tables(sg, 0):
        tensors.append({"shape": tuple(r.scalars(t, 0, "<i")), "type": r.scalar(t, 1, "<b"),
                        "buffer": r.scalar(t, 2, "<I"), "name": r.string(t, 3)})
    inputs, outputs = r.scalars(sg, 1, "<i"), r.scalars(sg, 2, "<i")
    if len(inputs) != 1 or len(outputs) != 1:
        raise ValueError(f"{path}: the model has {len(inputs)} inputs and {len(outputs)} outputs; "
                         "only single-input, single-output MLPs are supported")

    def tensor(i: int) -> dict:
        if not 0 <= i < len(tensors):
            r.fail(f"tensor index {i} out of range")
        return tensors[i]

    def const(i: int, what: str) -> np.ndarray:
        t = tensor(i)
        if t["type"] != _T_FLOAT32:
            raise ValueError(f"{path}: {what} '{t['name']}' is {_TYPE_NAMES.get(t['type'], t['type'])}; "
                             "load_float_model needs a float32 model (is it already quantized?)")
        raw = buffers[t["buffer"]] if t["buffer"] < len(buffers) else b""
        count = int(np.prod(t["shape"])) if t["shape"] else 1
        if len(raw) != 4 * count:
            raise ValueError(f"{path}: {what} '{t['name']}' holds {len(raw)} bytes, its shape "
                             f"{list(t['shape'])} needs {4 * count}; a constant tensor is expected")
        return np.frombuffer(raw, dtype="<f4").astype(np.float32).reshape(t["shape"])

    layers: List[Dense] = []
    softmax, beta = False, 1.0
    current = inputs[0]
    if tensor(current)["type"] != _T_FLOAT32:
        raise ValueError(f"{path}: the input is {_TYPE_NAMES.get(tensor(current)['type'], '?')}; "
                         "load_float_model needs the float32 model, not a quantized one")
    for op in r.tables(sg, 3):
        index = r.scalar(op, 0, "<I")
        if index >= len(codes):
            r.fail(f"opcode index {index} out of range")
        code = codes[index]
        ins, outs = r.scalars(op, 1, "<i"), r.scalars(op, 2, "<i")
        name = _OP_NAMES.get(code, f"builtin {code}")
        if softmax or not ins or len(outs) != 1 or ins[0] != current:
            raise ValueError(f"{path}: operator {name} is not part of a single chain of layers; "
                             "only sequential MLPs (FULLY_CONNECTED ... [SOFTMAX]) are supported")
        options = r.table(op, 4)
        if code == _OP_FULLY_CONNECTED:
            if len(ins) < 2:
                r.fail("FULLY_CONNECTED without weights")
            w = const(ins[1], "weights")
            if w.ndim != 2:
                raise ValueError(f"{path}: FULLY_CONNECTED weights have shape {list(w.shape)}, expected [out, in]")
            b = const(ins[2], "bias").reshape(-1) if len(ins) > 2 and ins[2] >= 0 else np.zeros(w.shape[0], np.float32)
            if b.shape[0] != w.shape[0]:
                raise ValueError(f"{path}: bias of {b.shape[0]} values for {w.shape[0]} units")
            if layers and layers[-1].weights.shape[0] != w.shape[1]:
                raise ValueError(f"{path}: layer {len(layers)} takes {w.shape[1]} inputs but the previous "
                                 f"layer has {layers[-1].weights.shape[0]} units")
            act = r.scalar(options, 0, "<b") if options is not None else 0
            if act not in _ACTIVATIONS:
                raise ValueError(f"{path}: FULLY_CONNECTED fused activation code {act} is not supported "
                                 "(only NONE, RELU, RELU6)")
            layers.append(Dense(w, b, _ACTIVATIONS[act]))
        elif code == _OP_SOFTMAX:
            if not layers:
                raise ValueError(f"{path}: SOFTMAX before any FULLY_CONNECTED layer")
            softmax = True
            beta = r.scalar(options, 0, "<f", 1.0) if options is not None else 1.0
        else:
            raise ValueError(f"{path}: operator {name} is not supported; load_float_model reads "
                             "MLPs made of FULLY_CONNECTED layers and an optional SOFTMAX")
        current = outs[0]
    if not layers:
        raise ValueError(f"{path}: the model has no FULLY_CONNECTED layer")
    if current != outputs[0]:
        raise ValueError(f"{path}: the last operator does not produce the model output")
    metadata = {}
    for m in r.tables(root, 6):
        b = r.scalar(m, 1, "<I")
        metadata[r.string(m, 0)] = bytes(buffers[b]) if b < len(buffers) else b""
    in_shape = tuple(d if d > 0 else 1 for d in tensor(inputs[0])["shape"]) or (1, layers[0].weights.shape[1])
    out_shape = tuple(d if d > 0 else 1 for d in tensor(outputs[0])["shape"]) or (1, layers[-1].weights.shape[0])
    if int(np.prod(in_shape)) != layers[0].weights.shape[1]:
        raise ValueError(f"{path}: input shape {list(in_shape)} does not match the first layer's "
                         f"{layers[0].weights.shape[1]} inputs (batch size must be 1)")
    return Model(layers, softmax, in_shape, out_shape, beta, tensor(inputs[0])["name"] or "input",
                 tensor(outputs[0])["name"] or "output", metadata)


# ----------------------------------------------------------------------------------------
# Writing: a small forward-laid-out FlatBuffers serializer (children follow their parent, so
# every uoffset is positive; vtables sit right before their table)


class _Table:
    def __init__(self, fields):
        # fields: list of (field id, struct format or "offset", value); None values are skipped.
        self.fields = [f for f in fields if f[2] is not None]


class _Vector:
    def __init__(self, fmt: str, items, align: int = 0):
        self.fmt = fmt  # struct format of one element, or "offset" for tables/strings
        self.items = list(items) if fmt == "offset" else items
        self.align = align


class _String:
    def __init__(self, text: str):
        self.data = text.encode("utf-8")


class _Writer:
    def __init__(self):
        self.buf = bytearray()
        self.vtables: Dict[bytes, int] = {}

    def pad(self, align: int, extra: int = 0):
        while (len(self.buf) + extra) % align:
            self.buf.append(0)

    def finish(self, root: _Table, identifier: bytes) -> bytes:
        self.buf += b"\0\0\0\0" + identifier
        pos = self.write(root)
        struct.pack_into("<I", self.buf, 0, pos)
        self.pad(4)
        return bytes(self.buf)

    def write(self, obj) -> int:
        if isinstance(obj, _Table):
            return self.write_table(obj)
        if isinstance(obj, _Vector):
            return self.write_vector(obj)
        if isinstance(obj, _String):
            self.pad(4)
            pos = len(self.buf)
            self.buf += struct.pack("<I", len(obj.data)) + obj.data + b"\0"
            return pos
        raise TypeError(obj)

    def patch_children(self, pending):
        for slot, child in pending:
            struct.pack_into("<I", self.buf, slot, self.write(child) - slot)

    def write_table(self, t: _Table) -> int:
        layout, size, align = [], 4, 4
        for fid, fmt, value in sorted(t.fields, key=lambda f: -struct.calcsize("<I" if f[1] == "offset" else f[1])):
            width = struct.calcsize("<I" if fmt == "offset" else fmt)
            size = (size + width - 1) // width * width
            layout.append((fid, fmt, value, size))
            size += width
            align = max(align, width)
        size = (size + 3) // 4 * 4
        slots = max((f[0] for f in t.fields), default=-1) + 1
        vtable = [0] * slots
        for fid, _, _, off in layout:
            vtable[fid] = off
        vbytes = struct.pack(f"<HH{slots}H", 4 + 2 * slots, size, *vtable)
        vpos = self.vtables.get(vbytes)
        if vpos is None:  # identical vtables are shared, as flatc's builder does
            self.pad(2)
            vpos = self.vtables[vbytes] = len(self.buf)
            self.buf += vbytes
        self.pad(align)
        tpos = len(self.buf)
        self.buf += bytes(size)
        struct.pack_into("<i", self.buf, tpos, tpos - vpos)
        pending = []
        for fid, fmt, value, off in layout:
            if fmt == "offset":
                pending.append((tpos + off, value))
            else:
                struct.pack_into("<" + fmt, self.buf, tpos + off, value)
        self.patch_children(pending)
        return tpos

    def write_vector(self, v: _Vector) -> int:
        width = 4 if v.fmt == "offset" else struct.calcsize(v.fmt)
        self.pad(max(4, width, v.align), 4)
        self.pad(4)
        pos = len(self.buf)
        if v.fmt == "offset":
            self.buf += struct.pack("<I", len(v.items)) + bytes(4 * len(v.items))
            self.patch_children([(pos + 4 + 4 * i, item) for i, item in enumerate(v.items)])
        else:
            data = v.items if isinstance(v.items, (bytes, bytearray)) else \
                struct.pack(f"<{len(v.items)}{v.fmt}", *v.items)
            self.buf += struct.pack("<I", len(data) // width) + data
        return pos


def _qparams_table(scales, zero_points, dim: int = 0) -> _Table:
    return _Table([(2, "offset", _Vector("f", [float(s) for s in scales])),
                   (3, "offset", _Vector("q", [int(z) for z in zero_points])),
                   (6, "i", dim)])


def write_quantized_model(path: str, layers: Sequence[QuantizedDense], input_q: QParams,
                          softmax: bool = True, input_dtype: str = "int8", output_dtype: str = "int8",
                          metadata: Optional[Dict[str, bytes]] = None,
                          input_shape: Optional[Sequence[int]] = None) -> None:
    """Writes a full-integer TFLite model: [QUANTIZE] -> FULLY_CONNECTED x n -> [SOFTMAX] ->
    [QUANTIZE | DEQUANTIZE], atomically at `path`. The inside is int8; input_dtype and
    output_dtype ("int8", "uint8", "float32") choose the edge types."""
    input_dtype = _check_dtype("input_dtype", input_dtype)
    output_dtype = _check_dtype("output_dtype", output_dtype)
    if not layers:
        raise ValueError("write_quantized_model: no layers")
    input_q = QParams(*input_q)
    _check_qparams("input_q", input_q)
    tensors: List[dict] = []
    buffers: List[bytes] = [b""]  # buffer 0 is the empty sentinel every TFLite model has
    operators: List[Tuple[int, int, List[int], List[int], Optional[_Table]]] = []  # code, version, ins, outs, options

    def add_tensor(name, shape, ttype, q=None, data=None, dim=0) -> int:
        buffer = 0
        if data is not None:
            buffers.append(data)
            buffer = len(buffers) - 1
        tensors.append({"name": name, "shape": [int(d) for d in shape], "type": ttype, "q": q,
                        "buffer": buffer, "dim": dim})
        return len(tensors) - 1

    n_in = int(np.asarray(layers[0].weights).shape[1])
    in_shape = [int(d) for d in input_shape] if input_shape else [1, n_in]
    if int(np.prod(in_shape)) != n_in:
        raise ValueError(f"input_shape {in_shape} does not hold the first layer's {n_in} inputs")
    current = add_tensor("input_int8" if input_dtype != "int8" else "input", in_shape, _T_INT8,
                         ([input_q.scale], [input_q.zero_point]))
    graph_input = current
    if input_dtype != "int8":
        outer_q = None
        if input_dtype == "uint8":
            outer_q = ([input_q.scale], [input_q.zero_point + 128])
        graph_input = add_tensor("input", in_shape, _DTYPES[input_dtype][0], outer_q)
        operators.append((_OP_QUANTIZE, 1 if input_dtype == "float32" else 2, [graph_input], [current], None))
    in_q, width = input_q, n_in
    for i, layer in enumerate(layers):
        w = np.asarray(layer.weights)
        scales = np.asarray(layer.weight_scales, dtype=np.float32).reshape(-1)
        bias = np.asarray(layer.bias).reshape(-1)
        out_q = QParams(*layer.output)
        where = f"layer {i}"
        if w.dtype != np.int8 or w.ndim != 2:
            raise ValueError(f"{where}: weights must be an int8 array [out, in], got {w.dtype} {list(w.shape)}; "
                             "use quantize_per_channel")
        if w.shape[1] != width:
            raise ValueError(f"{where}: weights take {w.shape[1]} inputs, the previous tensor has {width}")
        units = w.shape[0]
        if scales.shape[0] != units or not np.all(scales > 0) or not np.all(np.isfinite(scales)):
            raise ValueError(f"{where}: weight_scales must be {units} positive finite values")
        if bias.dtype != np.int32 or bias.shape[0] != units:
            raise ValueError(f"{where}: bias must be int32 with {units} values, got {bias.dtype} "
                             f"{list(bias.shape)}; use quantize_bias")
        if layer.activation not in _ACTIVATION_CODES:
            raise ValueError(f"{where}: activation must be 'none', 'relu' or 'relu6', not {layer.activation!r}")
        _check_qparams(f"{where} output", out_q)
        bias_scales = (np.float32(in_q.scale) * scales).astype(np.float32)
        wt = add_tensor(f"dense_{i}/weights", w.shape, _T_INT8, (scales, [0] * units),
                        w.astype("<i1").tobytes())
        bt = add_tensor(f"dense_{i}/bias", [units], _T_INT32, (bias_scales, [0] * units),
                        bias.astype("<i4").tobytes())
        last = i == len(layers) - 1
        name = "logits" if last and softmax else (f"dense_{i}/out" if not last else "output_int8")
        ot = add_tensor(name, [1, units], _T_INT8, ([out_q.scale], [out_q.zero_point]))
        options = _Table([(0, "b", _ACTIVATION_CODES[layer.activation]), (1, "b", 0), (2, "?", False),
                          (3, "?", False)])
        operators.append((_OP_FULLY_CONNECTED, 4, [current, wt, bt], [ot], options))
        current, in_q, width = ot, out_q, units
    if softmax:
        out_q = QParams(_SOFTMAX_SCALE, _SOFTMAX_ZERO_POINT)
        st = add_tensor("output_int8", [1, width], _T_INT8, ([out_q.scale], [out_q.zero_point]))
        operators.append((_OP_SOFTMAX, 2, [current], [st], _Table([(0, "f", 1.0)])))
        current, in_q = st, out_q
    graph_output = current
    if output_dtype == "int8":
        tensors[current]["name"] = "output"
    else:
        outer_q = ([in_q.scale], [in_q.zero_point + 128]) if output_dtype == "uint8" else None
        graph_output = add_tensor("output", [1, width], _DTYPES[output_dtype][0], outer_q)
        code = _OP_DEQUANTIZE if output_dtype == "float32" else _OP_QUANTIZE
        operators.append((code, 2, [current], [graph_output], None))

    meta_tables = []
    for name, value in (metadata or {}).items():
        buffers.append(value.encode("utf-8") if isinstance(value, str) else bytes(value))
        meta_tables.append(_Table([(0, "offset", _String(name)), (1, "I", len(buffers) - 1)]))
    data = _serialize(tensors, buffers, operators, graph_input, graph_output, meta_tables)
    _write_atomic(path, data)


def _check_qparams(what: str, q: QParams):
    if not (np.isfinite(q.scale) and q.scale > 0):
        raise ValueError(f"{what}: scale must be positive and finite, got {q.scale}")
    if not -128 <= q.zero_point <= 127:
        raise ValueError(f"{what}: int8 zero_point must be in [-128, 127], got {q.zero_point}")


def _serialize(tensors, buffers, operators, graph_input, graph_output, meta_tables) -> bytes:
    code_index: Dict[Tuple[int, int], int] = {}
    codes = []
    ops = []
    for code, version, ins, outs, options in operators:
        key = (code, version)
        if key not in code_index:
            code_index[key] = len(codes)
            codes.append(_Table([(0, "b", min(code, 127)), (2, "i", version), (3, "i", code)]))
        union = {_OP_FULLY_CONNECTED: _OPT_FULLY_CONNECTED, _OP_SOFTMAX: _OPT_SOFTMAX}.get(code, 0)
        ops.append(_Table([(0, "I", code_index[key]), (1, "offset", _Vector("i", ins)),
                           (2, "offset", _Vector("i", outs)),
                           (3, "B", union if options is not None else None),
                           (4, "offset", options)]))
    tensor_tables = []
    for t in tensors:
        q = None
        if t["q"] is not None:
            q = _qparams_table(t["q"][0], t["q"][1], t["dim"])
        tensor_tables.append(_Table([(0, "offset", _Vector("i", t["shape"])), (1, "b", t["type"]),
                                     (2, "I", t["buffer"]), (3, "offset", _String(t["name"])),
                                     (4, "offset", q), (8, "?", True)]))
    subgraph = _Table([(0, "offset", _Vector("offset", tensor_tables)),
                       (1, "offset", _Vector("i", [graph_input])),
                       (2, "offset", _Vector("i", [graph_output])),
                       (3, "offset", _Vector("offset", ops)), (4, "offset", _String("main"))])
    buffer_tables = [_Table([(0, "offset", _Vector("B", data, align=16) if data else None)]) for data in buffers]
    model = _Table([(0, "I", 3), (1, "offset", _Vector("offset", codes)),
                    (2, "offset", _Vector("offset", [subgraph])),
                    (3, "offset", _String("autopilot_tflite (full integer int8)")),
                    (4, "offset", _Vector("offset", buffer_tables)),
                    (6, "offset", _Vector("offset", meta_tables) if meta_tables else None)])
    return _Writer().finish(model, b"TFL3")


def _write_atomic(path: str, data: bytes):
    """Writes next to `path` and renames, so a reader never sees half a model. Opening with
    "xb" (not mkstemp) keeps the usual permissions of the umask."""
    directory, name = os.path.split(os.path.abspath(path))
    tmp = os.path.join(directory, f".{name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "xb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except FileExistsError:
        raise ValueError(f"{tmp} exists; remove it (left by an interrupted write)") from None
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
