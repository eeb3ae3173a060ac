// `autopilot validate`: each stage's chain on hand-written code, passing and failing.

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "autopilot/exec/process_runner.h"
#include "autopilot/util/files.h"

namespace autopilot {
namespace {

using nlohmann::json;

class Validate : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = *util::MakeTempDir("ap-validate-");
    project_ = dir_ + "/autopilot.yaml";
    std::ofstream(project_) << "version: 1\n"
                            << "paths:\n  work_dir: " << dir_ << "/work\n"
                            << "dataset:\n  raw_csv: " << AUTOPILOT_SOURCE_DIR << "/examples/fruit/data/fruit.csv\n"
                            << "  classes: [apple, banana, orange]\n"
                            << "sandbox:\n  timeout_s: 30\n";
  }
  void TearDown() override { util::RemoveTree(dir_); }

  json Run(const std::string& stage, const std::string& file, int* code) {
    exec::ProcessRequest req;
    req.argv = {AUTOPILOT_BINARY, "--json", "validate", "--stage", stage, "--project", project_, file};
    req.policy.timeout_s = 120;
    req.policy.isolate_network = false;
    req.policy.drop_privileges = false;
    req.policy.inherit_env = true;
    req.policy.isolate_filesystem = false;  // the tool under test is trusted: it sees the checkout
    req.policy.memory_mb = 0;
    req.policy.max_processes = 0;
    req.workdir = "/tmp";
    exec::SandboxRunner runner;
    auto r = runner.Run(req);
    EXPECT_TRUE(r.ok());
    *code = r->exit_code;
    json j = json::parse(r->stdout_data, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << r->stdout_data << r->stderr_data;
    return j;
  }
  std::string Write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ + "/" + name) << text;
    return dir_ + "/" + name;
  }
  static std::string LastLayer(const json& j) { return j["layers"].back()["layer"]; }

  std::string dir_, project_;
};

// A DP script with only the standard library (pandas is not required to judge the chain).
const char* kGoodDp = R"PY(import csv, random
rows, seen = [], set()
with open('raw.csv') as f:
    for r in csv.DictReader(f):
        key = tuple(r.values())
        if key in seen:
            continue
        seen.add(key)
        red, green, blue = float(r['red']), float(r['green']), float(r['blue'])
        if float(r['clear']) < 10 or float(r['proximity']) > 0 or red + green + blue <= 0:
            continue
        s = red + green + blue
        rows.append([red / s, green / s, blue / s, r['label']])
random.seed(42)
by = {}
for row in rows:
    by.setdefault(row[3], []).append(row)
train, test = [], []
for label, items in by.items():
    random.shuffle(items)
    n = round(len(items) * 0.2)
    test += items[:n]
    train += items[n:]
for name, part in (('train.csv', train), ('test.csv', test)):
    with open(name, 'w', newline='') as f:
        w = csv.writer(f)
        w.writerow(['r_ratio', 'g_ratio', 'b_ratio', 'label'])
        w.writerows(part)
)PY";

TEST_F(Validate, DpGoodScriptPassesEveryLayer) {
  int code = 0;
  json j = Run("dp", Write("dp.py", kGoodDp), &code);
  EXPECT_EQ(code, 0) << j.dump(2);
  EXPECT_EQ(j["passed"], true);
  EXPECT_EQ(LastLayer(j), "semantic");
}

// What an LLM typically writes: pandas + sklearn.
const char* kPandasDp = R"PY(import pandas as pd
from sklearn.model_selection import train_test_split

df = pd.read_csv('raw.csv').drop_duplicates()
df = df[(df['clear'] >= 10) & (df['proximity'] <= 0)]
total = df['red'] + df['green'] + df['blue']
df = df[total > 0]
out = pd.DataFrame({
    'r_ratio': df['red'] / total[total > 0],
    'g_ratio': df['green'] / total[total > 0],
    'b_ratio': df['blue'] / total[total > 0],
    'label': df['label'],
})
train, test = train_test_split(out, test_size=0.2, stratify=out['label'], random_state=42)
train.to_csv('train.csv', index=False)
test.to_csv('test.csv', index=False)
)PY";

TEST_F(Validate, DpPandasScriptPassesAndForgottenIndexFlagIsCaught) {
  if (!util::PathExists("/usr/lib/python3/dist-packages/pandas")) GTEST_SKIP() << "python3-pandas not installed";
  int code = 0;
  json j = Run("dp", Write("dp.py", kPandasDp), &code);
  EXPECT_EQ(code, 0) << j.dump(2);
  std::string with_index = kPandasDp;
  with_index.replace(with_index.find("train.to_csv('train.csv', index=False)"), 38, "train.to_csv('train.csv')");
  json k = Run("dp", Write("dp2.py", with_index), &code);
  EXPECT_EQ(code, 1);
  EXPECT_NE(k.dump().find("the DataFrame index?"), std::string::npos) << k.dump(2);
}

TEST_F(Validate, DpWrongMathsFailsTheSemanticLayer) {
  std::string wrong = kGoodDp;
  wrong.replace(wrong.find("[red / s, green / s, blue / s"), 29, "[red / 255, green / 255, blue / 255");
  int code = 0;
  json j = Run("dp", Write("dp.py", wrong), &code);
  EXPECT_EQ(code, 1);
  EXPECT_EQ(LastLayer(j), "semantic");
  EXPECT_NE(j["codes"].dump().find("semantic.artifact_invalid"), std::string::npos) << j.dump(2);
}

TEST_F(Validate, DpRuntimeErrorStopsAtTheRunLayer) {
  int code = 0;
  json j = Run("dp", Write("dp.py", "import csv\nrows = list(csv.reader(open('fruit_data.csv')))\n"), &code);
  EXPECT_EQ(code, 1);
  EXPECT_EQ(LastLayer(j), "run");
  EXPECT_EQ(j["codes"][0], "runtime.file_not_found");
}

TEST_F(Validate, RawReplyGoesThroughTheFormatLayer) {
  int code = 0;
  json j = Run("dp", Write("reply.md", "I cannot see your data, sorry."), &code);
  EXPECT_EQ(code, 1);
  EXPECT_EQ(LastLayer(j), "format");
  json k = Run("dp", Write("reply2.md", std::string("Here:\n```python\n") + kGoodDp + "```\n"), &code);
  EXPECT_EQ(code, 0) << k.dump(2);
}

TEST_F(Validate, McScriptThatWritesNothingIsArtifactMissing) {
  int code = 0;
  json j = Run("mc", Write("mc.py", "import os\nprint(os.listdir('.'))\n"), &code);
  EXPECT_EQ(code, 1);
  EXPECT_EQ(j["codes"][0], "semantic.artifact_missing") << j.dump(2);
}

TEST_F(Validate, McCopyingTheFloatModelIsNotQuantized) {
  int code = 0;
  json j = Run("mc", Write("mc.py", "import shutil\nshutil.copy('float_model.tflite', 'model_int8.tflite')\n"), &code);
  EXPECT_EQ(code, 1);
  EXPECT_NE(j["codes"].dump().find("ml.not_quantized"), std::string::npos) << j.dump(2);
}

TEST_F(Validate, SgReferenceSketchPassesAndWrongFeaturesFail) {
  int code = 0;
  json j = Run("sg", std::string(AUTOPILOT_SOURCE_DIR) + "/examples/fruit/reference_sketch.ino", &code);
  EXPECT_EQ(code, 0) << j.dump(2);
  EXPECT_EQ(LastLayer(j), "semantic");
  auto text = util::ReadFile(std::string(AUTOPILOT_SOURCE_DIR) + "/examples/fruit/reference_sketch.ino");
  std::string wrong = *text;
  wrong.replace(wrong.find("{r / sum, g / sum, b / sum}"), 27, "{r / 255.0f, g / 255.0f, b / 255.0f}");
  json k = Run("sg", Write("wrong.ino", wrong), &code);
  EXPECT_EQ(code, 1);
  EXPECT_NE(k["codes"].dump().find("semantic.wrong_input"), std::string::npos) << k.dump(2);
}

TEST_F(Validate, SgCompileErrorStopsAtTheBuildLayer) {
  int code = 0;
  auto text = util::ReadFile(std::string(AUTOPILOT_SOURCE_DIR) + "/examples/fruit/reference_sketch.ino");
  std::string bad = *text;
  bad.replace(bad.find("APDS.begin()"), 12, "APDS.enableColor()");
  json j = Run("sg", Write("bad.ino", bad), &code);
  EXPECT_EQ(code, 1);
  EXPECT_EQ(LastLayer(j), "build") << j.dump(2);
  EXPECT_NE(j["codes"].dump().find("build."), std::string::npos);
}

}  // namespace
}  // namespace autopilot
