// Virtual board runtime (autopilot): C interface to the project's TFLite interpreter, linked
// into every sketch binary (src/autopilot/board/tflm_bridge.cc implements it).
#pragma once

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// One input or output tensor: schema dtype code, shape, per-tensor quantization, byte size.
typedef struct vboard_tensor_desc {
  int dtype;
  int dims_size;
  int dims[8];
  float scale;
  int32_t zero_point;
  size_t bytes;
} vboard_tensor_desc;

/// Parses the model and prepares an interpreter. Returns a handle >= 0, or -1 with a message.
int vboard_tflm_load(const unsigned char* data, size_t size, char* err, size_t err_len);
/// Number of inputs (output = 0) or outputs (output = 1).
int vboard_tflm_count(int handle, int output);
int vboard_tflm_desc(int handle, int output, int index, vboard_tensor_desc* desc);
/// Builtin operator codes the model uses (unique), up to `max`; returns how many.
int vboard_tflm_ops(int handle, int* codes, int max);
/// Bytes of all non-constant tensors (what the arena must hold besides bookkeeping).
size_t vboard_tflm_activation_bytes(int handle);
/// Runs the model on the given input bytes and writes the output bytes. Returns 0 on success.
int vboard_tflm_invoke(int handle, const unsigned char* const* inputs, unsigned char* const* outputs,
                       char* err, size_t err_len);

#ifdef __cplusplus
}
#endif
