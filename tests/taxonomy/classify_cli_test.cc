// End-to-end: the real `autopilot classify` binary, its JSON contract and exit codes.

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

namespace {

namespace fs = std::filesystem;

struct CliRun {
  int code;
  std::string out;
};

CliRun Classify(const std::string& args, const std::string& stdin_text = "") {
  std::string cmd = std::string(AUTOPILOT_BINARY) + " classify " + args +
                    " --rules " AUTOPILOT_RULES_FILE " 2>/dev/null";
  if (!stdin_text.empty()) cmd = "printf '%s' '" + stdin_text + "' | " + cmd;
  FILE* p = popen(cmd.c_str(), "r");
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  int status = pclose(p);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

class ClassifyCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("classify_cli_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
    Write("sg__a.txt",
          "/t/s.ino:3:1: error: 'tflite' does not name a type\n tflite::Model* m;\n");
    Write("dp__b.txt",
          "Traceback (most recent call last):\n  File \"g.py\", line 2, in <module>\n"
          "    x = np.zeros(1)\nNameError: name 'np' is not defined\n");
    Write("mystery.log", "nothing to see\n");
  }
  void TearDown() override { fs::remove_all(dir_); }
  void Write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name) << text;
  }
  fs::path dir_;
};

TEST_F(ClassifyCli, DirectoryJsonHasTheContractFields) {
  CliRun r = Classify(dir_.string() + " --json");
  ASSERT_EQ(r.code, 0) << r.out;
  auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["results"].size(), 3u);
  EXPECT_EQ(j["summary"]["inputs"], 3);
  EXPECT_EQ(j["summary"]["unknown"], 1);
  for (const auto& res : j["results"]) {
    for (const char* f : {"input", "stage", "primary", "code", "secondary", "rule", "why",
                          "evidence", "family", "counts_against_model"}) {
      EXPECT_TRUE(res.contains(f)) << f;
    }
  }
  // Sorted by path; stage inferred from the file-name prefix.
  EXPECT_EQ(j["results"][0]["stage"], "dp");
  EXPECT_EQ(j["results"][0]["primary"], "runtime.undefined_name");
  EXPECT_EQ(j["results"][0]["code"], 407);
  EXPECT_EQ(j["results"][2]["stage"], "sg");
  EXPECT_EQ(j["results"][2]["primary"], "build.undeclared");
  // sg's usual profile (harvard_tinymlx) declares namespace tflite: a missing include.
  EXPECT_EQ(j["results"][2]["rule"], "cc.sdk_name_not_visible");
  EXPECT_EQ(j["results"][2]["profile"], "harvard_tinymlx");
  EXPECT_EQ(j["results"][1]["primary"], "unknown");
  EXPECT_EQ(j["results"][1]["code"], 999);
}

TEST_F(ClassifyCli, TextOutputNamesIdCodeAndRule) {
  CliRun r = Classify((dir_ / "sg__a.txt").string());
  ASSERT_EQ(r.code, 0);
  EXPECT_NE(r.out.find("build.undeclared"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("301"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("cc.sdk_name_not_visible"), std::string::npos) << r.out;
}

TEST_F(ClassifyCli, ProfileDecidesWhetherANameExists) {
  Write("sg__c.txt",
        "/t/s.ino:9:9: error: 'AllOpsResolver' in namespace 'tflite' does not name a type\n"
        " static tflite::AllOpsResolver resolver;\n");
  std::string path = (dir_ / "sg__c.txt").string();
  auto verdict = [&](const std::string& flags) {
    CliRun r = Classify(path + " --json" + flags);
    EXPECT_EQ(r.code, 0) << r.out;
    return nlohmann::json::parse(r.out)["results"][0];
  };
  auto classic = verdict(" --profile harvard_tinymlx");
  EXPECT_EQ(classic["primary"], "build.undeclared");
  EXPECT_EQ(classic["profile"], "harvard_tinymlx");
  auto port = verdict(" --profile tflm_arduino");
  EXPECT_EQ(port["primary"], "build.api_mismatch");
  EXPECT_NE(port["evidence"].get<std::string>().find("tflm_arduino does not declare tflite::AllOpsResolver"),
            std::string::npos)
      << port["evidence"];
  EXPECT_EQ(verdict("")["primary"], "build.undeclared");  // sg's usual profile
  // A project's board.profile is the default.
  std::ofstream(dir_ / "autopilot.yaml") << "version: 1\nboard:\n  profile: tflm_arduino\n";
  EXPECT_EQ(verdict(" --project " + (dir_ / "autopilot.yaml").string())["primary"], "build.api_mismatch");
  EXPECT_EQ(Classify(path + " --profile no_such_profile").code, 2);
}

TEST_F(ClassifyCli, StdinWithExplicitStage) {
  CliRun r = Classify("--stage sg - --json", "list index out of range");
  ASSERT_EQ(r.code, 0) << r.out;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["results"][0]["primary"], "format.structured_invalid");
  EXPECT_EQ(j["results"][0]["input"], "-");
}

TEST_F(ClassifyCli, UsageErrorsExitWith2) {
  EXPECT_EQ(Classify((dir_ / "missing.txt").string()).code, 2);
  EXPECT_EQ(Classify("--stage xx " + dir_.string()).code, 2);
  Write("bad.yaml", "version: 1\nrules:\n  - id: a\n    category: nope\n    any_line: x\n");
  std::string cmd = std::string(AUTOPILOT_BINARY) + " classify " + dir_.string() + " --rules " +
                    (dir_ / "bad.yaml").string() + " >/dev/null 2>&1";
  int status = std::system(cmd.c_str());
  EXPECT_EQ(WEXITSTATUS(status), 2);
}

}  // namespace
