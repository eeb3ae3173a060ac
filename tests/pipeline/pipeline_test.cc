// The whole pipeline on the fruit project with the recorded demo session: every stage's attempts,
// codes and artifacts land where they should; stages left out use the reference artifacts;
// replay survives a prompt change only when allowed; budgets are enforced across stages.

#include "autopilot/pipeline/pipeline.h"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "autopilot/pipeline/backend_factory.h"
#include "autopilot/stage/chains.h"
#include "autopilot/util/files.h"
#include "autopilot/util/strings.h"

namespace autopilot::pipeline {
namespace {

const std::string kSource = AUTOPILOT_SOURCE_DIR;
const std::string kProject = kSource + "/examples/fruit/autopilot.yaml";
const std::string kCassette = kSource + "/examples/fruit/demo-session.jsonl";

class PipelineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto d = util::MakeTempDir("autopilot-pipeline-test-");
    ASSERT_TRUE(d);
    dir_ = *d;
    auto cfg = config::LoadProjectConfig(kProject);
    ASSERT_TRUE(cfg) << cfg.error().message;
    cfg_ = *cfg;
    cfg_.work_dir = dir_ + "/work";
    auto st = store::RunStore::Open(dir_ + "/runs.db");
    ASSERT_TRUE(st) << st.error().message;
    store_.emplace(std::move(*st));
  }
  void TearDown() override { util::RemoveTree(dir_); }

  std::unique_ptr<llm::LlmBackend> Replay(const std::string& path, bool match_tag, std::vector<std::string>* warnings) {
    BackendSetup setup;
    setup.replay_match_tag = match_tag;
    setup.warn = [warnings](const std::string& m) { warnings->push_back(m); };
    auto b = OpenBackend("replay:" + path, setup);
    EXPECT_TRUE(b) << b.error().message;
    return b ? std::move(*b) : nullptr;
  }

  PipelineOptions Options(const std::string& name) {
    PipelineOptions o;
    o.store = &*store_;
    o.key = {"test", name, "replay", "markdown", "deterministic", 0};
    o.out_dir = dir_ + "/out-" + name;
    o.progress = [this](const std::string& line) { progress_.push_back(line); };
    return o;
  }

  /// (stage, number, status, code) of every attempt of a run, in order.
  std::vector<std::string> Attempts(int64_t run_id) {
    std::vector<std::string> out;
    auto q = store_->db().Prepare("SELECT stage, number, status, COALESCE(code,'') FROM attempts WHERE run_id = ? ORDER BY id");
    EXPECT_TRUE(q);
    q->Bind(1, run_id);
    while (true) {
      auto row = q->Step();
      if (!row || !*row) break;
      out.push_back(q->ColumnText(0) + "#" + std::to_string(q->ColumnInt(1)) + " " + q->ColumnText(2) +
                    (q->ColumnText(3).empty() ? "" : " " + q->ColumnText(3)));
    }
    return out;
  }

  std::string RunStatus(int64_t run_id) {
    auto q = store_->db().Prepare("SELECT status FROM runs WHERE id = ?");
    q->Bind(1, run_id);
    (void)q->Step();
    return q->ColumnText(0);
  }

  std::string dir_;
  config::ProjectConfig cfg_;
  std::optional<store::RunStore> store_;
  std::vector<std::string> progress_;
};

TEST_F(PipelineTest, DemoSessionRepairsEveryStageAndEndsWithAPassingSketch) {
  std::vector<std::string> warnings;
  auto backend = Replay(kCassette, false, &warnings);
  ASSERT_TRUE(backend);
  auto r = RunPipeline(cfg_, backend.get(), Options("all"));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_TRUE(r->passed);
  ASSERT_EQ(r->stages.size(), 4u);
  for (const auto& s : r->stages) EXPECT_TRUE(s.passed) << s.stage << ": " << s.message;
  EXPECT_EQ(Attempts(r->run_id),
            (std::vector<std::string>{"dp#1 failed semantic.data_leakage", "dp#2 passed", "train#1 passed",
                                      "mc#1 failed format.multiple_candidates", "mc#2 passed",
                                      "sg#1 failed build.api_mismatch", "sg#2 failed semantic.wrong_input",
                                      "sg#3 passed"}));
  EXPECT_EQ(RunStatus(r->run_id), "passed");
  for (const char* f : {"train.csv", "test.csv", "float_model.tflite", "model_int8.tflite", "model.h",
                        "sketch/sketch.ino", "sketch/model.h", "dp_script.py", "mc_script.py"}) {
    EXPECT_TRUE(util::PathExists(r->out_dir + "/" + f)) << f;
  }
  // model.h declares the symbol and the length the SG prompt promised.
  auto header = util::ReadFile(r->out_dir + "/model.h");
  ASSERT_TRUE(header);
  EXPECT_NE(header->find("g_model[]"), std::string::npos);
  EXPECT_NE(header->find("g_model_len"), std::string::npos);
  // Exact replay: no fallback warnings; tokens added up from the recorded usage.
  for (const auto& w : warnings) EXPECT_EQ(w.find("stage and attempt"), std::string::npos) << w;
  EXPECT_GT(r->tokens, 0);
  // Artifacts and LLM calls are in the store.
  EXPECT_EQ(*store_->db().QueryInt("SELECT COUNT(*) FROM llm_calls"), 7);
  EXPECT_GE(*store_->db().QueryInt("SELECT COUNT(*) FROM artifacts WHERE run_id = " + std::to_string(r->run_id) +
                                   " AND kind IN ('csv','tflite','header','sketch')"),
            6);
  // The repair prompts named the failing layer and code.
  auto repair = store_->db().Prepare(
      "SELECT l.request_json FROM llm_calls l JOIN attempts a ON a.id = l.attempt_id WHERE a.stage = 'sg' AND a.number = 3");
  ASSERT_TRUE(repair);
  ASSERT_TRUE(*repair->Step());
  EXPECT_NE(repair->ColumnText(0).find("semantic.wrong_input"), std::string::npos);
}

TEST_F(PipelineTest, SkippedStagesUseTheReferenceArtifacts) {
  std::vector<std::string> warnings;
  // Only the SG answers are used. The reference int8 model differs from the one the recorded
  // run's MC produced (other split, other float model), so the SG facts — quantization
  // parameters — differ and the replay must fall back to stage and attempt.
  auto backend = Replay(kCassette, true, &warnings);
  ASSERT_TRUE(backend);
  auto o = Options("sg");
  o.stages = {"sg"};
  auto r = RunPipeline(cfg_, backend.get(), o);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_TRUE(r->passed);
  EXPECT_TRUE(r->stages[0].skipped);
  EXPECT_TRUE(r->stages[2].skipped);
  EXPECT_EQ(r->stages[3].attempts, 3);
  EXPECT_FALSE(util::PathExists(r->out_dir + "/train.csv"));
  EXPECT_TRUE(util::PathExists(r->out_dir + "/sketch/sketch.ino"));
  EXPECT_EQ(Attempts(r->run_id), (std::vector<std::string>{"sg#1 failed build.api_mismatch",
                                                            "sg#2 failed semantic.wrong_input", "sg#3 passed"}));
}

TEST_F(PipelineTest, StrictReplayFailsLoudlyWhenThePromptChanged) {
  // A copy of the cassette whose SG requests no longer match (a template was edited).
  std::ifstream in(kCassette);
  std::string line, edited;
  while (std::getline(in, line)) {
    auto doc = nlohmann::json::parse(line);
    if (doc["tag"]["stage"] == "sg") doc["key"] = std::string(64, '0');
    edited += doc.dump() + "\n";
  }
  std::string path = dir_ + "/edited.jsonl";
  ASSERT_TRUE(util::WriteFileAtomic(path, edited));

  std::vector<std::string> warnings;
  auto strict = Replay(path, false, &warnings);
  auto o = Options("strict");
  o.stages = {"sg"};
  auto r = RunPipeline(cfg_, strict.get(), o);
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->passed);
  EXPECT_EQ(r->stages[3].attempts, 1);
  EXPECT_EQ(r->stages[3].stop_reason, "error");
  EXPECT_EQ(r->stages[3].code, "env.misconfigured");
  EXPECT_EQ(RunStatus(r->run_id), "error");

  warnings.clear();
  auto lenient = Replay(path, true, &warnings);
  auto o2 = Options("lenient");
  o2.stages = {"sg"};
  auto r2 = RunPipeline(cfg_, lenient.get(), o2);
  ASSERT_TRUE(r2);
  EXPECT_TRUE(r2->passed);
  bool warned = false;
  for (const auto& w : warnings) warned = warned || w.find("stage") != std::string::npos;
  EXPECT_TRUE(warned) << "a tag fallback must be announced";
}

TEST_F(PipelineTest, TokenBudgetStopsTheRunAcrossStages) {
  std::vector<std::string> warnings;
  auto backend = Replay(kCassette, false, &warnings);
  cfg_.budgets.max_tokens = 400;  // the first DP call alone costs 282 + 205 tokens
  auto r = RunPipeline(cfg_, backend.get(), Options("budget"));
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->passed);
  EXPECT_EQ(r->stages[0].stage, "dp");
  EXPECT_EQ(r->stages[0].stop_reason, "tokens");
  EXPECT_EQ(r->stages[0].attempts, 1);
  EXPECT_FALSE(r->stages[1].passed);  // not run
  EXPECT_EQ(RunStatus(r->run_id), "failed");
}

TEST_F(PipelineTest, AFinishedRunIsNotRunTwiceUnderTheSameKeyButAnUnfinishedOneIsRedone) {
  std::vector<std::string> warnings;
  auto o = Options("train-only");
  o.stages = {"train"};
  auto first = RunPipeline(cfg_, nullptr, o);
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_TRUE(first->passed);
  auto again = RunPipeline(cfg_, nullptr, o);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, "store.exists");
  // A run left 'running' by a killed process is cleared and redone under the same id.
  ASSERT_TRUE(store_->db().Exec("UPDATE runs SET status = 'running' WHERE id = " + std::to_string(first->run_id)));
  auto redo = RunPipeline(cfg_, nullptr, o);
  ASSERT_TRUE(redo) << redo.error().message;
  EXPECT_EQ(redo->run_id, first->run_id);
  EXPECT_EQ(Attempts(redo->run_id), (std::vector<std::string>{"train#1 passed"}));
}

TEST_F(PipelineTest, AnInterruptedRunResumesKeepingThePassedStages) {
  std::vector<std::string> warnings;
  auto backend = Replay(kCassette, false, &warnings);
  std::atomic<bool> stop{false};
  auto o = Options("resume");
  o.stop = &stop;
  // Ctrl-C while SG's first attempt is being judged: SG stops before its second attempt.
  o.progress = [&stop](const std::string& line) {
    if (line.rfind("sg: attempt 1", 0) == 0) stop.store(true);
  };
  auto first = RunPipeline(cfg_, backend.get(), o);
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_FALSE(first->passed);
  EXPECT_TRUE(first->interrupted);
  EXPECT_EQ(first->stages[3].code, "harness.interrupted");
  EXPECT_EQ(RunStatus(first->run_id), "interrupted");

  // Resume: same key, same folder. DP, train and MC are kept; SG runs again from attempt 1.
  auto again_backend = Replay(kCassette, false, &warnings);
  auto o2 = Options("resume");
  o2.resume = true;
  auto second = RunPipeline(cfg_, again_backend.get(), o2);
  ASSERT_TRUE(second) << second.error().message;
  EXPECT_EQ(second->run_id, first->run_id);
  EXPECT_TRUE(second->passed);
  EXPECT_TRUE(second->stages[0].resumed);
  EXPECT_TRUE(second->stages[1].resumed);
  EXPECT_TRUE(second->stages[2].resumed);
  EXPECT_FALSE(second->stages[3].resumed);
  EXPECT_EQ(Attempts(second->run_id),
            (std::vector<std::string>{"dp#1 failed semantic.data_leakage", "dp#2 passed", "train#1 passed",
                                      "mc#1 failed format.multiple_candidates", "mc#2 passed",
                                      "sg#1 failed build.api_mismatch", "sg#2 failed semantic.wrong_input",
                                      "sg#3 passed"}));
  EXPECT_EQ(RunStatus(second->run_id), "passed");
  // One proof artifact per stage, not two.
  EXPECT_EQ(*store_->db().QueryInt("SELECT COUNT(*) FROM artifacts WHERE attempt_id IS NULL AND name = 'sketch/sketch.ino'"), 1);
  EXPECT_EQ(*store_->db().QueryInt("SELECT COUNT(*) FROM artifacts WHERE attempt_id IS NULL AND name = 'test.csv'"), 1);

  // A changed artifact is not trusted: MC's model edited → MC and SG run again.
  ASSERT_TRUE(store_->db().Exec("UPDATE runs SET status = 'interrupted' WHERE id = " + std::to_string(second->run_id)));
  ASSERT_TRUE(util::WriteFileAtomic(second->out_dir + "/model_int8.tflite", "tampered"));
  auto third_backend = Replay(kCassette, false, &warnings);
  auto third = RunPipeline(cfg_, third_backend.get(), o2);
  ASSERT_TRUE(third) << third.error().message;
  EXPECT_TRUE(third->stages[1].resumed);
  EXPECT_FALSE(third->stages[2].resumed);
  EXPECT_TRUE(third->passed);
}

TEST_F(PipelineTest, ProvidedFloatModelReplacesTheTrainer) {
  cfg_.model.float_model = dir_ + "/missing.tflite";
  auto o = Options("provided");
  o.stages = {"train"};
  auto r = RunPipeline(cfg_, nullptr, o);
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->passed);
  EXPECT_EQ(r->stages[1].code, "semantic.artifact_invalid");
}

TEST(ParseStages, OrdersAndRejects) {
  auto s = ParseStages("sg, dp");
  ASSERT_TRUE(s);
  EXPECT_EQ(*s, (std::vector<std::string>{"dp", "sg"}));
  auto bad = ParseStages("dp,deploy");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("deploy"), std::string::npos);
  EXPECT_FALSE(ParseStages(" , "));
}

TEST_F(PipelineTest, NoLlmForLlmStagesIsAUsageError) {
  auto o = Options("nollm");
  o.stages = {"dp"};
  auto r = RunPipeline(cfg_, nullptr, o);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "usage");
}

TEST_F(PipelineTest, UnknownFormatIsAUsageError) {
  auto o = Options("fmt");
  o.format = "haiku";
  o.stages = {"sg"};
  std::vector<std::string> warnings;
  auto backend = Replay(kCassette, true, &warnings);
  auto r = RunPipeline(cfg_, backend.get(), o);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "usage");
  EXPECT_NE(r.error().message.find("haiku"), std::string::npos);
}

}  // namespace
}  // namespace autopilot::pipeline

namespace autopilot::pipeline {
namespace {

/// Answers by (stage tag, attempt) from a table; remembers the prompts.
class TableBackend : public llm::LlmBackend {
 public:
  std::map<std::string, std::string> answers;  ///< "dp.plan#1" → reply
  std::vector<std::string> prompts;
  Result<llm::PingInfo> Ping() override { return llm::PingInfo{}; }
  std::string Describe() const override { return "table"; }

 protected:
  llm::LlmResult DoComplete(const llm::LlmRequest& request, const llm::StreamObserver&) override {
    llm::LlmResult r;
    r.provider = "table";
    r.requested_model = "table";
    std::string key = request.tag.stage + "#" + std::to_string(request.tag.attempt);
    prompts.push_back(key + "\n" + request.messages.back().content);
    auto it = answers.find(key);
    r.text = it == answers.end() ? "no answer for " + key : it->second;
    r.usage.input_tokens = 10;
    r.usage.output_tokens = 10;
    return r;
  }
};

TEST_F(PipelineTest, TwoStepDpPlansThenRunsOneScriptPerOperation) {
  cfg_.dp_mode = "two_step";
  TableBackend llm;
  llm.answers["dp.plan#1"] = "```json\n{\"operations\": [{\"name\": \"clean\"}]}\n```";
  llm.answers["dp.plan#2"] =
      "```json\n{\"operations\": [\n"
      " {\"name\": \"clean\", \"description\": \"drop duplicate rows, rows with clear < 10 and rows with proximity > 0\"},\n"
      " {\"name\": \"features_and_split\", \"description\": \"colour ratios, stratified 80/20 split\"}]}\n```";
  llm.answers["dp.op1#1"] =
      "```python\nimport pandas as pd\n"
      "df = pd.read_csv('raw.csv').drop_duplicates()\n"
      "df = df[(df['clear'] >= 10) & (df['proximity'] <= 0)]\n"
      "df.to_csv('step1.csv', index=False)\n```";
  // Attempt 1 of the last operation reads the raw file again instead of step1.csv: dark and far
  // rows come back, which the recomputation catches.
  const std::string split =
      "total = df['red'] + df['green'] + df['blue']\n"
      "df = df[total > 0]\n"
      "total = total[total > 0]\n"
      "out = pd.DataFrame({'r_ratio': df['red'] / total, 'g_ratio': df['green'] / total,\n"
      "                    'b_ratio': df['blue'] / total, 'label': df['label']})\n"
      "train, test = train_test_split(out, test_size=0.2, random_state=42, stratify=out['label'])\n"
      "train.to_csv('train.csv', index=False)\ntest.to_csv('test.csv', index=False)\n```";
  llm.answers["dp.op2#1"] = "```python\nimport pandas as pd\nfrom sklearn.model_selection import train_test_split\n"
                            "df = pd.read_csv('raw.csv')\n" + split;
  llm.answers["dp.op2#2"] = "```python\nimport pandas as pd\nfrom sklearn.model_selection import train_test_split\n"
                            "df = pd.read_csv('step1.csv')\n" + split;
  auto o = Options("two-step");
  o.stages = {"dp", "train"};
  auto r = RunPipeline(cfg_, &llm, o);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_TRUE(r->passed) << r->stages[0].message;
  EXPECT_EQ(r->stages[0].attempts, 5);
  auto attempts = Attempts(r->run_id);
  ASSERT_EQ(attempts.size(), 6u);
  EXPECT_EQ(attempts[0], "dp.plan#1 failed format.structured_invalid");
  EXPECT_EQ(attempts[1], "dp.plan#2 passed");
  EXPECT_EQ(attempts[2], "dp.op1#1 passed");
  EXPECT_EQ(attempts[3].substr(0, 25), "dp.op2#1 failed semantic.");  // leakage and wrong rows
  EXPECT_EQ(attempts[4], "dp.op2#2 passed");
  EXPECT_EQ(attempts[5], "train#1 passed");
  EXPECT_TRUE(util::PathExists(r->out_dir + "/step1.csv"));
  // The operation prompts carry the plan and the operation's own files.
  bool op2_prompt = false;
  for (const auto& p : llm.prompts) {
    if (p.rfind("dp.op2#1", 0) == 0) {
      op2_prompt = true;
      EXPECT_NE(p.find("step1.csv"), std::string::npos);
      EXPECT_NE(p.find("features_and_split"), std::string::npos);
      EXPECT_NE(p.find("train.csv"), std::string::npos);
    }
  }
  EXPECT_TRUE(op2_prompt);
}

TEST(DpPlanCheck, RejectsWhatIsNotAPlan) {
  std::vector<stage::DpOperation> plan;
  EXPECT_FALSE(stage::DpPlanCheck("{\"operations\": []}", &plan).passed);
  EXPECT_FALSE(stage::DpPlanCheck("{\"ops\": [{\"name\": \"a\", \"description\": \"b\"}]}", &plan).passed);
  EXPECT_FALSE(stage::DpPlanCheck("[{\"name\": \"a\"}]", &plan).passed);
  std::string seven = "[";
  for (int i = 0; i < 7; ++i) seven += std::string(i ? "," : "") + "{\"name\": \"a\", \"description\": \"b\"}";
  auto too_many = stage::DpPlanCheck(seven + "]", &plan);
  ASSERT_FALSE(too_many.passed);
  EXPECT_NE(too_many.diagnostics[0].message.find("at most"), std::string::npos);
  auto ok = stage::DpPlanCheck("{\"operations\": [{\"name\": \" a \", \"description\": \"b\"}]}", &plan);
  EXPECT_TRUE(ok.passed);
  ASSERT_EQ(plan.size(), 1u);
  EXPECT_EQ(plan[0].name, "a");
}

}  // namespace
}  // namespace autopilot::pipeline
