// Fruit classifier: APDS9960 colour ratios -> int8 model -> class name on Serial.
#include <Arduino_APDS9960.h>
#include <TensorFlowLite.h>
#include <tensorflow/lite/micro/all_ops_resolver.h>
#include <tensorflow/lite/micro/micro_error_reporter.h>
#include <tensorflow/lite/micro/micro_interpreter.h>
#include <tensorflow/lite/schema/schema_generated.h>
#include <tensorflow/lite/version.h>

#include "/path/to/model.h"

tflite::MicroErrorReporter reporter;
tflite::AllOpsResolver resolver;
tflite::MicroInterpreter* interpreter;
alignas(16) uint8_t arena[8 * 1024];
const char* labels[] = {"apple", "banana", "orange"};

void halt(const char* why) {
  Serial.println(why);
  while (true) delay(1000);
}

void setup() {
  Serial.begin(115200);
  if (!APDS.begin()) halt("no APDS9960");
  const tflite::Model* model = tflite::GetModel(g_model);
  if (model->version() != TFLITE_SCHEMA_VERSION) halt("schema mismatch");
  static tflite::MicroInterpreter mi(model, resolver, arena, sizeof(arena), &reporter);
  interpreter = &mi;
  if (interpreter->AllocateTensors() != kTfLiteOk) halt("AllocateTensors failed");
}

void loop() {
  int r, g, b, c;
  if (!APDS.colorAvailable() || !APDS.proximityAvailable()) {
    delay(5);
    return;
  }
  APDS.readColor(r, g, b, c);
  int p = APDS.readProximity();
  float sum = r + g + b;
  if (p != 0 || c < 10 || sum <= 0) {
    delay(20);
    return;
  }
  TfLiteTensor* in = interpreter->input(0);
  float x[3] = {r / sum, g / sum, b / sum};
  for (int i = 0; i < 3; i++) {
    int q = (int)roundf(x[i] / in->params.scale) + in->params.zero_point;
    in->data.int8[i] = (int8_t)constrain(q, -128, 127);
  }
  if (interpreter->Invoke() != kTfLiteOk) return;
  TfLiteTensor* out = interpreter->output(0);
  int best = 0;
  for (int i = 1; i < 3; i++) {
    if (out->data.int8[i] > out->data.int8[best]) best = i;
  }
  Serial.println(labels[best]);
  while (!APDS.proximityAvailable() || APDS.readProximity() == 0) delay(10);
}
