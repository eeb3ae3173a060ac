// Virtual board SDK (autopilot): schema version of the classic TFLite API.
#ifndef TENSORFLOW_LITE_VERSION_H_
#define TENSORFLOW_LITE_VERSION_H_
#define TFLITE_SCHEMA_VERSION (3)
#endif
