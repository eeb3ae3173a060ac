// The project's rules on small hand-written failure snippets: one or more per rule, so the unit
// tests run without the corpus. A rule without a snippet here fails EveryRuleHasASnippet. The
// classifier has the stages' usual toolchains loaded (sg: harvard_tinymlx), as the CLI does.

#include "autopilot/taxonomy/classifier.h"

#include <gtest/gtest.h>

#include <set>

namespace autopilot::taxonomy {
namespace {

const Classifier& Rules() {
  static const Classifier* c = [] {
    auto r = Classifier::FromFile(AUTOPILOT_RULES_FILE);
    if (!r.ok()) {
      ADD_FAILURE() << r.error().message;
      std::abort();
    }
    if (auto t = r->LoadStageToolchains(); !t) {
      ADD_FAILURE() << t.error().message;
      std::abort();
    }
    return new Classifier(std::move(*r));
  }();
  return *c;
}

struct Case {
  std::string stage;
  std::string text;
  std::string expected_id;
  std::string expected_rule;
  std::string layer = {};  ///< the validator layer the text comes from ("" = an imported log)
};

std::string Tb(const std::string& code_line, const std::string& exception) {
  return "Traceback (most recent call last):\n  File \"/tmp/gen.py\", line 12, in <module>\n    " +
         code_line + "\n" + exception + "\n";
}

std::string Cc(const std::string& message, const std::string& source = "x;") {
  return "/tmp/build/sketch.ino:12:5: error: " + message + "\n " + source +
         "\n ^~~~\nError during build: exit status 1\n";
}

std::vector<Case> Cases() {
  std::vector<Case> cases;
  auto add = [&](const char* stage, std::string text, const char* id, const char* rule) {
    cases.push_back({stage, std::move(text), id, rule});
  };
  // transport / operator
  add("psg", Tb("time.sleep(1)", "KeyboardInterrupt"), "harness.interrupted", "interrupted");
  add("sg", "CUDA error detected: litellm.APIConnectionError: OllamaException - server crashed",
      "transport.server_error", "transport.llm_server_crash");
  add("sg", "openai.RateLimitError: Error code: 429 - {'error': {'code': 'insufficient_quota'}}",
      "transport.quota_exhausted", "transport.quota");
  add("sg", "openai.RateLimitError: Error code: 429 - Rate limit reached for gpt-5",
      "transport.rate_limited", "transport.rate_limit");
  add("sg", "Error code: 401 - Unauthorized: Incorrect API key provided", "transport.auth",
      "transport.auth");
  add("sg", "Error: This model's maximum context length is 8192 tokens", "transport.context_overflow",
      "transport.context_overflow");
  add("sg", "warning: truncating input prompt limit=2048 prompt=5120",
      "transport.context_truncated", "transport.context_truncated");
  add("sg", "requests.exceptions.ConnectionError: Failed to establish a new connection: refused",
      "transport.connection", "transport.connection");
  add("sg", "openai.APITimeoutError: Request timed out.", "transport.timeout", "transport.timeout");
  // harness signatures
  add("psg", Tb("width, height  = \"models/detect.tflite\"", "ValueError: too many values to unpack"),
      "harness.bug", "harness.config_rewrite_line");
  add("tpusg", Tb("w = int(size)", "ValueError: invalid literal for int() with base 10: 'gpt-5-mini'"),
      "harness.bug", "harness.model_name_injected");
  add("psg", Tb("shape = output_details[0]['shape']", "TypeError: string indices must be integers"),
      "harness.bug", "harness.details_clobbered");
  add("tpusg", Tb("img = cv2.resize(img, (w, h))", "TypeError: an integer is required (got type str)"),
      "harness.bug", "harness.size_clobbered");
  // ... which in this tool's run layer are the script's own failures (it rewrites nothing)
  cases.push_back({"tpusg", Tb("w = int(size)", "ValueError: invalid literal for int() with base 10: 'gpt-5-mini'"),
                   "runtime.value_error", "py.model_name_as_number", "run"});
  // environment
  add("mc", Tb("import tensorflow as tf", "ModuleNotFoundError: No module named 'tensorflow'"),
      "env.toolchain_missing", "env.python_package_missing");
  add("tpusg", "ValueError: Failed to load delegate from libedgetpu.so.1", "env.toolchain_missing",
      "env.shared_library_missing");
  add("sg", "Error during build: Platform 'arduino:mbed_nano' not found", "env.toolchain_missing",
      "env.arduino_core_missing");
  add("dp", "sh: 1: python3: not found", "env.toolchain_missing", "env.command_missing");
  // validators
  add("dp", "Generated code is not complete. Please ensure to generate a complete Python script.",
      "format.truncated", "format.not_complete");
  add("sg", "Unsupported output format: no cpp/ino code blocks found", "format.no_code",
      "format.no_code_block");
  add("sg", Tb("spec = json.loads(reply)", "json.decoder.JSONDecodeError: Expecting value: line 1"),
      "format.structured_invalid", "format.json_decode");
  add("sg", "list index out of range", "format.structured_invalid", "format.sg_spec_parse");
  // devices
  // Boundary rule: a GUI window on a headless device is API misuse; a missing camera is not.
  add("psg", "qt.qpa.xcb: could not connect to display \nAvailable platform plugins are: xcb.",
      "runtime.api_misuse", "device.no_display");
  add("psg",
      "[ WARN:0@0.01] global cap_v4l.cpp:999 open VIDEOIO(V4L2:/dev/video0): can't open camera by "
      "index\n" + Tb("raise ValueError('Error opening video')", "ValueError: Error opening video"),
      "runtime.device_unavailable", "device.no_camera");
  add("psg", Tb("s = serial.Serial('/dev/ttyACM0')",
                "serial.serialutil.SerialException: could not open port /dev/ttyACM0"),
      "runtime.device_unavailable", "device.serial_port");
  // ML
  add("psg", Tb("self._interpreter.SetTensor(tensor_index, value)",
                "ValueError: Cannot set tensor: Got value of type FLOAT32 but expected type UINT8 "
                "for input 0, name: input"),
      "ml.dtype_mismatch", "ml.set_tensor_dtype");
  add("mc", Tb("x = a * b",
               "tensorflow.python.framework.errors_impl.InvalidArgumentError: cannot compute Mul as "
               "input #1(zero-based) was expected to be a float tensor but is a uint8 tensor"),
      "ml.dtype_mismatch", "ml.tf_op_dtype");
  add("tpusg", Tb("self._interpreter.SetTensor(tensor_index, value)",
                  "ValueError: Cannot set tensor: Dimension mismatch. Got 3 but expected 4"),
      "ml.shape_mismatch", "ml.set_tensor_shape");
  add("tpusg", Tb("input_tensor(interpreter)[:, :] = data",
                  "ValueError: could not broadcast input array from shape (640,3) into shape (300,3)"),
      "ml.shape_mismatch", "ml.tensor_broadcast");
  add("psg", Tb("raise ValueError('Unexpected output shape from model')",
                "ValueError: Unexpected output shape from model"),
      "ml.shape_mismatch", "ml.self_checked_shape");
  add("sg", "Didn't find op for builtin opcode 'CONV_2D' version '1'", "ml.op_unsupported",
      "ml.op_unsupported");
  add("sg", "Arena size is too small for all buffers.\nAllocateTensors() failed",
      "ml.arena_too_small", "ml.arena_too_small");
  add("sg", "Model provided is schema version 2 not equal to supported version 3.",
      "ml.schema_mismatch", "ml.schema_version");
  add("mc", Tb("tflite_model = converter.convert()",
               "ValueError: The inference_input_type and inference_output_type must be tf.float32."),
      "ml.conversion_config", "ml.converter_settings");
  add("mc", Tb("converter.convert()",
               "tensorflow.lite.python.convert_phase.ConverterError: failed to legalize op"),
      "ml.conversion_config", "ml.converter_error");
  add("mc",
      "Traceback (most recent call last):\n  File \"/x/lite/python/optimize/calibrator.py\", line "
      "103, in _feed_tensors\n    if not isinstance(sample[1], dict):\nIndexError: tuple index out "
      "of range\n",
      "ml.conversion_config", "ml.calibration_data");
  add("mc", "check failed: model is not fully quantized (float weights found)", "ml.not_quantized",
      "ml.not_quantized");
  // Python
  add("mc", Tb("for x in ...:", "TypeError: 'ellipsis' object is not iterable"),
      "format.placeholder_left", "placeholder.ellipsis");
  add("tpusg", "  File \"s.py\", line 4\n    from google Coral import x\n           ^\n"
               "SyntaxError: invalid syntax.",
      "static.syntax", "py.syntax");
  add("dp", Tb("x = np.zeros(3)", "NameError: name 'np' is not defined"), "runtime.undefined_name",
      "py.name_error");
  add("psg", Tb("from ai_edge_litter.interpreter import Interpreter",
                "ModuleNotFoundError: No module named 'ai_edge_litter'"),
      "runtime.import", "py.hallucinated_module");
  add("dp", Tb("from keras.preprocessing.image import ImageDataGenerator",
               "ImportError: cannot import name 'ImageDataGenerator' from 'keras.preprocessing.image'"),
      "runtime.api_misuse", "py.cannot_import_name");
  add("mc", Tb("conv = tf.lite.TFLiteConverter.from_saved_model(p)",
               "OSError: SavedModel file does not exist at: models/m.keras/{saved_model.pbtxt|saved_model.pb}"),
      "runtime.api_misuse", "py.keras_file_as_saved_model");
  add("psg", Tb("with open(label_path) as f:",
                "FileNotFoundError: [Errno 2] No such file or directory: 'labelmap.txt'"),
      "runtime.file_not_found", "py.file_not_found");
  add("dp", Tb("open('out/')", "IsADirectoryError: [Errno 21] Is a directory: 'out/'"),
      "runtime.file_not_found", "py.path_kind");
  add("psg", Tb("cv2.imshow('w', frame)",
                "cv2.error: OpenCV(4.10.0) window.cpp:1272: error: (-2:Unspecified error) The "
                "function is not implemented. Rebuild the library with Windows, GTK+ 2.x or Cocoa "
                "support."),
      "runtime.api_misuse", "device.no_display");
  add("psg", Tb("self._interpreter = _interpreter_wrapper.CreateWrapperFromFile(",
                "ValueError: Could not open 'detect.tflite'."),
      "runtime.file_not_found", "py.tflite_could_not_open");
  add("psg", Tb("raise ValueError(f'Image not found at {p}')",
                "ValueError: Image not found at data/in/video.mp4"),
      "runtime.api_misuse", "py.video_read_as_image");
  add("dp", Tb("raise ValueError('Input file not found or unable to read.')",
                "ValueError: Input file not found or unable to read."),
      "runtime.file_not_found", "py.self_checked_not_found");
  // psg/tpusg read a video: an image reader's empty result is the video read as an image.
  add("psg", Tb("raise ValueError('Input image not found or unable to read.')",
                "ValueError: Input image not found or unable to read."),
      "runtime.api_misuse", "py.video_stage_image_check");
  add("psg", Tb("resized = cv2.resize(image, (w, h))",
                "cv2.error: OpenCV(4.10.0) resize.cpp:4152: error: (-215:Assertion failed) "
                "!ssize.empty() in function 'resize'"),
      "runtime.api_misuse", "py.video_stage_empty_image");
  add("tpusg", Tb("if image.shape[:2] != (h, w):", "AttributeError: 'NoneType' object has no attribute 'shape'"),
      "runtime.api_misuse", "py.video_stage_none_image");
  // placeholders decide whatever the loader raised (boundary rule)
  add("mc", Tb("model = load_model(MODEL)",
               "OSError: SavedModel file does not exist at: path/to/your/saved_model/{saved_model.pb}"),
      "format.placeholder_left", "placeholder.path_in_error");
  add("psg", Tb("labels = open('path_to_labelmap.txt').read().split()", "UnicodeDecodeError: 'utf-8' codec can't decode"),
      "format.placeholder_left", "placeholder.path_in_script_line");
  // build
  add("sg", "/tmp/build/sketch.ino:3:10: fatal error: Arduino_TensorFlowLite.h: No such file or "
            "directory\n #include <Arduino_TensorFlowLite.h>\n",
      "build.missing_header", "cc.missing_header");
  add("sg", Cc("expected unqualified-id before 'if'", "if (x) {"), "build.toplevel_statement",
      "cc.toplevel_statement");
  // Toolchain-aware (sg: harvard_tinymlx, which ships the classic API): a name the installed
  // libraries declare is undeclared where it is not visible; one they lack is the API mismatching.
  add("sg", Cc("'MicroErrorReporter' in namespace 'tflite' does not name a type"),
      "build.undeclared", "cc.sdk_name_not_visible");
  add("sg", Cc("'AllOpsResolver' is not a member of 'tflite::ops::micro'"), "build.api_mismatch",
      "cc.sdk_member_absent");
  add("sg", Cc("'TfLiteModel' does not name a type"), "build.api_mismatch", "cc.sdk_library_name_absent");
  add("sg", Cc("'TfLiteTensor' does not name a type"), "build.undeclared", "cc.sdk_name_not_visible");
  // Without a profile (no stage), the message-only rules decide.
  add("", Cc("'MicroErrorReporter' in namespace 'tflite' does not name a type"),
      "build.api_mismatch", "cc.removed_tflm_api");
  add("sg", Cc("conflicting declaration 'const tflite::Model* model'"), "build.redeclaration",
      "cc.redeclaration");
  add("sg", Cc("no matching function for call to 'APDS9960::APDS9960()'"), "build.api_mismatch",
      "cc.api_mismatch");
  add("sg", Cc("'tflite' does not name a type; did you mean 'write'?"), "build.undeclared",
      "cc.sdk_name_not_visible");
  add("sg", Cc("'MicroInterpreter' in namespace 'tflite' does not name a type"),
      "build.undeclared", "cc.sdk_name_not_visible");
  add("sg", Cc("'g_model' was not declared in this scope"), "build.undeclared", "cc.undeclared");
  add("sg", Cc("cannot bind non-const lvalue reference of type 'int&' to an rvalue of type 'int'"),
      "build.type_error", "cc.type_error");
  add("sg", Cc("cannot bind non-const lvalue reference of type 'int&' to an rvalue of type 'int'",
               "APDS.readColor(r, g, b);"),
      "build.api_mismatch", "cc.library_call_reference");
  add("sg", Cc("\\uD83C is not a valid universal character"), "static.syntax", "cc.syntax");
  add("sg", "/usr/bin/ld: sketch.o: in function `loop':\nsketch.ino:(.text+0x1): undefined "
            "reference to `foo()'\ncollect2: error: ld returned 1 exit status\n",
      "build.link", "cc.link");
  add("sg", "arm-none-eabi/bin/ld: region `FLASH' overflowed by 1234 bytes\n",
      "build.memory_overflow", "cc.memory_overflow");
  add("sg", Cc("static assertion failed: odd"), "build.type_error", "cc.other_error");
  // library run time
  add("tpusg", Tb("delegate._get_native_delegate_pointer())",
                  "AttributeError: 'str' object has no attribute '_get_native_delegate_pointer'"),
      "runtime.api_misuse", "py.delegate_misuse");
  add("psg", Tb("h = cap.get(cv2.CAP_PROP_HEIGHT)",
                "AttributeError: module 'cv2' has no attribute 'CAP_PROP_HEIGHT'"),
      "runtime.api_misuse", "py.module_attribute");
  add("dp", Tb("x.ndim", "AttributeError: 'list' object has no attribute 'ndim'"),
      "runtime.value_error", "py.builtin_attribute");
  add("dp", Tb("df = df.append(row)", "AttributeError: 'DataFrame' object has no attribute 'append'"),
      "runtime.api_misuse", "py.library_object_attribute");
  add("dp", Tb("enc = OneHotEncoder(sparse=False)",
               "TypeError: OneHotEncoder.__init__() got an unexpected keyword argument 'sparse'"),
      "runtime.api_misuse", "py.unexpected_keyword");
  add("dp", Tb("m = PCA(n_components='x')",
               "sklearn.utils._param_validation.InvalidParameterError: The 'n_components' "
               "parameter of PCA must be an int. Got 'x' instead."),
      "runtime.api_misuse", "py.sklearn_parameter");
  add("dp", Tb("resample(df, n_samples=n)",
               "sklearn.utils._param_validation.InvalidParameterError: The 'n_samples' parameter "
               "of resample must be an int in the range [1, inf) or None. Got 0 instead."),
      "runtime.value_error", "py.sklearn_parameter_empty");
  add("tpusg", Tb("frame = cv2.resize(frame, size)",
                  "SystemError: new style getargs format but argument is not a tuple"),
      "runtime.api_misuse", "py.opencv_getargs");
  add("dp", Tb("img = cv2.resize(img, (w, h))",
                "cv2.error: OpenCV(4.10.0) resize.cpp:4152: error: (-215:Assertion failed) "
                "!ssize.empty() in function 'resize'"),
      "runtime.value_error", "py.opencv_empty_image");
  add("psg", Tb("net = cv2.dnn.readNetFromTensorflow(p)",
                "cv2.error: OpenCV(4.10.0) tf_importer.cpp:3044: error: (-215:Assertion failed) "
                "netBinSize || netTxtSize in function 'populateNet'"),
      "runtime.api_misuse", "py.opencv_error");
  // data
  add("psg",
      "Traceback (most recent call last):\n  File \"/tmp/gen.py\", line 3, in <module>\n"
      "    x = df['Label']\n  File \"/x/pandas/core/frame.py\", line 4102, in __getitem__\n"
      "    indexer = self.columns.get_loc(key)\nKeyError: 'Label'\n",
      "data.schema", "data.pandas_missing_column");
  add("dp", Tb("row['Fruit']", "KeyError: 'Fruit'"), "data.schema", "data.dp_key_error");
  add("dp", Tb("assert 'Red' in cols, \"Column 'Red' not found in the dataset.\"",
               "AssertionError: Column 'Red' not found in the dataset."),
      "data.schema", "data.column_check");
  add("psg", Tb("labels = {int(l.split(' ', 1)[0]): l for l in f}",
                "ValueError: invalid literal for int() with base 10: 'person\\n'"),
      "data.input_format", "data.label_map_format");
  add("tpusg", Tb("return {int(l.split(' ')[0]): l.split(' ', 1)[1] for l in lines}",
                  "IndexError: list index out of range"),
      "data.input_format", "data.split_line_format");
  // generic
  add("tpusg", "Remote execution timeout after 60 seconds", "runtime.timeout", "py.timeout");
  add("dp", Tb("x = [0] * 10**12", "MemoryError"), "runtime.resource_limit", "py.resource_limit");
  add("sg", "Segmentation fault (core dumped)", "runtime.crash", "native.crash");
  add("psg", Tb("score = scores[i]", "IndexError: index 19 is out of bounds for axis 0 with size 10"),
      "runtime.value_error", "py.value_errors");
  add("dp", Tb("run()", "RuntimeError: something odd"), "runtime.crash", "py.uncaught_exception");
  return cases;
}

TEST(Classifier, EverySnippetGetsItsCategoryAndRule) {
  for (const auto& c : Cases()) {
    FailureInput in;
    in.stage = c.stage;
    in.text = c.text;
    in.layer = c.layer;
    Verdict v = Rules().Classify(in);
    EXPECT_EQ(IdOf(v.primary), c.expected_id) << c.text << "\nrule: " << v.rule;
    EXPECT_EQ(v.rule, c.expected_rule) << c.text;
    if (v.primary != Category::kUnknown) {
      EXPECT_FALSE(v.evidence.empty()) << c.text;
      EXPECT_FALSE(v.why.empty()) << v.rule;
    }
  }
}

TEST(Classifier, EveryRuleHasASnippet) {
  std::set<std::string> covered;
  for (const auto& c : Cases()) covered.insert(c.expected_rule);
  for (const auto& rule : Rules().rules().rules) {
    if (rule.tag) continue;
    EXPECT_TRUE(covered.count(rule.id)) << "no snippet exercises rule " << rule.id;
  }
}

TEST(Classifier, NothingMatchedIsUnknownAndSaysSo) {
  FailureInput in;
  in.text = "something nobody has seen before";
  Verdict v = Rules().Classify(in);
  EXPECT_EQ(v.primary, Category::kUnknown);
  EXPECT_EQ(v.rule, "none");
  EXPECT_TRUE(v.secondary.empty());
  in.text = "";
  EXPECT_EQ(Rules().Classify(in).primary, Category::kUnknown);
}

TEST(Classifier, PrototypeSignaturesDoNotFireInThisToolsRunLayer) {
  // A generated script that parses JSON at run time, or a config-looking line that fails: in the
  // prototype's logs these are its JSON reply parser and its config rewrite; in our run layer
  // they are the generated program's own failures.
  FailureInput json_in;
  json_in.stage = "dp";
  json_in.text =
      "Traceback (most recent call last):\n  File \"script.py\", line 3, in <module>\n    cfg = json.loads(t)\n"
      "json.decoder.JSONDecodeError: Expecting value: line 1 column 1 (char 0)\n";
  EXPECT_EQ(Rules().Classify(json_in).primary, Category::kFormatStructuredInvalid);
  json_in.layer = "run";
  Verdict v = Rules().Classify(json_in);
  EXPECT_NE(v.primary, Category::kFormatStructuredInvalid) << v.rule;
  EXPECT_EQ(IdOf(v.primary).substr(0, 8), "runtime.") << v.rule;

  FailureInput rewrite;
  rewrite.stage = "dp";
  rewrite.text =
      "Traceback (most recent call last):\n  File \"script.py\", line 2, in <module>\n"
      "    label  = \"apple,banana\".split(\",\")[5]\nIndexError: list index out of range\n";
  EXPECT_EQ(Rules().Classify(rewrite).primary, Category::kHarnessBug);
  rewrite.layer = "run";
  EXPECT_NE(Rules().Classify(rewrite).primary, Category::kHarnessBug);  // the program's own bug
}

TEST(Classifier, PrototypeEdgeSignaturesAreTheProgramsFailureInThisToolsRunLayer) {
  // The prototype's config rewrite put a model name or a path into a size or details variable;
  // this tool rewrites nothing, so in its run layer the same traceback is the script's own bug.
  struct Edge {
    const char* stage;
    std::string text;
    const char* rule;  // the prototype's signature it matches outside the run layer
  };
  const std::vector<Edge> cases = {
      {"psg",
       Tb("small = cv2.resize(rgb, (side_w, side_h))",
          "cv2.error: OpenCV(4.6.0) :-1: error: (-5:Bad argument) in function 'resize'\n"
          "> Overload resolution failed:\n>  - Can't parse 'dsize'. Sequence item with index 1 has a wrong type"),
       "harness.size_clobbered"},
      {"tpusg", Tb("small = cv2.resize(rgb, (side_w, side_h))", "TypeError: an integer is required (got type str)"),
       "harness.size_clobbered"},
      {"tpusg", Tb("side = int(side_text)", "ValueError: invalid literal for int() with base 10: 'gpt-5-mini'"),
       "harness.model_name_injected"},
      {"psg", Tb("n = output_details[0]['index']", "TypeError: string indices must be integers"),
       "harness.details_clobbered"},
  };
  for (const auto& c : cases) {
    FailureInput in;
    in.stage = c.stage;
    in.text = c.text;
    Verdict outside = Rules().Classify(in);
    EXPECT_EQ(outside.primary, Category::kHarnessBug) << c.text;
    EXPECT_EQ(outside.rule, c.rule) << c.text;
    in.layer = "run";
    Verdict v = Rules().Classify(in);
    EXPECT_NE(v.primary, Category::kHarnessBug) << v.rule << "\n" << c.text;
    EXPECT_EQ(IdOf(v.primary).substr(0, 8), "runtime.") << v.rule << "\n" << c.text;
  }
}

TEST(Classifier, NumpyOutOfMemoryAndFileSizeLimitAreResourceLimits) {
  FailureInput in;
  in.stage = "mc";
  in.layer = "run";
  in.text = "Traceback (most recent call last):\n  File \"script.py\", line 3, in <module>\n    x = np.zeros(n)\n"
            "numpy.core._exceptions._ArrayMemoryError: Unable to allocate 7.28 TiB for an array with shape (1,) and data type float64\n";
  EXPECT_EQ(Rules().Classify(in).primary, Category::kRuntimeResourceLimit);
  in.text = "Traceback (most recent call last):\n  File \"script.py\", line 3, in <module>\n    f.write(b)\n"
            "OSError: [Errno 27] File too large\n";
  EXPECT_EQ(Rules().Classify(in).primary, Category::kRuntimeResourceLimit);
}

TEST(Classifier, FirstCompilerErrorWinsAndLaterOnesBecomeTags) {
  FailureInput in;
  in.stage = "sg";
  in.text = Cc("conflicting declaration 'const tflite::Model* model'") +
            Cc("'g_model' was not declared in this scope");
  Verdict v = Rules().Classify(in);
  EXPECT_EQ(v.primary, Category::kBuildRedeclaration);
  EXPECT_EQ(v.evidence, "conflicting declaration 'const tflite::Model* model'");
  std::set<Category> secondary(v.secondary.begin(), v.secondary.end());
  EXPECT_TRUE(secondary.count(Category::kHarnessPromptContract));
  EXPECT_TRUE(secondary.count(Category::kBuildUndeclared));
}

TEST(Classifier, PlaceholderPathsArePrimaryWhateverTheLoaderRaises) {
  FailureInput in;
  in.stage = "mc";
  in.text = Tb("m = load_model('path_to_your_model.h5')",
               "FileNotFoundError: [Errno 2] Unable to synchronously open file (name = "
               "'path_to_your_model.h5', errno = 2)");
  Verdict v = Rules().Classify(in);
  EXPECT_EQ(v.primary, Category::kFormatPlaceholderLeft);
  EXPECT_EQ(v.rule, "placeholder.path_in_error");
  // A real-looking path that does not exist stays a missing file.
  in.text = Tb("m = load_model('models/fruit/model.h5')",
               "FileNotFoundError: [Errno 2] No such file or directory: 'models/fruit/model.h5'");
  EXPECT_EQ(Rules().Classify(in).primary, Category::kRuntimeFileNotFound);
}

TEST(Classifier, RealPackageIsEnvironmentInventedOneIsTheModels) {
  FailureInput in;
  in.stage = "tpusg";
  in.text = Tb("import tflite_runtime.interpreter as tflite",
               "ModuleNotFoundError: No module named 'tflite_runtime'");
  EXPECT_EQ(Rules().Classify(in).primary, Category::kEnvToolchainMissing);
  EXPECT_FALSE(Info(Rules().Classify(in).primary).counts_against_model);
  in.text = Tb("import tflite_runtimes", "ModuleNotFoundError: No module named 'tflite_runtimes'");
  EXPECT_EQ(Rules().Classify(in).primary, Category::kRuntimeImport);
}

TEST(Classifier, StageRestrictsRules) {
  FailureInput in;
  in.text = "list index out of range";
  in.stage = "sg";
  EXPECT_EQ(Rules().Classify(in).primary, Category::kFormatStructuredInvalid);
  in.stage = "dp";
  EXPECT_EQ(Rules().Classify(in).primary, Category::kUnknown);
}

TEST(Classifier, StageFromFileName) {
  EXPECT_EQ(StageFromFileName("/a/b/sg__123.txt"), "sg");
  EXPECT_EQ(StageFromFileName("tpusg__x"), "tpusg");
  EXPECT_EQ(StageFromFileName("foo__x.txt"), "");
  EXPECT_EQ(StageFromFileName("sg_x.txt"), "");
}

TEST(Classifier, PriorityAndFileOrderDecide) {
  auto c = Classifier::FromString(
      "version: 1\nrules:\n"
      "  - {id: low, category: runtime.crash, priority: 1, any_line: boom}\n"
      "  - {id: high, category: runtime.timeout, priority: 9, any_line: boom}\n"
      "  - {id: tie, category: runtime.import, priority: 9, any_line: boom}\n"
      "  - {id: tagged, category: harness.bug, tag: true, any_line: boom}\n",
      "t.yaml");
  ASSERT_TRUE(c.ok()) << c.error().message;
  FailureInput in;
  in.text = "it went boom";
  Verdict v = c->Classify(in);
  EXPECT_EQ(v.rule, "high");
  EXPECT_EQ(v.secondary, std::vector<Category>{Category::kHarnessBug});
  EXPECT_EQ(v.evidence, "it went boom");
}

}  // namespace
}  // namespace autopilot::taxonomy
