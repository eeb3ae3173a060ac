#include "autopilot/tflite/keras.h"

#include <hdf5.h>
#include <zip.h>

#include <cstring>
#include <optional>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "autopilot/tflite/model_builder.h"

namespace autopilot::tflite {
namespace {

using nlohmann::json;

constexpr uint64_t kMaxEntryBytes = 512ull << 20;  // a TinyML model is far smaller
constexpr int64_t kMaxUnits = 1 << 20;
constexpr int64_t kMaxWeights = 1 << 26;

Error Fail(const std::string& path, const std::string& message) {
  return Error{"ml.conversion_config", path + ": " + message};
}

// --- the zip ---------------------------------------------------------------------------------

class ZipArchive {
 public:
  explicit ZipArchive(zip_t* z) : z_(z) {}
  ZipArchive(const ZipArchive&) = delete;
  ZipArchive& operator=(const ZipArchive&) = delete;
  ~ZipArchive() {
    if (z_ != nullptr) zip_discard(z_);
  }
  zip_t* get() const { return z_; }

 private:
  zip_t* z_;
};

std::string ZipErrorText(int code) {
  zip_error_t err;
  zip_error_init_with_code(&err, code);
  std::string text = zip_error_strerror(&err);
  zip_error_fini(&err);
  return text;
}

// The bytes of one archive member; nullopt when the archive has no such member.
Result<std::optional<std::vector<uint8_t>>> ReadMember(zip_t* z, const std::string& path,
                                                       const char* name) {
  zip_stat_t st;
  zip_stat_init(&st);
  if (zip_stat(z, name, 0, &st) != 0) return std::optional<std::vector<uint8_t>>{};
  if ((st.valid & ZIP_STAT_SIZE) == 0 || st.size > kMaxEntryBytes) {
    return Fail(path, std::string(name) + " in the archive has no usable size");
  }
  zip_file_t* f = zip_fopen(z, name, 0);
  if (f == nullptr) {
    return Fail(path, std::string("cannot read ") + name + " from the archive: " + zip_strerror(z));
  }
  std::vector<uint8_t> data(static_cast<size_t>(st.size));
  size_t got = 0;
  while (got < data.size()) {
    const zip_int64_t n = zip_fread(f, data.data() + got, data.size() - got);
    if (n <= 0) break;
    got += static_cast<size_t>(n);
  }
  // A failed CRC check shows up only when the end of the member is read.
  uint8_t extra = 0;
  const zip_int64_t tail = got == data.size() ? zip_fread(f, &extra, 1) : -1;
  const std::string ferr = zip_file_strerror(f);
  zip_fclose(f);
  if (got != data.size() || tail != 0) {
    return Fail(path, std::string(name) + " in the archive is damaged (" + ferr + ")");
  }
  return std::optional<std::vector<uint8_t>>(std::move(data));
}

// --- HDF5 ------------------------------------------------------------------------------------

class H5Handle {
 public:
  H5Handle(hid_t id, herr_t (*close)(hid_t)) : id_(id), close_(close) {}
  H5Handle(const H5Handle&) = delete;
  H5Handle& operator=(const H5Handle&) = delete;
  ~H5Handle() {
    if (id_ >= 0) close_(id_);
  }
  hid_t get() const { return id_; }
  bool ok() const { return id_ >= 0; }

 private:
  hid_t id_;
  herr_t (*close_)(hid_t);
};

bool LinkExists(hid_t file, const std::string& group_path) {
  // H5Lexists wants every intermediate link to exist, so walk the path one component at a time.
  std::string prefix;
  size_t start = 0;
  while (start <= group_path.size()) {
    size_t slash = group_path.find('/', start);
    if (slash == std::string::npos) slash = group_path.size();
    prefix += (prefix.empty() ? "" : "/") + group_path.substr(start, slash - start);
    if (H5Lexists(file, prefix.c_str(), H5P_DEFAULT) <= 0) return false;
    start = slash + 1;
  }
  return true;
}

struct Array {
  std::vector<hsize_t> dims;
  std::vector<float> values;
};

// Reads dataset `name` under `group` as float32; nullopt when it does not exist.
Result<std::optional<Array>> ReadFloatDataset(hid_t group, const std::string& name,
                                              const std::string& where) {
  if (H5Lexists(group, name.c_str(), H5P_DEFAULT) <= 0) return std::optional<Array>{};
  H5Handle ds(H5Dopen2(group, name.c_str(), H5P_DEFAULT), H5Dclose);
  if (!ds.ok()) return Error{errc::kModelInvalid, where + " is not a dataset"};
  H5Handle type(H5Dget_type(ds.get()), H5Tclose);
  if (!type.ok() || H5Tget_class(type.get()) != H5T_FLOAT) {
    return Error{errc::kModelInvalid, where + " does not hold floating-point values"};
  }
  H5Handle space(H5Dget_space(ds.get()), H5Sclose);
  const int rank = space.ok() ? H5Sget_simple_extent_ndims(space.get()) : -1;
  if (rank < 0 || rank > 4) return Error{errc::kModelInvalid, where + " has an unreadable shape"};
  Array a;
  a.dims.resize(static_cast<size_t>(rank));
  if (rank > 0 && H5Sget_simple_extent_dims(space.get(), a.dims.data(), nullptr) != rank) {
    return Error{errc::kModelInvalid, where + " has an unreadable shape"};
  }
  hsize_t count = 1;
  for (hsize_t d : a.dims) {
    if (d == 0 || d > static_cast<hsize_t>(kMaxWeights) || count * d > static_cast<hsize_t>(kMaxWeights)) {
      return Error{errc::kModelInvalid, where + " is empty or too large"};
    }
    count *= d;
  }
  a.values.resize(static_cast<size_t>(count));
  if (H5Dread(ds.get(), H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, a.values.data()) < 0) {
    return Error{errc::kModelInvalid, where + " cannot be read"};
  }
  return std::optional<Array>(std::move(a));
}

std::string ShapeText(const std::vector<hsize_t>& dims) {
  std::string s = "[";
  for (size_t i = 0; i < dims.size(); ++i) s += (i ? ", " : "") + std::to_string(dims[i]);
  return s + "]";
}

// --- config.json -----------------------------------------------------------------------------

struct Step {
  enum class Kind { kDense, kActivation } kind = Kind::kDense;
  std::string name;        // the layer's name from config.json
  std::string class_name;  // Dense, Activation, Softmax, ReLU
  int64_t units = 0;
  bool use_bias = true;
  std::string activation = "linear";
  int dense_index = 0;     // 0 for the first Dense, 1 for the second, …
};

std::string Describe(const Step& s) { return "layer '" + s.name + "' (" + s.class_name + ")"; }

// An activation as a name: "relu", or Keras 3's {"class_name": "function", "config": "relu"}.
std::optional<std::string> ActivationName(const json& v) {
  if (v.is_null()) return "linear";
  if (v.is_string()) return v.get<std::string>();
  if (v.is_object()) {
    if (v.contains("config") && v["config"].is_string()) return v["config"].get<std::string>();
    if (v.contains("class_name") && v["class_name"].is_string()) return v["class_name"].get<std::string>();
  }
  return std::nullopt;
}

// A dtype policy's name ("float32", "mixed_float16", "int8_from_float32", …).
std::string DTypePolicyName(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_object() && v.contains("config") && v["config"].is_object()) {
    const json& c = v["config"];
    if (c.contains("name") && c["name"].is_string()) return c["name"].get<std::string>();
  }
  return "";
}

// [null, n] → n; nullopt when absent; an error for shapes that are not flat vectors.
Result<std::optional<int64_t>> FlatWidth(const json& shape, const std::string& what) {
  if (!shape.is_array()) return std::optional<int64_t>{};
  if (shape.size() != 2 || !shape[1].is_number_integer() || shape[1].get<int64_t>() <= 0 ||
      shape[1].get<int64_t>() > kMaxUnits) {
    return Error{errc::kModelInvalid, what + " " + shape.dump() +
                         " is not a flat [batch, features] vector; only Dense networks on flat inputs are supported"};
  }
  return std::optional<int64_t>(shape[1].get<int64_t>());
}

struct Parsed {
  std::vector<Step> steps;
  std::optional<int64_t> input_width;
};

Result<Parsed> ParseConfig(const std::string& text) {
  const json root = json::parse(text, nullptr, false);
  if (root.is_discarded() || !root.is_object()) return Error{errc::kModelInvalid, "config.json is not a JSON object"};
  const std::string cls = root.value("class_name", std::string());
  if (cls != "Sequential") {
    return Error{errc::kModelInvalid, "the model is a '" + (cls.empty() ? std::string("?") : cls) +
                         "', not a Sequential; only Sequential models of Dense layers are supported"};
  }
  if (!root.contains("config") || !root["config"].is_object() || !root["config"].contains("layers") ||
      !root["config"]["layers"].is_array()) {
    return Error{errc::kModelInvalid, "config.json has no config.layers list"};
  }
  Parsed p;
  auto note_width = [&](const json& shape, const std::string& what) -> Result<void> {
    auto w = FlatWidth(shape, what);
    if (!w) return w.error();
    if (*w && !p.input_width) p.input_width = **w;
    return Ok();
  };
  if (root.contains("build_config") && root["build_config"].is_object() &&
      root["build_config"].contains("input_shape")) {
    if (auto r = note_width(root["build_config"]["input_shape"], "the input shape"); !r) return r.error();
  }
  if (root["config"].contains("build_input_shape")) {
    if (auto r = note_width(root["config"]["build_input_shape"], "the input shape"); !r) return r.error();
  }
  int dense_count = 0;
  size_t index = 0;
  for (const json& layer : root["config"]["layers"]) {
    ++index;
    if (!layer.is_object() || !layer.contains("class_name") || !layer["class_name"].is_string()) {
      return Error{errc::kModelInvalid, "layer " + std::to_string(index) + " in config.json has no class_name"};
    }
    const json cfg = layer.contains("config") && layer["config"].is_object() ? layer["config"] : json::object();
    Step s;
    s.class_name = layer["class_name"].get<std::string>();
    s.name = cfg.contains("name") && cfg["name"].is_string() ? cfg["name"].get<std::string>()
                                                              : "#" + std::to_string(index);
    for (const char* key : {"batch_shape", "batch_input_shape"}) {
      if (cfg.contains(key)) {
        if (auto r = note_width(cfg[key], Describe(s) + ": the input shape"); !r) return r.error();
      }
    }
    const std::string policy = cfg.contains("dtype") ? DTypePolicyName(cfg["dtype"]) : "";
    if (policy.find("int8") != std::string::npos || policy.find("int4") != std::string::npos ||
        policy.find("float8") != std::string::npos) {
      return Error{errc::kModelInvalid, Describe(s) + " is already quantized (dtype policy '" + policy +
                           "'); save the float model instead"};
    }
    if (s.class_name == "InputLayer" || s.class_name == "Dropout") continue;
    if (s.class_name == "Dense") {
      if (!cfg.contains("units") || !cfg["units"].is_number_integer() || cfg["units"].get<int64_t>() <= 0 ||
          cfg["units"].get<int64_t>() > kMaxUnits) {
        return Error{errc::kModelInvalid, Describe(s) + " has no valid config.units"};
      }
      s.units = cfg["units"].get<int64_t>();
      s.use_bias = !cfg.contains("use_bias") || !cfg["use_bias"].is_boolean() || cfg["use_bias"].get<bool>();
      auto act = ActivationName(cfg.contains("activation") ? cfg["activation"] : json());
      if (!act) return Error{errc::kModelInvalid, Describe(s) + " has an activation autopilot cannot read"};
      s.activation = *act;
      s.dense_index = dense_count++;
      s.kind = Step::Kind::kDense;
    } else if (s.class_name == "Activation") {
      auto act = ActivationName(cfg.contains("activation") ? cfg["activation"] : json());
      if (!act) return Error{errc::kModelInvalid, Describe(s) + " has an activation autopilot cannot read"};
      s.activation = *act;
      s.kind = Step::Kind::kActivation;
    } else if (s.class_name == "Softmax") {
      if (cfg.contains("axis") && !(cfg["axis"].is_number_integer() && cfg["axis"].get<int64_t>() == -1)) {
        return Error{errc::kModelInvalid, Describe(s) + ": only softmax over the last axis is supported"};
      }
      s.activation = "softmax";
      s.kind = Step::Kind::kActivation;
    } else if (s.class_name == "ReLU") {
      const json mv = cfg.contains("max_value") ? cfg["max_value"] : json();
      const bool plain_slope = !cfg.contains("negative_slope") ||
                               (cfg["negative_slope"].is_number() && cfg["negative_slope"].get<double>() == 0.0);
      const bool plain_threshold = !cfg.contains("threshold") ||
                                   (cfg["threshold"].is_number() && cfg["threshold"].get<double>() == 0.0);
      if (!plain_slope || !plain_threshold || !(mv.is_null() || (mv.is_number() && mv.get<double>() == 6.0))) {
        return Error{errc::kModelInvalid, Describe(s) + ": only ReLU() and ReLU(max_value=6) are supported"};
      }
      s.activation = mv.is_null() ? "relu" : "relu6";
      s.kind = Step::Kind::kActivation;
    } else {
      return Error{errc::kModelInvalid, Describe(s) + " is not supported; autopilot converts Sequential models of Dense "
                                     "layers (with InputLayer, Dropout, Activation, Softmax, ReLU)"};
    }
    p.steps.push_back(std::move(s));
  }
  if (dense_count == 0) return Error{errc::kModelInvalid, "the model has no Dense layer"};
  return p;
}

// --- building the Model ----------------------------------------------------------------------

struct DenseWeights {
  int64_t in = 0;
  std::vector<float> kernel_out_in;  // TFLite layout [out, in]
  std::vector<float> bias;
};

Result<DenseWeights> LoadDense(hid_t file, const Step& s, int64_t expected_in) {
  const std::string key = s.dense_index == 0 ? "dense" : "dense_" + std::to_string(s.dense_index);
  std::vector<std::string> candidates;
  for (const std::string& prefix : {std::string("layers/"), std::string("_layer_checkpoint_dependencies/")}) {
    candidates.push_back(prefix + key + "/vars");
  }
  if (s.name != key && s.name.find('/') == std::string::npos && !s.name.empty()) {
    candidates.push_back("layers/" + s.name + "/vars");
    candidates.push_back("_layer_checkpoint_dependencies/" + s.name + "/vars");
  }
  std::string group_path;
  for (const auto& c : candidates) {
    if (LinkExists(file, c)) {
      group_path = c;
      break;
    }
  }
  if (group_path.empty()) {
    std::string looked;
    for (const auto& c : candidates) looked += (looked.empty() ? "" : ", ") + c;
    return Error{errc::kModelInvalid, Describe(s) + ": no weights in model.weights.h5 (looked for " + looked + ")"};
  }
  H5Handle group(H5Gopen2(file, group_path.c_str(), H5P_DEFAULT), H5Gclose);
  if (!group.ok()) return Error{errc::kModelInvalid, Describe(s) + ": " + group_path + " in model.weights.h5 is not a group"};
  auto kernel = ReadFloatDataset(group.get(), "0", group_path + "/0");
  if (!kernel) return Error{errc::kModelInvalid, Describe(s) + ": " + kernel.error().message};
  if (!*kernel) return Error{errc::kModelInvalid, Describe(s) + ": " + group_path + "/0 (the kernel) is missing"};
  const Array& k = **kernel;
  if (k.dims.size() != 2 || k.dims[1] != static_cast<hsize_t>(s.units) ||
      (expected_in > 0 && k.dims[0] != static_cast<hsize_t>(expected_in))) {
    const std::string want = "[" + (expected_in > 0 ? std::to_string(expected_in) : std::string("in")) + ", " +
                             std::to_string(s.units) + "]";
    return Error{errc::kModelInvalid, Describe(s) + ": kernel " + group_path + "/0 has shape " + ShapeText(k.dims) +
                         ", expected " + want};
  }
  DenseWeights w;
  w.in = static_cast<int64_t>(k.dims[0]);
  const auto in = static_cast<size_t>(w.in), out = static_cast<size_t>(s.units);
  w.kernel_out_in.resize(in * out);
  for (size_t i = 0; i < in; ++i) {
    for (size_t o = 0; o < out; ++o) w.kernel_out_in[o * in + i] = k.values[i * out + o];
  }
  if (s.use_bias) {
    auto bias = ReadFloatDataset(group.get(), "1", group_path + "/1");
    if (!bias) return Error{errc::kModelInvalid, Describe(s) + ": " + bias.error().message};
    if (!*bias) return Error{errc::kModelInvalid, Describe(s) + ": " + group_path + "/1 (the bias) is missing"};
    if ((*bias)->dims.size() != 1 || (*bias)->dims[0] != static_cast<hsize_t>(s.units)) {
      return Error{errc::kModelInvalid, Describe(s) + ": bias " + group_path + "/1 has shape " + ShapeText((*bias)->dims) +
                           ", expected [" + std::to_string(s.units) + "]"};
    }
    w.bias = std::move((*bias)->values);
  } else {
    w.bias.assign(out, 0.0f);
  }
  return w;
}

Result<Model> BuildModel(hid_t file, const Parsed& p) {
  // Fold a relu/relu6 that follows a linear Dense into it, as the TFLite converter does.
  std::vector<Step> steps;
  for (const Step& s : p.steps) {
    if (s.kind == Step::Kind::kActivation && s.activation == "linear") continue;
    if (s.kind == Step::Kind::kActivation && (s.activation == "relu" || s.activation == "relu6")) {
      if (steps.empty() || steps.back().kind != Step::Kind::kDense || steps.back().activation != "linear") {
        return Error{errc::kModelInvalid, Describe(s) + ": a " + s.activation + " must directly follow a Dense layer without activation"};
      }
      steps.back().activation = s.activation;
      continue;
    }
    steps.push_back(s);
  }

  ModelBuilder mb;
  int32_t cur = -1, input = -1;
  int64_t width = p.input_width.value_or(0);
  auto add_activation_op = [&](const Step& s, const std::string& act) -> Result<void> {
    int32_t code = 0;
    if (act == "softmax") code = op::kSoftmax;
    else if (act == "sigmoid") code = op::kLogistic;
    else if (act == "tanh") code = op::kTanh;
    else return Error{errc::kModelInvalid, Describe(s) + ": activation '" + act + "' is not supported (use linear, relu, relu6, "
                                       "softmax, sigmoid or tanh)"};
    if (cur < 0) return Error{errc::kModelInvalid, Describe(s) + ": an activation before the first Dense layer is not supported"};
    const int32_t out = mb.AddTensor(s.name + "/" + act, DType::kFloat32, {1, static_cast<int32_t>(width)});
    OpOptions o;
    if (code == op::kSoftmax) o.beta = 1.0f;
    mb.AddOp(code, {cur}, {out}, o);
    cur = out;
    return Ok();
  };
  for (const Step& s : steps) {
    if (s.kind == Step::Kind::kActivation) {
      if (auto r = add_activation_op(s, s.activation); !r) return r.error();
      continue;
    }
    auto w = LoadDense(file, s, width);
    if (!w) return w.error();
    if (input < 0) {
      width = w->in;
      input = mb.AddTensor("serving_default_input", DType::kFloat32, {1, static_cast<int32_t>(width)});
      cur = input;
    }
    const auto units = static_cast<int32_t>(s.units);
    const int32_t k = mb.AddConstant(s.name + "/kernel", DType::kFloat32, {units, static_cast<int32_t>(width)},
                                     w->kernel_out_in);
    const int32_t b = mb.AddConstant(s.name + "/bias", DType::kFloat32, {units}, w->bias);
    OpOptions o;
    std::string post;
    if (s.activation == "relu") o.activation = Activation::kRelu;
    else if (s.activation == "relu6") o.activation = Activation::kRelu6;
    else if (s.activation != "linear") post = s.activation;
    const int32_t out = mb.AddTensor(s.name + (o.activation == Activation::kNone ? "/BiasAdd" : "/Relu"),
                                     DType::kFloat32, {1, units});
    mb.AddOp(op::kFullyConnected, {cur, k, b}, {out}, o);
    cur = out;
    width = s.units;
    if (!post.empty()) {
      if (auto r = add_activation_op(s, post); !r) return r.error();
    }
  }
  mb.SetInputs({input});
  mb.SetOutputs({cur});
  Model m = mb.Finish();
  m.description = "autopilot: converted from a Keras Sequential (.keras)";
  return m;
}

}  // namespace

Result<Model> LoadKerasModel(const std::string& path) {
  int zerr = 0;
  ZipArchive archive(zip_open(path.c_str(), ZIP_RDONLY, &zerr));
  if (archive.get() == nullptr) {
    if (zerr == ZIP_ER_NOZIP || zerr == ZIP_ER_INCONS) {
      return Fail(path, "not a .keras file: it is not a zip archive (" + ZipErrorText(zerr) + ")");
    }
    return Fail(path, "cannot open: " + ZipErrorText(zerr));
  }
  auto config = ReadMember(archive.get(), path, "config.json");
  if (!config) return config.error();
  if (!*config) return Fail(path, "not a .keras file: the archive has no config.json");
  auto weights = ReadMember(archive.get(), path, "model.weights.h5");
  if (!weights) return weights.error();
  if (!*weights) {
    return Fail(path, "the archive has no model.weights.h5 (a Keras 3 .keras file holds config.json, "
                      "metadata.json and model.weights.h5)");
  }
  const std::string config_text((*config)->begin(), (*config)->end());
  auto parsed = ParseConfig(config_text);
  if (!parsed) return Fail(path, parsed.error().message);

  const std::vector<uint8_t>& h5 = **weights;
  static constexpr uint8_t kSignature[8] = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};
  if (h5.size() < 8 || std::memcmp(h5.data(), kSignature, 8) != 0) {
    return Fail(path, "model.weights.h5 in the archive is not an HDF5 file");
  }
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);  // errors become results, not stderr noise
  H5Handle fapl(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
  if (!fapl.ok() || H5Pset_fapl_core(fapl.get(), 1 << 16, 0) < 0 ||
      H5Pset_file_image(fapl.get(), const_cast<uint8_t*>(h5.data()), h5.size()) < 0) {
    return Fail(path, "cannot set up HDF5 to read model.weights.h5");
  }
  H5Handle file(H5Fopen("model.weights.h5", H5F_ACC_RDONLY, fapl.get()), H5Fclose);
  if (!file.ok()) return Fail(path, "model.weights.h5 in the archive is not a readable HDF5 file");
  auto model = BuildModel(file.get(), *parsed);
  if (!model) return Fail(path, model.error().message);
  return model;
}

}  // namespace autopilot::tflite
