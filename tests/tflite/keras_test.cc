// Keras .keras input: archives written here (libzip + the HDF5 C API, Keras 3 layout) from known
// weights, converted, checked against a hand-computed MLP, quantized, and broken on purpose.

#include <gtest/gtest.h>
#include <hdf5.h>
#include <zip.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>

#include <nlohmann/json.hpp>

#include "autopilot/exec/process_runner.h"
#include "autopilot/tflite/dataset.h"
#include "autopilot/tflite/fruit_synth.h"
#include "autopilot/tflite/interpreter.h"
#include "autopilot/tflite/keras.h"
#include "autopilot/tflite/quantizer.h"
#include "autopilot/tflite/trainer.h"
#include "autopilot/util/files.h"

namespace autopilot::tflite {
namespace {

using nlohmann::json;

// One Dense layer as a Keras user defines it: kernel [in, units] row-major, bias [units].
struct DenseSpec {
  std::string name;
  int in = 0, units = 0;
  std::string activation = "linear";
  bool use_bias = true;
  std::vector<float> kernel;
  std::vector<float> bias;
};

struct Dataset {
  std::string path;  // e.g. "layers/dense/vars/0"
  std::vector<hsize_t> dims;
  std::vector<float> values;
};

// Writes an HDF5 file holding float32 datasets at the given paths (groups made as needed).
void WriteH5(const std::string& file_path, const std::vector<Dataset>& sets) {
  const hid_t f = H5Fcreate(file_path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  ASSERT_GE(f, 0);
  auto ensure_group = [&](const std::string& g) {
    if (H5Lexists(f, g.c_str(), H5P_DEFAULT) > 0) return;
    const hid_t id = H5Gcreate2(f, g.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    ASSERT_GE(id, 0) << g;
    H5Gclose(id);
  };
  ensure_group("vars");  // Keras 3 writes the model's own (empty) variable group too
  for (const Dataset& d : sets) {
    for (size_t slash = d.path.find('/'); slash != std::string::npos; slash = d.path.find('/', slash + 1)) {
      ensure_group(d.path.substr(0, slash));
    }
    const hid_t space = H5Screate_simple(static_cast<int>(d.dims.size()), d.dims.data(), nullptr);
    const hid_t ds = H5Dcreate2(f, d.path.c_str(), H5T_IEEE_F32LE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    ASSERT_GE(ds, 0) << d.path;
    ASSERT_GE(H5Dwrite(ds, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, d.values.data()), 0);
    H5Dclose(ds);
    H5Sclose(space);
  }
  H5Fclose(f);
}

std::string ReadBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Writes a zip archive with the given members (name → bytes).
void WriteZip(const std::string& path, const std::map<std::string, std::string>& members) {
  int err = 0;
  zip_t* z = zip_open(path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &err);
  ASSERT_NE(z, nullptr);
  for (const auto& [name, bytes] : members) {
    zip_source_t* src = zip_source_buffer(z, bytes.data(), bytes.size(), 0);  // members outlive zip_close
    ASSERT_NE(src, nullptr);
    ASSERT_GE(zip_file_add(z, name.c_str(), src, ZIP_FL_OVERWRITE), 0);
  }
  ASSERT_EQ(zip_close(z), 0);
}

// config.json for a Keras 3 Sequential: InputLayer, the Dense layers, optional extra layers
// inserted before Dense number `at`.
json SequentialConfig(const std::vector<DenseSpec>& dense, const std::map<size_t, json>& extra = {}) {
  json layers = json::array();
  layers.push_back({{"module", "keras.layers"}, {"class_name", "InputLayer"},
                    {"config", {{"batch_shape", {nullptr, dense[0].in}}, {"dtype", "float32"},
                                {"sparse", false}, {"name", "input_layer"}}},
                    {"registered_name", nullptr}});
  for (size_t i = 0; i < dense.size(); ++i) {
    if (auto e = extra.find(i); e != extra.end()) layers.push_back(e->second);
    const DenseSpec& d = dense[i];
    layers.push_back(
        {{"module", "keras.layers"}, {"class_name", "Dense"},
         {"config", {{"name", d.name}, {"trainable", true},
                     {"dtype", {{"module", "keras"}, {"class_name", "DTypePolicy"}, {"config", {{"name", "float32"}}}}},
                     {"units", d.units}, {"activation", d.activation}, {"use_bias", d.use_bias},
                     {"kernel_initializer", {{"module", "keras.initializers"}, {"class_name", "GlorotUniform"}}}}},
         {"registered_name", nullptr},
         {"build_config", {{"input_shape", {nullptr, d.in}}}}});
  }
  return {{"module", "keras"}, {"class_name", "Sequential"},
          {"config", {{"name", "sequential"}, {"trainable", true}, {"layers", layers}}},
          {"registered_name", nullptr},
          {"build_config", {{"input_shape", {nullptr, dense[0].in}}}},
          {"compile_config", nullptr}};
}

// Weight datasets in the Keras 3 layout: layers/dense, layers/dense_1, … (by class, not name).
std::vector<Dataset> WeightSets(const std::vector<DenseSpec>& dense, const std::string& prefix = "layers/") {
  std::vector<Dataset> sets;
  for (size_t i = 0; i < dense.size(); ++i) {
    const std::string key = prefix + (i == 0 ? "dense" : "dense_" + std::to_string(i)) + "/vars/";
    const DenseSpec& d = dense[i];
    sets.push_back({key + "0", {static_cast<hsize_t>(d.in), static_cast<hsize_t>(d.units)}, d.kernel});
    if (d.use_bias) sets.push_back({key + "1", {static_cast<hsize_t>(d.units)}, d.bias});
  }
  return sets;
}

class tflite_Keras : public ::testing::Test {
 protected:
  void SetUp() override {
    auto d = util::MakeTempDir("tflite-keras-");
    ASSERT_TRUE(d.ok());
    dir_ = *d;
  }
  void TearDown() override { util::RemoveTree(dir_); }

  // Writes NAME.keras from a config and weight datasets; returns its path.
  std::string WriteKeras(const std::string& name, const json& config, const std::vector<Dataset>& sets,
                         bool with_weights = true) {
    const std::string h5 = dir_ + "/" + name + ".weights.h5";
    WriteH5(h5, sets);
    std::map<std::string, std::string> members{
        {"config.json", config.dump()},
        {"metadata.json", R"({"keras_version": "3.6.0", "date_saved": "2024-11-19@12:41:49"})"}};
    if (with_weights) members["model.weights.h5"] = ReadBytes(h5);
    const std::string path = dir_ + "/" + name + ".keras";
    WriteZip(path, members);
    return path;
  }

  std::string dir_;
};

std::vector<DenseSpec> SmallNet() {
  DenseSpec h{"hidden", 3, 4, "relu", true,
              {0.5f, -1.0f, 0.25f, 2.0f, 1.5f, 0.75f, -0.5f, -2.0f, -0.25f, 1.0f, 0.125f, 0.5f},
              {0.1f, -0.2f, 0.3f, 0.0f}};
  DenseSpec o{"probabilities", 4, 3, "softmax", true,
              {1.0f, -1.0f, 0.5f, 0.25f, 0.75f, -0.5f, -1.5f, 0.5f, 1.0f, 0.0f, 2.0f, -1.0f},
              {0.05f, -0.05f, 0.0f}};
  return {h, o};
}

// The MLP by hand: relu/linear/softmax per layer.
std::vector<double> HandForward(const std::vector<DenseSpec>& net, std::vector<double> x) {
  for (const DenseSpec& d : net) {
    std::vector<double> y(static_cast<size_t>(d.units));
    for (int o = 0; o < d.units; ++o) {
      double s = d.use_bias ? d.bias[static_cast<size_t>(o)] : 0.0;
      for (int i = 0; i < d.in; ++i) s += x[static_cast<size_t>(i)] * d.kernel[static_cast<size_t>(i * d.units + o)];
      y[static_cast<size_t>(o)] = s;
    }
    if (d.activation == "relu") {
      for (auto& v : y) v = std::max(0.0, v);
    } else if (d.activation == "softmax") {
      const double mx = *std::max_element(y.begin(), y.end());
      double sum = 0;
      for (auto& v : y) sum += (v = std::exp(v - mx));
      for (auto& v : y) v /= sum;
    }
    x = y;
  }
  return x;
}

void ExpectMatchesHand(const Model& model, const std::vector<DenseSpec>& net) {
  auto interp = Interpreter::Create(model);
  ASSERT_TRUE(interp.ok()) << interp.error().message;
  const std::vector<std::vector<float>> inputs{{0.2f, 0.3f, 0.5f}, {1.0f, -2.0f, 0.5f}, {-0.7f, 0.1f, 3.0f}, {0, 0, 0}};
  for (const auto& in : inputs) {
    ASSERT_TRUE(interp->SetInputFloat(0, in).ok());
    interp->Invoke();
    const auto got = interp->OutputValues(0, false);
    const auto want = HandForward(net, std::vector<double>(in.begin(), in.end()));
    ASSERT_EQ(got.size(), want.size());
    for (size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], want[i], 1e-6) << "output " << i;
  }
}

TEST_F(tflite_Keras, DenseStackMatchesHandComputation) {
  const auto net = SmallNet();
  // A Dropout between the layers: identity at inference, and it does not shift the Dense keys.
  const json dropout = {{"module", "keras.layers"}, {"class_name", "Dropout"},
                        {"config", {{"name", "dropout"}, {"rate", 0.2}}}};
  const std::string path = WriteKeras("small", SequentialConfig(net, {{1, dropout}}), WeightSets(net));
  auto model = LoadKerasModel(path);
  ASSERT_TRUE(model.ok()) << model.error().message;
  const SubGraph& sg = model->subgraphs[0];
  ASSERT_EQ(sg.operators.size(), 3u);
  EXPECT_EQ(sg.operators[0].builtin_code, op::kFullyConnected);
  EXPECT_EQ(sg.operators[0].options.activation, Activation::kRelu);
  EXPECT_EQ(sg.operators[1].builtin_code, op::kFullyConnected);
  EXPECT_EQ(sg.operators[2].builtin_code, op::kSoftmax);
  EXPECT_EQ(sg.tensors[static_cast<size_t>(sg.inputs[0])].shape, (std::vector<int32_t>{1, 3}));
  ExpectMatchesHand(*model, net);
}

TEST_F(tflite_Keras, ReadsKeras2CheckpointLayoutAndSeparateActivations) {
  auto net = SmallNet();
  net[0].activation = "linear";
  net[1].activation = "linear";
  net[1].use_bias = false;
  const json relu = {{"class_name", "Activation"}, {"config", {{"name", "act"}, {"activation", "relu"}}}};
  json config = SequentialConfig(net, {{1, relu}});
  config["config"]["layers"].push_back({{"class_name", "Softmax"}, {"config", {{"name", "softmax"}, {"axis", -1}}}});
  const std::string path = WriteKeras("k2", config, WeightSets(net, "_layer_checkpoint_dependencies/"));
  auto model = LoadKerasModel(path);
  ASSERT_TRUE(model.ok()) << model.error().message;
  EXPECT_EQ(model->subgraphs[0].operators[0].options.activation, Activation::kRelu);  // folded
  net[0].activation = "relu";
  net[1].activation = "softmax";
  ExpectMatchesHand(*model, net);
}

// The float MLP of the built-in trainer, re-expressed as Keras Dense layers.
std::vector<DenseSpec> DenseFromTrained(const Model& m) {
  std::vector<DenseSpec> net;
  const SubGraph& sg = m.subgraphs[0];
  for (const Operator& o : sg.operators) {
    if (o.builtin_code == op::kSoftmax) {
      net.back().activation = "softmax";
      continue;
    }
    const Tensor& w = sg.tensors[static_cast<size_t>(o.inputs[1])];
    const Tensor& b = sg.tensors[static_cast<size_t>(o.inputs[2])];
    DenseSpec d;
    d.name = "layer_" + std::to_string(net.size());
    d.units = w.shape[0];
    d.in = w.shape[1];
    d.activation = o.options.activation == Activation::kRelu ? "relu" : "linear";
    std::vector<float> wv(static_cast<size_t>(d.units * d.in));
    std::memcpy(wv.data(), m.buffers[w.buffer].data.data(), wv.size() * sizeof(float));
    d.bias.resize(static_cast<size_t>(d.units));
    std::memcpy(d.bias.data(), m.buffers[b.buffer].data.data(), d.bias.size() * sizeof(float));
    d.kernel.resize(wv.size());
    for (int out = 0; out < d.units; ++out)
      for (int in = 0; in < d.in; ++in)
        d.kernel[static_cast<size_t>(in * d.units + out)] = wv[static_cast<size_t>(out * d.in + in)];
    net.push_back(std::move(d));
  }
  return net;
}

double Accuracy(const Model& model, const std::vector<std::vector<float>>& x, const std::vector<int>& y) {
  auto interp = Interpreter::Create(model);
  EXPECT_TRUE(interp.ok()) << interp.error().message;
  if (!interp.ok()) return 0;
  size_t correct = 0;
  for (size_t r = 0; r < x.size(); ++r) {
    EXPECT_TRUE(interp->SetInputFloat(0, x[r]).ok());
    interp->Invoke();
    const auto out = interp->OutputValues(0, true);
    if (std::max_element(out.begin(), out.end()) - out.begin() == y[r]) ++correct;
  }
  return static_cast<double>(correct) / static_cast<double>(x.size());
}

TEST_F(tflite_Keras, FruitModelFromKerasQuantizesWithinTwoPoints) {
  const std::vector<std::string> specs{"red/(red+green+blue)", "green/(red+green+blue)", "blue/(red+green+blue)"};
  const Table train = SynthesizeFruit(1500, 7), test = SynthesizeFruit(800, 99);
  auto xtr = ExtractFeatures(train, specs);
  auto xte = ExtractFeatures(test, specs);
  ASSERT_TRUE(xtr.ok() && xte.ok());
  std::vector<std::string> classes;
  auto ytr = ExtractLabels(train, "label", &classes);
  auto yte = ExtractLabels(test, "label", &classes);
  ASSERT_TRUE(ytr.ok() && yte.ok());
  TrainOptions opt;
  opt.seed = 3;
  auto trained = TrainMlp(*xtr, *ytr, specs, classes, opt);
  ASSERT_TRUE(trained.ok()) << trained.error().message;

  const auto net = DenseFromTrained(trained->model);
  const std::string path = WriteKeras("fruit", SequentialConfig(net), WeightSets(net));
  auto keras = LoadKerasModel(path);
  ASSERT_TRUE(keras.ok()) << keras.error().message;
  auto q = QuantizeModel(*keras, *xtr, IoType::kInt8);
  ASSERT_TRUE(q.ok()) << q.error().message;
  EXPECT_EQ(q->subgraphs[0].tensors[static_cast<size_t>(q->subgraphs[0].inputs[0])].type, DType::kInt8);

  const double reference = Accuracy(trained->model, *xte, *yte);
  const double fa = Accuracy(*keras, *xte, *yte);
  const double qa = Accuracy(*q, *xte, *yte);
  std::cout << "[keras fruit] float (.tflite trainer) " << reference << ", float (.keras) " << fa
            << ", int8 from .keras " << qa << "\n";
  EXPECT_DOUBLE_EQ(fa, reference);
  EXPECT_GT(fa, 0.85);
  EXPECT_LE(std::abs(fa - qa), 0.02) << "float " << fa << " int8 " << qa;
}

// The same through the binary: model quantize and model eval on the .keras file.
TEST_F(tflite_Keras, CliQuantizesAndEvaluatesKerasFile) {
  const std::string features = "red/(red+green+blue),green/(red+green+blue),blue/(red+green+blue)";
  const Table train = SynthesizeFruit(1500, 7), test = SynthesizeFruit(800, 99);
  ASSERT_TRUE(util::WriteFileAtomic(dir_ + "/train.csv", FormatCsv(train)).ok());
  ASSERT_TRUE(util::WriteFileAtomic(dir_ + "/test.csv", FormatCsv(test)).ok());
  auto x = ExtractFeatures(train, {"red/(red+green+blue)", "green/(red+green+blue)", "blue/(red+green+blue)"});
  std::vector<std::string> classes;
  auto y = ExtractLabels(train, "label", &classes);
  ASSERT_TRUE(x.ok() && y.ok());
  TrainOptions opt;
  opt.seed = 3;
  auto trained = TrainMlp(*x, *y, {}, classes, opt);
  ASSERT_TRUE(trained.ok());
  const auto net = DenseFromTrained(trained->model);
  WriteKeras("fruit", SequentialConfig(net), WeightSets(net));
  auto cli = [&](std::vector<std::string> args) {
    exec::ProcessRequest req;
    req.argv = {AUTOPILOT_BINARY};
    req.argv.insert(req.argv.end(), args.begin(), args.end());
    req.workdir = dir_;
    req.policy.timeout_s = 120;
    req.policy.isolate_network = false;
    req.policy.drop_privileges = false;
    req.policy.inherit_env = true;
    req.policy.memory_mb = 0;
    req.policy.max_processes = 0;
    exec::SandboxRunner runner;
    auto r = runner.Run(req);
    EXPECT_TRUE(r.ok());
    EXPECT_EQ(r->exit_code, 0) << r->stdout_data << r->stderr_data;
    return json::parse(r->stdout_data, nullptr, false);
  };
  cli({"model", "quantize", "fruit.keras", "--representative", "train.csv", "--features", features,
       "--io", "uint8", "-o", "int8.tflite", "--json"});
  const json fe = cli({"model", "eval", "fruit.keras", "--data", "test.csv", "--features", features,
                       "--label", "label", "--json"});
  const json qe = cli({"model", "eval", "int8.tflite", "--data", "test.csv", "--features", features,
                       "--label", "label", "--json"});
  ASSERT_TRUE(fe.contains("accuracy") && qe.contains("accuracy"));
  const double fa = fe["accuracy"], qa = qe["accuracy"];
  std::cout << "[keras cli] model eval fruit.keras " << fa << ", int8.tflite (uint8 I/O) " << qa << "\n";
  EXPECT_GT(fa, 0.85);
  EXPECT_LE(std::abs(fa - qa), 0.02);
}

void ExpectError(const Result<Model>& r, const std::string& fragment) {
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "ml.conversion_config");
  EXPECT_NE(r.error().message.find(fragment), std::string::npos) << r.error().message;
}

TEST_F(tflite_Keras, MalformedInputsGiveClearErrors) {
  const auto net = SmallNet();
  // Not a zip.
  ASSERT_TRUE(util::WriteFileAtomic(dir_ + "/text.keras", "this is not an archive\n").ok());
  ExpectError(LoadKerasModel(dir_ + "/text.keras"), "not a zip archive");
  ExpectError(LoadKerasModel(dir_ + "/missing.keras"), "cannot open");
  // A zip without the weights.
  ExpectError(LoadKerasModel(WriteKeras("noweights", SequentialConfig(net), WeightSets(net), false)),
              "no model.weights.h5");
  // A zip whose weights member is not HDF5.
  WriteZip(dir_ + "/garbage.keras", {{"config.json", SequentialConfig(net).dump()},
                                     {"model.weights.h5", std::string(4096, 'x')}});
  ExpectError(LoadKerasModel(dir_ + "/garbage.keras"), "not an HDF5 file");
  // HDF5 signature, truncated body.
  WriteKeras("ok", SequentialConfig(net), WeightSets(net));
  const std::string h5 = ReadBytes(dir_ + "/ok.weights.h5");
  WriteZip(dir_ + "/truncated.keras", {{"config.json", SequentialConfig(net).dump()},
                                       {"model.weights.h5", h5.substr(0, h5.size() / 3)}});
  EXPECT_FALSE(LoadKerasModel(dir_ + "/truncated.keras").ok());
  // An unsupported layer, named.
  const json conv = {{"class_name", "Conv2D"}, {"config", {{"name", "conv_a"}, {"filters", 8}}}};
  ExpectError(LoadKerasModel(WriteKeras("conv", SequentialConfig(net, {{1, conv}}), WeightSets(net))),
              "layer 'conv_a' (Conv2D) is not supported");
  // An unsupported activation, named with its layer.
  auto gelu = net;
  gelu[0].activation = "gelu";
  ExpectError(LoadKerasModel(WriteKeras("gelu", SequentialConfig(gelu), WeightSets(gelu))),
              "layer 'hidden' (Dense): activation 'gelu' is not supported");
  // A kernel of the wrong shape.
  auto sets = WeightSets(net);
  sets[2].dims = {3, 3};
  sets[2].values.resize(9);
  ExpectError(LoadKerasModel(WriteKeras("shape", SequentialConfig(net), sets)),
              "kernel layers/dense_1/vars/0 has shape [3, 3], expected [4, 3]");
  // Weights missing for a layer.
  sets = WeightSets(net);
  sets.resize(2);
  ExpectError(LoadKerasModel(WriteKeras("short", SequentialConfig(net), sets)),
              "layer 'probabilities' (Dense): no weights in model.weights.h5");
  // Not a Sequential, and not JSON.
  json functional = SequentialConfig(net);
  functional["class_name"] = "Functional";
  ExpectError(LoadKerasModel(WriteKeras("func", functional, WeightSets(net))), "not a Sequential");
  WriteZip(dir_ + "/badjson.keras", {{"config.json", "{nope"}, {"model.weights.h5", h5}});
  ExpectError(LoadKerasModel(dir_ + "/badjson.keras"), "config.json is not a JSON object");
}

}  // namespace
}  // namespace autopilot::tflite
