// Fruit classifier written to the SG contract: compute_features, argmax, quantize and
// dequantize at file scope with the contract's signatures, and used by loop().
#include <Arduino_APDS9960.h>
#include <TensorFlowLite.h>
#include <tensorflow/lite/micro/all_ops_resolver.h>
#include <tensorflow/lite/micro/micro_error_reporter.h>
#include <tensorflow/lite/micro/micro_interpreter.h>
#include <tensorflow/lite/schema/schema_generated.h>
#include <tensorflow/lite/version.h>

#include "model.h"

tflite::MicroErrorReporter reporter;
tflite::AllOpsResolver resolver;
tflite::MicroInterpreter* interpreter;
alignas(16) uint8_t arena[8 * 1024];
const char* labels[] = {"apple", "banana", "orange"};

void compute_features(const float* raw, float* features) {
  float sum = raw[0] + raw[1] + raw[2];
  for (int i = 0; i < 3; i++) features[i] = raw[i] / sum;
}

int argmax(const float* values, int count) {
  int best = 0;
  for (int i = 1; i < count; i++) {
    if (values[i] > values[best]) best = i;
  }
  return best;
}

int8_t quantize(float x, float scale, int zero_point) {
  long q = lroundf(x / scale) + zero_point;
  if (q < -128) q = -128;
  if (q > 127) q = 127;
  return (int8_t)q;
}

float dequantize(int8_t q, float scale, int zero_point) { return (q - zero_point) * scale; }

void halt(const char* why) {
  Serial.println(why);
  while (true) delay(1000);
}

void setup() {
  Serial.begin(9600);
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
  if (p != 0 || c < 10 || r + g + b <= 0) {
    delay(20);
    return;
  }
  TfLiteTensor* in = interpreter->input(0);
  float raw[3] = {(float)r, (float)g, (float)b};
  float x[3];
  compute_features(raw, x);
  for (int i = 0; i < 3; i++) in->data.int8[i] = quantize(x[i], in->params.scale, in->params.zero_point);
  if (interpreter->Invoke() != kTfLiteOk) return;
  TfLiteTensor* out = interpreter->output(0);
  float scores[3];
  for (int i = 0; i < 3; i++) scores[i] = dequantize(out->data.int8[i], out->params.scale, out->params.zero_point);
  Serial.print("Prediction: ");
  Serial.println(labels[argmax(scores, 3)]);
  while (!APDS.proximityAvailable() || APDS.readProximity() == 0) delay(10);
}
