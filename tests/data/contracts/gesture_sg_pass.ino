// The gesture reference sketch (examples/gesture/reference_sketch.ino) with the SG contract's
// functions added at file scope: the window features, argmax, quantize, dequantize.
// Reference sketch for the gesture case study (GestureToEmoji's shape, classic TFLM API as in
// Harvard_TinyMLx, the Rev1 board's LSM9DS1): waits until |aX| + |aY| + |aZ| >= 2.5 g, captures
// the next 119 readings of the accelerometer and gyroscope, normalises them ((a + 4) / 8,
// (g + 2000) / 4000) into the int8 model in model.h (g_model), reading by reading, and prints a
// score per gesture. It is the known-good answer the virtual board's window oracle must pass.
#include <Arduino_LSM9DS1.h>
#include <TensorFlowLite.h>
#include <tensorflow/lite/micro/all_ops_resolver.h>
#include <tensorflow/lite/micro/micro_error_reporter.h>
#include <tensorflow/lite/micro/micro_interpreter.h>
#include <tensorflow/lite/schema/schema_generated.h>
#include <tensorflow/lite/version.h>

#include "model.h"

namespace {
const float kAccelerationThreshold = 2.5;  // g
const int kNumSamples = 119;
int samples_read = kNumSamples;

tflite::MicroErrorReporter error_reporter;
tflite::AllOpsResolver resolver;
const tflite::Model* model = nullptr;
tflite::MicroInterpreter* interpreter = nullptr;
TfLiteTensor* input = nullptr;
TfLiteTensor* output = nullptr;
constexpr int kArenaSize = 16 * 1024;
alignas(16) uint8_t tensor_arena[kArenaSize];
const char* kGestures[] = {"punch", "flex"};
constexpr int kNumGestures = sizeof(kGestures) / sizeof(kGestures[0]);

void SetInput(int i, float value) {
  if (input->type == kTfLiteInt8) {
    int q = static_cast<int>(roundf(value / input->params.scale) + input->params.zero_point);
    input->data.int8[i] = static_cast<int8_t>(constrain(q, -128, 127));
  } else {
    input->data.f[i] = value;
  }
}
}  // namespace


void compute_features(const float* raw, float* features) {
  for (int i = 0; i < 119; i++) {
    for (int c = 0; c < 3; c++) features[i * 6 + c] = (raw[i * 6 + c] + 4.0f) / 8.0f;
    for (int c = 3; c < 6; c++) features[i * 6 + c] = (raw[i * 6 + c] + 2000.0f) / 4000.0f;
  }
}
int argmax(const float* values, int count) {
  int best = 0;
  for (int i = 1; i < count; i++) if (values[i] > values[best]) best = i;
  return best;
}
int8_t quantize(float x, float scale, int zero_point) {
  long q = lroundf(x / scale) + zero_point;
  return (int8_t)(q < -128 ? -128 : q > 127 ? 127 : q);
}
float dequantize(int8_t q, float scale, int zero_point) { return (q - zero_point) * scale; }

void setup() {
  Serial.begin(9600);
  while (!Serial) {
  }
  if (!IMU.begin()) {
    Serial.println("Failed to initialize IMU!");
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
}

void loop() {
  float aX, aY, aZ, gX, gY, gZ;
  // Wait for significant motion.
  while (samples_read == kNumSamples) {
    if (IMU.accelerationAvailable()) {
      IMU.readAcceleration(aX, aY, aZ);
      if (fabs(aX) + fabs(aY) + fabs(aZ) >= kAccelerationThreshold) {
        samples_read = 0;
        break;
      }
    }
  }
  // Capture the window, reading by reading: input[i * 6 + k] is channel k of reading i.
  while (samples_read < kNumSamples) {
    if (IMU.accelerationAvailable() && IMU.gyroscopeAvailable()) {
      IMU.readAcceleration(aX, aY, aZ);
      IMU.readGyroscope(gX, gY, gZ);
      const int base = samples_read * 6;
      SetInput(base + 0, (aX + 4.0) / 8.0);
      SetInput(base + 1, (aY + 4.0) / 8.0);
      SetInput(base + 2, (aZ + 4.0) / 8.0);
      SetInput(base + 3, (gX + 2000.0) / 4000.0);
      SetInput(base + 4, (gY + 2000.0) / 4000.0);
      SetInput(base + 5, (gZ + 2000.0) / 4000.0);
      samples_read++;
      if (samples_read == kNumSamples) {
        if (interpreter->Invoke() != kTfLiteOk) {
          Serial.println("Invoke failed!");
          return;
        }
        for (int i = 0; i < kNumGestures; i++) {
          float score = output->type == kTfLiteInt8
                            ? (output->data.int8[i] - output->params.zero_point) * output->params.scale
                            : output->data.f[i];
          Serial.print(kGestures[i]);
          Serial.print(": ");
          Serial.println(score, 6);
        }
        Serial.println();
      }
    }
  }
}
