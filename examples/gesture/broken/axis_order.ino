// Broken on purpose (expect semantic.wrong_input): gyroscope before accelerometer in each reading
// (gx, gy, gz, ax, ay, az) while the model was trained on ax, ay, az, gx, gy, gz.
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
      SetInput(base + 0, (gX + 2000.0) / 4000.0);
      SetInput(base + 1, (gY + 2000.0) / 4000.0);
      SetInput(base + 2, (gZ + 2000.0) / 4000.0);
      SetInput(base + 3, (aX + 4.0) / 8.0);
      SetInput(base + 4, (aY + 4.0) / 8.0);
      SetInput(base + 5, (aZ + 4.0) / 8.0);
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
