#include "autopilot/sweep/rate_limiter.h"

#include <thread>

namespace autopilot::sweep {

RateLimiter::RateLimiter(double per_minute, std::function<void(Clock::duration)> sleep)
    : interval_(std::chrono::duration_cast<Clock::duration>(
          std::chrono::duration<double>(per_minute > 0 ? 60.0 / per_minute : 0.0))),
      sleep_(std::move(sleep)),
      next_(Clock::time_point::min()) {
  if (!sleep_) sleep_ = [](Clock::duration d) { std::this_thread::sleep_for(d); };
}

RateLimiter::Clock::duration RateLimiter::Acquire() {
  Clock::duration wait{0};
  {
    // Reserve a slot under the lock, sleep outside it so other callers can queue behind.
    std::lock_guard<std::mutex> lk(mu_);
    auto now = Clock::now();
    auto slot = next_ > now ? next_ : now;
    wait = slot - now;
    next_ = slot + interval_;
  }
  if (wait > Clock::duration::zero()) sleep_(wait);
  return wait;
}

llm::LlmResult RateLimitedBackend::DoComplete(const llm::LlmRequest& request,
                                             const llm::StreamObserver& observer) {
  limiter_->Acquire();
  return inner_->Complete(request, observer);
}

}  // namespace autopilot::sweep
