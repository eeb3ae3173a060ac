#pragma once
// Requests-per-minute limits shared by every worker that talks to one provider, and a backend
// wrapper that waits for its turn before each call.

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>

#include "autopilot/llm/backend.h"

namespace autopilot::sweep {

/// Spaces request starts at least 60/per_minute seconds apart (a smooth limit: no bursts that a
/// provider's sliding window would reject). Thread-safe.
class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;
  /// `sleep` is for tests; default std::this_thread::sleep_for.
  explicit RateLimiter(double per_minute,
                       std::function<void(Clock::duration)> sleep = nullptr);
  /// Blocks until this caller may start a request; returns how long it waited.
  Clock::duration Acquire();

 private:
  Clock::duration interval_;
  std::function<void(Clock::duration)> sleep_;
  std::mutex mu_;
  Clock::time_point next_;
};

/// Calls `inner` after `limiter` allows it (limiter may be shared between backends).
class RateLimitedBackend : public llm::LlmBackend {
 public:
  RateLimitedBackend(std::unique_ptr<llm::LlmBackend> inner, std::shared_ptr<RateLimiter> limiter)
      : inner_(std::move(inner)), limiter_(std::move(limiter)) {}
  Result<llm::PingInfo> Ping() override { return inner_->Ping(); }
  std::string Describe() const override { return inner_->Describe(); }

 protected:
  llm::LlmResult DoComplete(const llm::LlmRequest& request, const llm::StreamObserver& observer) override;

 private:
  std::unique_ptr<llm::LlmBackend> inner_;
  std::shared_ptr<RateLimiter> limiter_;
};

}  // namespace autopilot::sweep
