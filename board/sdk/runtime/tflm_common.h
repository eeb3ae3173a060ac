// Virtual board runtime (autopilot): profile-independent state behind MicroInterpreter — model
// check, arena placement of the I/O tensors, op coverage, Invoke through the bridge, logging.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <functional>
#include <string>
#include <vector>

#include "tensorflow/lite/c/common.h"

namespace vboard {

struct TflmState {
  int handle = -1;
  const void* model = nullptr;
  uint8_t* arena = nullptr;
  size_t arena_size = 0;
  bool allocated = false;
  size_t tensor_count = 0;
  size_t operator_count = 0;
  size_t used_bytes = 0;
  std::vector<TfLiteTensor> io[2];
  std::vector<int> io_index[2];
  std::vector<std::vector<int>> dims_mem;
  bool output_logged = false;
  ~TflmState();
};

size_t TypeSize(TfLiteType type);
TfLiteType FromSchemaType(int schema_type);
bool TflmOpen(TflmState* s, const void* model, uint8_t* arena, size_t arena_size, std::string* err);
bool TflmAllocate(TflmState* s, const std::function<bool(int)>& has_op, std::string* err);
bool TflmInvoke(TflmState* s, std::string* err);
TfLiteTensor* TflmIo(TflmState* s, bool output, size_t index);
TfLiteTensor* TflmTensor(TflmState* s, size_t index);

}  // namespace vboard
