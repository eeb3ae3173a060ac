// Reference sketch for the fruit case study (classic TFLM API, as in Harvard_TinyMLx):
// reads the APDS9960, feeds the colour ratios to the int8 model in model.h (g_model), prints the
// class. It is the known-good answer the virtual board's oracle must pass; LLM sketches are
// judged the same way.
#include <Arduino_APDS9960.h>
#include <TensorFlowLite.h>
#include <tensorflow/lite/micro/all_ops_resolver.h>
#include <tensorflow/lite/micro/micro_error_reporter.h>
#include <tensorflow/lite/micro/micro_interpreter.h>
#include <tensorflow/lite/schema/schema_generated.h>
#include <tensorflow/lite/version.h>

#include "model.h"

namespace {
tflite::MicroErrorReporter error_reporter;
tflite::AllOpsResolver resolver;
const tflite::Model* model = nullptr;
tflite::MicroInterpreter* interpreter = nullptr;
TfLiteTensor* input = nullptr;
TfLiteTensor* output = nullptr;
constexpr int kArenaSize = 8 * 1024;
alignas(16) uint8_t tensor_arena[kArenaSize];
const char* kClasses[] = {"apple", "banana", "orange"};
}  // namespace

void setup() {
  Serial.begin(9600);
  while (!Serial) {
  }
  if (!APDS.begin()) {
    Serial.println("Error initializing APDS9960 sensor.");
    while (true) {
    }
  }
  model = tflite::GetModel(g_model);
  if (model->version() != TFLITE_SCHEMA_VERSION) {
    Serial.println("Model schema version mismatch");
    while (true) {
    }
  }
  static tflite::MicroInterpreter static_interpreter(model, resolver, tensor_arena, kArenaSize,
                                                     &error_reporter);
  interpreter = &static_interpreter;
  if (interpreter->AllocateTensors() != kTfLiteOk) {
    Serial.println("AllocateTensors() failed");
    while (true) {
    }
  }
  input = interpreter->input(0);
  output = interpreter->output(0);
  Serial.println("ready");
}

void loop() {
  int r, g, b, c, p;
  // Wait for an object close enough (proximity 0 = near) and bright enough.
  while (!APDS.colorAvailable() || !APDS.proximityAvailable()) {
    delay(5);
  }
  APDS.readColor(r, g, b, c);
  p = APDS.readProximity();
  if (p != 0 || c <= 10) {
    delay(50);
    return;
  }
  float sum = r + g + b;
  float features[3] = {r / sum, g / sum, b / sum};
  for (int i = 0; i < 3; i++) {
    if (input->type == kTfLiteInt8) {
      int q = static_cast<int>(roundf(features[i] / input->params.scale) + input->params.zero_point);
      input->data.int8[i] = static_cast<int8_t>(constrain(q, -128, 127));
    } else {
      input->data.f[i] = features[i];
    }
  }
  if (interpreter->Invoke() != kTfLiteOk) {
    Serial.println("Invoke failed");
    return;
  }
  int best = 0;
  float best_score = -1e9;
  for (int i = 0; i < 3; i++) {
    float score = output->type == kTfLiteInt8
                      ? (output->data.int8[i] - output->params.zero_point) * output->params.scale
                      : output->data.f[i];
    if (score > best_score) {
      best_score = score;
      best = i;
    }
  }
  Serial.print("Prediction: ");
  Serial.println(kClasses[best]);
  // Wait until the object is removed before the next reading.
  while (true) {
    if (APDS.proximityAvailable() && APDS.readProximity() > 0) break;
    delay(10);
  }
}
