// `autopilot validate --layer unit` and `--contracts`: the unit layer on hand-written artifacts
// that follow each stage's contract, and on copies of them with exactly one function wrong. The
// layer must catch every one and name the function that is wrong, with the failure's code, and
// pass the originals (which also pass the whole chain with the unit layer in it).

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "autopilot/store/run_store.h"
#include "autopilot/util/files.h"
#include "common/cli_runner.h"

namespace autopilot {
namespace {

using nlohmann::json;

const std::string kData = std::string(AUTOPILOT_TEST_DATA) + "/contracts/";

std::string Replace(std::string s, const std::string& from, const std::string& to) {
  size_t at = s.find(from);
  EXPECT_NE(at, std::string::npos) << "the artifact lacks: " << from;
  if (at != std::string::npos) s.replace(at, from.size(), to);
  return s;
}

class Contracts : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(*util::MakeTempDir("ap-contracts-"));
    std::ofstream(*dir_ + "/fruit.yaml") << "version: 1\n"
                                         << "paths:\n  work_dir: " << *dir_ << "/work\n"
                                         << "dataset:\n  raw_csv: " << AUTOPILOT_SOURCE_DIR
                                         << "/examples/fruit/data/fruit.csv\n"
                                         << "  classes: [apple, banana, orange]\n"
                                         << "sandbox:\n  timeout_s: 60\n";
  }
  static void TearDownTestSuite() {
    util::RemoveTree(*dir_);
    delete dir_;
  }

  /// Runs `validate` on `text`; returns the JSON document.
  json Validate(const std::string& stage, const std::string& ext, const std::string& text,
                const std::vector<std::string>& extra, const std::string& project = "fruit.yaml") {
    const std::string file = *dir_ + "/artifact_" + std::to_string(counter_++) + ext;
    EXPECT_TRUE(util::WriteFileAtomic(file, text).ok());
    std::vector<std::string> args = {"--json", "validate", "--stage", stage, "--project", *dir_ + "/" + project, file};
    args.insert(args.end(), extra.begin(), extra.end());
    auto r = test::RunCli(args, {{}, "", 240});
    auto doc = json::parse(r.out, nullptr, false);
    EXPECT_FALSE(doc.is_discarded()) << r.out << r.err;
    if (doc.is_discarded()) return json::object();
    doc["exit"] = r.code;
    return doc;
  }

  static const json* UnitLayer(const json& doc) {
    if (!doc.contains("layers")) return nullptr;
    for (const auto& l : doc["layers"]) {
      if (l["layer"] == "unit") return &l;
    }
    return nullptr;
  }

  /// The unit layer failed with one diagnostic naming `function` and carrying `code`.
  void ExpectCaught(const json& doc, const std::string& function, const std::string& code) {
    const json* unit = UnitLayer(doc);
    ASSERT_NE(unit, nullptr) << doc.dump(2);
    EXPECT_FALSE((*unit)["passed"].get<bool>()) << doc.dump(2);
    ASSERT_EQ((*unit)["diagnostics"].size(), 1u) << "exactly the wrong function fails: " << doc.dump(2);
    const json& d = (*unit)["diagnostics"][0];
    EXPECT_EQ(d["code"], code) << doc.dump(2);
    const std::string msg = d["message"];
    EXPECT_EQ(msg.rfind(function, 0), 0u) << "the message starts with the function: " << msg;
    EXPECT_NE(d["hint"].get<std::string>().find(function), std::string::npos) << "the hint quotes the contract";
    EXPECT_EQ(doc["exit"], 1);
  }

  void ExpectUnitPasses(const json& doc) {
    const json* unit = UnitLayer(doc);
    ASSERT_NE(unit, nullptr) << doc.dump(2);
    EXPECT_TRUE((*unit)["passed"].get<bool>()) << doc.dump(2);
  }

  static std::string* dir_;
  int counter_ = 0;
};
std::string* Contracts::dir_ = nullptr;

// --- sg ------------------------------------------------------------------------------------------

TEST_F(Contracts, SketchFollowingTheContractPassesTheUnitLayerAndTheWholeChain) {
  const std::string sketch = *util::ReadFile(kData + "sg_pass.ino");
  json unit = Validate("sg", ".ino", sketch, {"--layer", "unit"});
  ExpectUnitPasses(unit);
  ASSERT_EQ(unit["layers"].size(), 2u) << "format, then only unit: " << unit.dump(2);
  EXPECT_EQ(unit["exit"], 0);
  json full = Validate("sg", ".ino", sketch, {"--contracts"});
  EXPECT_TRUE(full["passed"].get<bool>()) << full.dump(2);
  std::vector<std::string> order;
  for (const auto& l : full["layers"]) order.push_back(l["layer"]);
  EXPECT_EQ(order, (std::vector<std::string>{"format", "static", "build", "unit", "run", "semantic"}));
}

TEST_F(Contracts, SketchWithOneWrongFunctionIsCaughtAtThatFunction) {
  const std::string sketch = *util::ReadFile(kData + "sg_pass.ino");
  struct Mutation {
    const char* function;
    const char* code;
    const char* from;
    const char* to;
  };
  const Mutation kMutations[] = {
      // ties go to the last index
      {"argmax", "semantic.wrong_output", "if (values[i] > values[best]) best = i;", "if (values[i] >= values[best]) best = i;"},
      // the ratio over two channels
      {"compute_features", "semantic.wrong_input", "float sum = raw[0] + raw[1] + raw[2];", "float sum = raw[0] + raw[1] + 1;"},
      // no saturation: wraps around
      {"quantize", "ml.dtype_mismatch", "  if (q < -128) q = -128;\n  if (q > 127) q = 127;\n", ""},
      // the zero point's sign
      {"dequantize", "ml.dtype_mismatch", "return (q - zero_point) * scale;", "return (q + zero_point) * scale;"},
  };
  for (const auto& m : kMutations) {
    SCOPED_TRACE(m.function);
    ExpectCaught(Validate("sg", ".ino", Replace(sketch, m.from, m.to), {"--layer", "unit"}), m.function, m.code);
  }
}

TEST_F(Contracts, SketchMissingAFunctionOrWithAnotherSignatureIsNamedAndTheRestStillRun) {
  const std::string sketch = *util::ReadFile(kData + "sg_pass.ino");
  // argmax under another name: missing (and the other three still tested, and right).
  std::string renamed = Replace(sketch, "int argmax(const float* values, int count) {", "int arg_max(const float* values, int count) {");
  renamed = Replace(renamed, "labels[argmax(scores, 3)]", "labels[arg_max(scores, 3)]");
  json doc = Validate("sg", ".ino", renamed, {"--layer", "unit"});
  ExpectCaught(doc, "argmax", "static.structure");
  // dequantize with an int instead of int8_t: another signature.
  std::string retyped = Replace(sketch, "float dequantize(int8_t q, float scale, int zero_point)",
                                "float dequantize(int q, float scale, int zero_point)");
  ExpectCaught(Validate("sg", ".ino", retyped, {"--layer", "unit"}), "dequantize", "build.api_mismatch");
}

TEST_F(Contracts, SketchCounterexampleNamesInputExpectedAndActual) {
  const std::string sketch = *util::ReadFile(kData + "sg_pass.ino");
  json doc = Validate("sg", ".ino",
                      Replace(sketch, "if (values[i] > values[best]) best = i;", "if (values[i] >= values[best]) best = i;"),
                      {"--layer", "unit"});
  const json* unit = UnitLayer(doc);
  ASSERT_NE(unit, nullptr);
  const std::string msg = (*unit)["diagnostics"][0]["message"];
  // The tie case: values {0.1, 0.45, 0.45} → 1 expected, 2 returned.
  EXPECT_NE(msg.find("argmax(values={0.1, 0.45, 0.45}, count=3): expected 1, got 2"), std::string::npos) << msg;
}

TEST_F(Contracts, SketchThatHangsInAFunctionNamesTheCase) {
  const std::string sketch = *util::ReadFile(kData + "sg_pass.ino");
  json doc = Validate("sg", ".ino",
                      Replace(sketch, "int best = 0;\n  for (int i = 1; i < count; i++) {",
                              "int best = 0;\n  for (int i = 1; i < count; i += 0) {"),
                      {"--layer", "unit"});
  const json* unit = UnitLayer(doc);
  ASSERT_NE(unit, nullptr) << doc.dump(2);
  ASSERT_FALSE((*unit)["passed"].get<bool>());
  bool found = false;
  for (const auto& d : (*unit)["diagnostics"]) {
    if (d["message"].get<std::string>().rfind("argmax", 0) == 0) {
      found = true;
      EXPECT_EQ(d["code"], "runtime.timeout") << d.dump();
    }
  }
  EXPECT_TRUE(found) << doc.dump(2);
}

TEST_F(Contracts, WindowFeaturesOfTheGestureApplicationAreCheckedAgainstItsPipeline) {
  // The gesture project with its paths in the test's folder.
  std::string yaml = *util::ReadFile(std::string(AUTOPILOT_SOURCE_DIR) + "/examples/gesture/autopilot.yaml");
  auto replace = [&](const std::string& from, const std::string& to) {
    size_t at = yaml.find(from);
    ASSERT_NE(at, std::string::npos) << from;
    yaml.replace(at, from.size(), to);
  };
  replace("../../.autopilot/gesture/runs.db", *dir_ + "/gesture.db");
  replace("../../.autopilot/gesture/work", *dir_ + "/gesture-work");
  replace("data/gestures.csv", std::string(AUTOPILOT_SOURCE_DIR) + "/examples/gesture/data/gestures.csv");
  ASSERT_TRUE(util::WriteFileAtomic(*dir_ + "/gesture.yaml", yaml).ok());
  // The gesture reference sketch with the contract's functions added at file scope.
  std::string sketch = *util::ReadFile(std::string(AUTOPILOT_SOURCE_DIR) + "/examples/gesture/reference_sketch.ino");
  sketch = Replace(sketch, "void setup() {", *util::ReadFile(kData + "gesture_functions.inc") + "\nvoid setup() {");
  ExpectUnitPasses(Validate("sg", ".ino", sketch, {"--layer", "unit"}, "gesture.yaml"));
  // The gyroscope normalised with the accelerometer's offset and scale.
  ExpectCaught(Validate("sg", ".ino",
                        Replace(sketch, "for (int c = 3; c < 6; c++) features[i * 6 + c] = (raw[i * 6 + c] + 2000.0f) / 4000.0f;",
                                "for (int c = 3; c < 6; c++) features[i * 6 + c] = (raw[i * 6 + c] + 4.0f) / 8.0f;"),
                        {"--layer", "unit"}, "gesture.yaml"),
               "compute_features", "semantic.wrong_input");
}

// --- dp ------------------------------------------------------------------------------------------

TEST_F(Contracts, DpScriptWithoutMainGuardIsImportedWithoutRunningItsWork) {
  const std::string script = *util::ReadFile(kData + "dp_pass.py");
  json unit = Validate("dp", ".py", script, {"--layer", "unit"});
  ExpectUnitPasses(unit);
  json full = Validate("dp", ".py", script, {"--contracts"});
  EXPECT_TRUE(full["passed"].get<bool>()) << full.dump(2);
  // A top-level statement that would fail if run (the main work) is skipped, not a failure.
  json doc = Validate("dp", ".py", script + "\nraise SystemExit('the unit layer must not run this')\n", {"--layer", "unit"});
  ExpectUnitPasses(doc);
}

TEST_F(Contracts, DpScriptWithOneWrongFunctionIsCaughtAtThatFunction) {
  const std::string script = *util::ReadFile(kData + "dp_pass.py");
  // clear == 10 is kept by the rules (below 10 is dropped); the script drops it.
  ExpectCaught(Validate("dp", ".py", Replace(script, "df[\"clear\"] >= MIN_CLEAR", "df[\"clear\"] > MIN_CLEAR"), {"--layer", "unit"}),
               "clean", "semantic.artifact_invalid");
  // duplicates kept
  ExpectCaught(Validate("dp", ".py", Replace(script, "    df = df.drop_duplicates()\n", ""), {"--layer", "unit"}), "clean",
               "semantic.artifact_invalid");
  // the ratio over two channels
  ExpectCaught(Validate("dp", ".py", Replace(script, "total = df[\"red\"] + df[\"green\"] + df[\"blue\"]", "total = df[\"red\"] + df[\"green\"]"),
                        {"--layer", "unit"}),
               "features", "semantic.wrong_input");
  // features() that needs a global the main code creates: NameError, and the message says why.
  json doc = Validate("dp", ".py", Replace(script, "    total = df[\"red\"]", "    total = raw.shape[0] * 0 + df[\"red\"]"), {"--layer", "unit"});
  ExpectCaught(doc, "features", "runtime.undefined_name");
  const std::string msg = UnitLayer(doc)->at("diagnostics")[0]["message"];
  EXPECT_NE(msg.find("does not run at import"), std::string::npos) << msg;
}

// --- mc ------------------------------------------------------------------------------------------

TEST_F(Contracts, McRepresentativeDatasetIsCheckedAgainstTheRealTrainingRows) {
  const std::string script = *util::ReadFile(kData + "mc_pass.py");
  ExpectUnitPasses(Validate("mc", ".py", script, {"--layer", "unit"}));
  json full = Validate("mc", ".py", script, {"--contracts"});
  EXPECT_TRUE(full["passed"].get<bool>()) << full.dump(2);
  ExpectCaught(Validate("mc", ".py", Replace(script, "dtype=np.float32)]", "dtype=np.float64)]"), {"--layer", "unit"}),
               "representative_dataset", "ml.conversion_config");
  json few = Validate("mc", ".py",
                      Replace(script, "        for row in csv.DictReader(f):\n",
                              "        for i, row in enumerate(csv.DictReader(f)):\n            if i >= 50:\n                return\n"),
                      {"--layer", "unit"});
  ExpectCaught(few, "representative_dataset", "ml.conversion_config");
  EXPECT_NE(UnitLayer(few)->at("diagnostics")[0]["message"].get<std::string>().find("yielded 50 samples"), std::string::npos);
}

// --- psg -----------------------------------------------------------------------------------------

class EdgeContracts : public Contracts {
 protected:
  static void SetUpTestSuite() {
    Contracts::SetUpTestSuite();
    auto r = test::RunCli({"edge", "example", *dir_, "--frames", "8"}, {{}, "", 120});
    ASSERT_EQ(r.code, 0) << r.out << r.err;
    auto entry = [&](const std::string& key, const std::string& rel) { return "  " + key + ": {file: " + rel + ", as: " + rel + "}\n"; };
    std::ofstream(*dir_ + "/pi.yaml") << "version: 1\npaths:\n  work_dir: " << *dir_ << "/work\n"
                                      << "sandbox:\n  timeout_s: 30\nedge:\n  device: raspberry_pi_4b\n"
                                      << entry("model", "models/ssd-mobilenet_v1/detect.tflite")
                                      << entry("labels", "models/ssd-mobilenet_v1/labelmap.txt")
                                      << entry("input", "data/object_detection/sheeps.mp4")
                                      << "  output: results/object_detection/test_results/sheeps_detections.mp4\n"
                                      << "  threshold: 0.5\n  validation_frames: 8\n";
    std::ofstream(*dir_ + "/coral.yaml") << "version: 1\npaths:\n  work_dir: " << *dir_ << "/work\n"
                                         << "sandbox:\n  timeout_s: 30\nedge:\n  device: coral_dev_board\n"
                                         << entry("model", "models/ssd-mobilenet_v1/detect.tflite")
                                         << entry("labels", "models/ssd-mobilenet_v1/labelmap.txt")
                                         << entry("input", "data/object_detection/sheeps.mp4")
                                         << "  output: results/object_detection/test_results/sheeps_detections.mp4\n"
                                         << "  threshold: 0.3\n  validation_frames: 8\n";
  }
};

TEST_F(EdgeContracts, TpusgRunsTheSameContractOnTheCoralsRuntime) {
  const std::string script = *util::ReadFile(kData + "psg_pass.py");
  ExpectUnitPasses(Validate("tpusg", ".py", script, {"--layer", "unit"}, "coral.yaml"));
  ExpectCaught(Validate("tpusg", ".py", Replace(script, "for i in range(n):", "for i in range(len(scores)):"), {"--layer", "unit"},
                        "coral.yaml"),
               "decode", "semantic.wrong_output");
}

TEST_F(EdgeContracts, PsgPreprocessAndDecodeAreCheckedAgainstTheReference) {
  const std::string script = *util::ReadFile(kData + "psg_pass.py");
  ExpectUnitPasses(Validate("psg", ".py", script, {"--layer", "unit"}, "pi.yaml"));
  json full = Validate("psg", ".py", script, {"--contracts"}, "pi.yaml");
  EXPECT_TRUE(full["passed"].get<bool>()) << full.dump(2);
  // BGR fed as it is
  json bgr = Validate("psg", ".py", Replace(script, "rgb = cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)", "rgb = frame"),
                      {"--layer", "unit"}, "pi.yaml");
  ExpectCaught(bgr, "preprocess", "semantic.wrong_input");
  EXPECT_NE(UnitLayer(bgr)->at("diagnostics")[0]["message"].get<std::string>().find("BGR"), std::string::npos);
  // every row read, not the first `count`
  ExpectCaught(Validate("psg", ".py", Replace(script, "for i in range(n):", "for i in range(len(scores)):"), {"--layer", "unit"}, "pi.yaml"),
               "decode", "semantic.wrong_output");
  // a score at the threshold dropped
  ExpectCaught(Validate("psg", ".py", Replace(script, "if scores[i] >= threshold:", "if scores[i] > threshold:"), {"--layer", "unit"}, "pi.yaml"),
               "decode", "semantic.wrong_output");
}

}  // namespace
}  // namespace autopilot

// --- the attempt loop ----------------------------------------------------------------------------

namespace autopilot {
namespace {

TEST_F(Contracts, RepairPromptCarriesTheCounterexampleAndTheFirstPromptTheContract) {
  // A recorded "model" that gets clean() wrong first and right after the feedback.
  const std::string good = *util::ReadFile(kData + "dp_pass.py");
  const std::string bad = Replace(good, "df[\"clear\"] >= MIN_CLEAR", "df[\"clear\"] > MIN_CLEAR");
  const std::string cassette = *dir_ + "/dp-contracts.jsonl";
  {
    std::ofstream c(cassette);
    int attempt = 0;
    for (const auto* code : {&bad, &good}) {
      json line = {{"v", 1}, {"key", "dp-" + std::to_string(++attempt)}, {"provider", "openai"}, {"model", "m"},
                   {"tag", {{"stage", "dp"}, {"attempt", attempt}}},
                   {"result", {{"ok", true}, {"text", "```python\n" + *code + "```\n"}, {"finish_reason", "stop"}}}};
      c << line.dump() << "\n";
    }
  }
  const std::string project = *dir_ + "/fruit-contracts.yaml";
  const std::string db = *dir_ + "/runs.db";
  std::ofstream(project) << "version: 1\n"
                         << "paths:\n  work_dir: " << *dir_ << "/work\n  store: " << db << "\n"
                         << "dataset:\n  raw_csv: " << AUTOPILOT_SOURCE_DIR << "/examples/fruit/data/fruit.csv\n"
                         << "  classes: [apple, banana, orange]\n"
                         << "sandbox:\n  timeout_s: 60\ncontracts: on\n";
  auto r = test::RunCli({"--json", "run", project, "--llm", "replay:" + cassette, "--stages", "dp", "--out", *dir_ + "/run-out"},
                        {{}, "", 240});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  json doc = json::parse(r.out);
  EXPECT_EQ(doc["stages"][0]["attempts"], 2);
  // The recorded request bodies: the first asks for the functions, the second shows the failure.
  auto st = store::RunStore::Open(db);
  ASSERT_TRUE(st.ok());
  auto q = st->db().Prepare("SELECT request_json FROM llm_calls ORDER BY id");
  ASSERT_TRUE(q.ok());
  std::vector<std::string> bodies;
  while (*q->Step()) bodies.push_back(q->ColumnText(0));
  ASSERT_EQ(bodies.size(), 2u);
  EXPECT_NE(bodies[0].find("clean(df: pandas.DataFrame) -> pandas.DataFrame"), std::string::npos) << "the contract in the prompt";
  EXPECT_EQ(bodies[0].find("clean fails"), std::string::npos);
  EXPECT_NE(bodies[1].find("clean fails 1 of 1 cases: clean(df of"), std::string::npos) << bodies[1];
  EXPECT_NE(bodies[1].find("which the rules keep"), std::string::npos) << bodies[1];
  EXPECT_NE(bodies[1].find("semantic.artifact_invalid"), std::string::npos);
  // The attempt's outcomes are in the store for the report.
  EXPECT_EQ(*st->db().QueryInt("SELECT COUNT(*) FROM artifacts WHERE kind = 'contracts'"), 2);
  auto rep = test::RunCli({"report", db, "--format", "md"});
  ASSERT_EQ(rep.code, 0) << rep.err;
  EXPECT_NE(rep.out.find("## Function contracts"), std::string::npos) << rep.out;
  EXPECT_NE(rep.out.find("| `clean` | 2 | 50.0%"), std::string::npos) << rep.out;
}

}  // namespace
}  // namespace autopilot
