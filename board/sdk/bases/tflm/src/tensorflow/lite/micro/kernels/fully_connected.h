// Virtual board SDK (autopilot): FULLY_CONNECTED registration, shared by both TFLM generations.
#ifndef TENSORFLOW_LITE_MICRO_KERNELS_FULLY_CONNECTED_H_
#define TENSORFLOW_LITE_MICRO_KERNELS_FULLY_CONNECTED_H_
#include "tensorflow/lite/c/common.h"
namespace tflite {
TfLiteRegistration Register_FULLY_CONNECTED();
TfLiteRegistration Register_CONV_2D();
TfLiteRegistration Register_DEPTHWISE_CONV_2D();
TfLiteRegistration Register_SHAPE();
}  // namespace tflite
#endif
