// Virtual board SDK (autopilot): tflite::MicroAllocator of the classic API (arena bookkeeping).
#ifndef TENSORFLOW_LITE_MICRO_MICRO_ALLOCATOR_H_
#define TENSORFLOW_LITE_MICRO_MICRO_ALLOCATOR_H_
#include <cstddef>
#include <cstdint>
#include "tensorflow/lite/c/common.h"
#include "tensorflow/lite/core/api/error_reporter.h"
#include "tensorflow/lite/schema/schema_generated.h"
namespace tflite {
typedef struct {
  TfLiteNode node;
  const TfLiteRegistration* registration;
} NodeAndRegistration;
typedef struct {
  void* data;
} ScratchBufferHandle;
class MicroAllocator {
 public:
  static MicroAllocator* Create(uint8_t* tensor_arena, size_t arena_size,
                                ErrorReporter* error_reporter);
  size_t used_bytes() const;
  uint8_t* arena() const { return arena_; }
  size_t arena_size() const { return arena_size_; }
  void set_used_bytes(size_t bytes) { used_ = bytes; }

 protected:
  MicroAllocator(uint8_t* arena, size_t size) : arena_(arena), arena_size_(size), used_(0) {}

 private:
  uint8_t* arena_;
  size_t arena_size_;
  size_t used_;
};
}  // namespace tflite
#endif
