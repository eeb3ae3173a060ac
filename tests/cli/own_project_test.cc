// A user's own project with no code changes (#14): a colour classifier with four classes from the
// user's own CSV, and an IMU project with another window, order, trigger and normalisation than
// the gesture example. Each is checked (`config check`), judged on hand-written artifacts
// (`validate`, right and wrong) and run on a scripted session (`run --stages dp,train,mc`).

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <random>

#include "autopilot/util/files.h"
#include "common/cli_runner.h"

namespace autopilot {
namespace {

using nlohmann::json;

/// A cassette line answering `stage` attempt `attempt` with `code` in a python block.
std::string Reply(const std::string& stage, int attempt, const std::string& code) {
  json line = {{"v", 1},
               {"key", stage + std::to_string(attempt)},
               {"provider", "openai"},
               {"model", "scripted-user"},
               {"tag", {{"stage", stage}, {"attempt", attempt}}},
               {"result", {{"ok", true}, {"text", "```python\n" + code + "```\n"}, {"finish_reason", "stop"}}}};
  return line.dump() + "\n";
}

std::string Shape(const std::string& inspect, const char* which) {
  auto doc = json::parse(inspect, nullptr, false);
  if (doc.is_discarded() || !doc.contains("subgraphs")) return "?";
  return doc["subgraphs"][0][which][0]["shape"].dump();
}
std::string InputShape(const std::string& inspect) { return Shape(inspect, "inputs"); }
std::string OutputShape(const std::string& inspect) { return Shape(inspect, "outputs"); }

const char* kMcScript = R"(import numpy as np
import pandas as pd
import autopilot_tflite as at

rep = pd.read_csv("representative.csv")
rep = rep.drop(columns=[c for c in ("label",) if c in rep.columns]).to_numpy(dtype=np.float32)
model = at.load_float_model("float_model.tflite")
at.write_int8_model("model_int8.tflite", model, rep, input_dtype="int8", output_dtype="int8")
)";

class OwnProject : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = *util::MakeTempDir("ap-own-"); }
  void TearDown() override { util::RemoveTree(dir_); }

  test::CliRun Cli(const std::vector<std::string>& args, double timeout_s = 240) {
    return test::RunCli(args, {{}, "", timeout_s});
  }
  std::string Write(const std::string& name, const std::string& text) {
    const std::string path = dir_ + "/" + name;
    EXPECT_TRUE(util::WriteFileAtomic(path, text).ok());
    return path;
  }
  bool Passed(const test::CliRun& r) {
    auto doc = json::parse(r.out, nullptr, false);
    return !doc.is_discarded() && doc.value("passed", false);
  }
  std::string dir_;
};

TEST_F(OwnProject, FourColourClassesFromTheUsersOwnCsv) {
  // The user's readings: four fruits, their own colour ranges, some dark and far rows.
  std::mt19937 rng(5);
  std::uniform_real_distribution<double> u(0, 1);
  const struct { const char* name; double r, g, b; } kinds[] = {
      {"apple", 0.55, 0.25, 0.20}, {"banana", 0.45, 0.42, 0.13}, {"orange", 0.62, 0.27, 0.11}, {"lime", 0.28, 0.52, 0.20}};
  std::string csv = "red,green,blue,clear,proximity,label\n";
  for (int i = 0; i < 240; ++i) {
    const auto& k = kinds[i % 4];
    const double total = 150 + 100 * u(rng);
    const double jr = k.r + 0.02 * (u(rng) - 0.5), jg = k.g + 0.02 * (u(rng) - 0.5);
    const int clear = i % 29 == 0 ? 5 : static_cast<int>(total * 1.2);
    const int prox = i % 31 == 0 ? 40 : 0;
    csv += std::to_string(static_cast<int>(total * jr)) + "," + std::to_string(static_cast<int>(total * jg)) + "," +
           std::to_string(static_cast<int>(total * (1 - jr - jg))) + "," + std::to_string(clear) + "," +
           std::to_string(prox) + "," + k.name + "\n";
  }
  Write("my_fruit.csv", csv);
  const std::string project = Write("fruit4.yaml", "version: 1\npaths:\n  work_dir: " + dir_ + "/work\n  store: " + dir_ +
                                                       "/runs.db\ndataset:\n  raw_csv: my_fruit.csv\n"
                                                       "  classes: [apple, banana, orange, lime]\n");
  auto check = Cli({"config", "check", project});
  ASSERT_EQ(check.code, 0) << check.out << check.err;

  const std::string dp = R"(import pandas as pd
from sklearn.model_selection import train_test_split
df = pd.read_csv("raw.csv")
df = df[(df["clear"] >= 10) & (df["proximity"] <= 0)].drop_duplicates()
s = df["red"] + df["green"] + df["blue"]
out = pd.DataFrame({"r_ratio": df["red"] / s, "g_ratio": df["green"] / s, "b_ratio": df["blue"] / s, "label": df["label"]})
train, test = train_test_split(out, test_size=0.2, random_state=42, stratify=out["label"])
train.to_csv("train.csv", index=False)
test.to_csv("test.csv", index=False)
)";
  auto ok = Cli({"--json", "validate", "--stage", "dp", "--project", project, Write("dp.py", dp)});
  EXPECT_EQ(ok.code, 0) << ok.out << ok.err;
  // Keeping the dark and far rows is caught on the user's data too.
  std::string leaky = dp;
  leaky.replace(leaky.find("df = df[(df"), leaky.find("\ns = ") - leaky.find("df = df[(df"), "df = df.drop_duplicates()");
  auto bad = Cli({"--json", "validate", "--stage", "dp", "--project", project, Write("dp_bad.py", leaky)});
  EXPECT_EQ(bad.code, 1) << bad.out;
  EXPECT_NE(bad.out.find("no cleaned input sample"), std::string::npos) << bad.out;
  EXPECT_NE(bad.out.find("the cleaning drops"), std::string::npos) << "the hint names the cleaning: " << bad.out;

  const std::string cassette = Write("session.jsonl", Reply("dp", 1, dp) + Reply("mc", 1, kMcScript));
  auto run = Cli({"--json", "run", project, "--llm", "replay:" + cassette, "--stages", "dp,train,mc", "--out", dir_ + "/out"});
  EXPECT_EQ(run.code, 0) << run.out << run.err;
  EXPECT_TRUE(Passed(run)) << run.out;
  auto inspect = Cli({"--json", "model", "inspect", dir_ + "/out/model_int8.tflite"});
  EXPECT_EQ(OutputShape(inspect.out), "[1,4]") << "four classes out: " << inspect.out;
}

TEST_F(OwnProject, AnImuProjectWithItsOwnWindowOrderAndNormalisation) {
  auto synth = Cli({"data", "synth", "gesture", "--gestures", "punch,flex,wave", "--samples", "50", "--rate", "50",
                    "--recordings", "12", "--seed", "9", "-o", dir_ + "/imu.csv"});
  ASSERT_EQ(synth.code, 0) << synth.err;
  const std::string project = Write("imu.yaml", "version: 1\npaths:\n  work_dir: " + dir_ + "/work\n  store: " + dir_ +
                                                    "/runs.db\n"
                                                    "board: {model: nano33ble_sense_rev2, sensors: [IMU]}\n"
                                                    "model: {hidden: [24]}\n"
                                                    "dataset:\n  raw_csv: imu.csv\n  classes: [punch, flex, wave]\n"
                                                    "  features:\n    kind: window\n    columns: [ax, ay, az, gx, gy, gz]\n"
                                                    "    normalize:\n"
                                                    "      ax: {scale: 4}\n      ay: {scale: 4}\n      az: {scale: 4}\n"
                                                    "      gx: {scale: 2000}\n      gy: {scale: 2000}\n      gz: {scale: 2000}\n"
                                                    "    window:\n      samples: 50\n      rate_hz: 50\n"
                                                    "      order: channel_major\n      recording: recording\n"
                                                    "      trigger: {kind: magnitude, channels: [ax, ay, az], threshold: 2.0}\n");
  auto check = Cli({"config", "check", project});
  ASSERT_EQ(check.code, 0) << check.out << check.err;
  EXPECT_NE(check.out.find("ax_0 … gz_49 (300 inputs)"), std::string::npos) << check.out;

  const std::string dp = R"(import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split
CH = ["ax", "ay", "az", "gx", "gy", "gz"]
SCALE = {"ax": 4.0, "ay": 4.0, "az": 4.0, "gx": 2000.0, "gy": 2000.0, "gz": 2000.0}
raw = pd.read_csv("raw.csv")
rows, labels = [], []
for _, rec in raw.groupby("recording", sort=False):
    if len(rec) < 50:
        continue
    w = rec.iloc[:50]
    rows.append(np.concatenate([w[c].to_numpy() / SCALE[c] for c in CH]))
    labels.append(w["label"].iloc[0])
names = ["%s_%d" % (c, i) for c in CH for i in range(50)]
data = pd.DataFrame(np.array(rows), columns=names)
data["label"] = labels
train, test = train_test_split(data, test_size=0.2, random_state=42, stratify=data["label"])
train.to_csv("train.csv", index=False)
test.to_csv("test.csv", index=False)
)";
  auto ok = Cli({"--json", "validate", "--stage", "dp", "--project", project, Write("dp.py", dp)});
  EXPECT_EQ(ok.code, 0) << ok.out << ok.err;
  // Flattened reading by reading instead of channel by channel: the columns are right, the values are not.
  std::string wrong = dp;
  wrong.replace(wrong.find("np.concatenate([w[c].to_numpy() / SCALE[c] for c in CH])"),
                std::string("np.concatenate([w[c].to_numpy() / SCALE[c] for c in CH])").size(),
                "np.stack([w[c].to_numpy() / SCALE[c] for c in CH], axis=1).reshape(-1)");
  auto bad = Cli({"--json", "validate", "--stage", "dp", "--project", project, Write("dp_order.py", wrong)});
  EXPECT_EQ(bad.code, 1) << bad.out;
  EXPECT_NE(bad.out.find("channel by channel"), std::string::npos) << "the hint states the order: " << bad.out;

  const std::string cassette = Write("session.jsonl", Reply("dp", 1, dp) + Reply("mc", 1, kMcScript));
  auto run = Cli({"--json", "run", project, "--llm", "replay:" + cassette, "--stages", "dp,train,mc", "--out", dir_ + "/out"});
  EXPECT_EQ(run.code, 0) << run.out << run.err;
  EXPECT_TRUE(Passed(run)) << run.out;
  auto inspect = Cli({"--json", "model", "inspect", dir_ + "/out/model_int8.tflite"});
  EXPECT_EQ(InputShape(inspect.out), "[1,300]") << "300 inputs: " << inspect.out;
}

}  // namespace
}  // namespace autopilot
