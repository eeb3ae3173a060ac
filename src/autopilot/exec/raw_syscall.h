#pragma once
// System calls that never touch errno. The sandbox's init and the program's pre-exec child share
// the tool's address space (CLONE_VM, no fork of a large parent), and with it the calling thread's
// TLS: a failing libc wrapper there would overwrite the tool thread's errno while it runs. These
// return -errno instead.

#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <type_traits>

namespace autopilot::exec::raw {

#if defined(__x86_64__)
inline long Sys(long n, long a = 0, long b = 0, long c = 0, long d = 0, long e = 0, long f = 0) {
  long ret;
  register long r10 __asm__("r10") = d;
  register long r8 __asm__("r8") = e;
  register long r9 __asm__("r9") = f;
  __asm__ volatile("syscall"
                   : "=a"(ret)
                   : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
                   : "rcx", "r11", "memory");
  return ret;
}
constexpr bool kErrnoFree = true;
#elif defined(__aarch64__)
inline long Sys(long n, long a = 0, long b = 0, long c = 0, long d = 0, long e = 0, long f = 0) {
  register long x8 __asm__("x8") = n;
  register long x0 __asm__("x0") = a;
  register long x1 __asm__("x1") = b;
  register long x2 __asm__("x2") = c;
  register long x3 __asm__("x3") = d;
  register long x4 __asm__("x4") = e;
  register long x5 __asm__("x5") = f;
  __asm__ volatile("svc 0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x5) : "memory");
  return x0;
}
constexpr bool kErrnoFree = true;
#else
// Other architectures: libc's syscall(), which does set errno (documented in docs/sandbox.md).
inline long Sys(long n, long a = 0, long b = 0, long c = 0, long d = 0, long e = 0, long f = 0) {
  long r = ::syscall(n, a, b, c, d, e, f);
  return r < 0 ? -errno : r;
}
constexpr bool kErrnoFree = false;
#endif

/// A system call argument: pointers and integers alike.
/// write(fd, buf, n) and then exit_group(0) with no user-space instruction between them that
/// touches memory: once the tool has read the message it may reuse or unmap the caller's stack.
[[noreturn]] inline void WriteThenExit(int fd, const void* buf, unsigned long n) {
#if defined(__x86_64__)
  __asm__ volatile(
      "syscall\n\t"
      "movl $231, %%eax\n\t"
      "xorl %%edi, %%edi\n\t"
      "syscall\n\t"
      :
      : "a"(static_cast<long>(SYS_write)), "D"(static_cast<long>(fd)), "S"(buf), "d"(n)
      : "rcx", "r11", "memory");
#elif defined(__aarch64__)
  register long x8 __asm__("x8") = SYS_write;
  register long x0 __asm__("x0") = fd;
  register long x1 __asm__("x1") = reinterpret_cast<long>(buf);
  register long x2 __asm__("x2") = static_cast<long>(n);
  __asm__ volatile(
      "svc 0\n\t"
      "mov x8, #94\n\t"
      "mov x0, #0\n\t"
      "svc 0\n\t"
      : "+r"(x0)
      : "r"(x8), "r"(x1), "r"(x2)
      : "memory");
#else
  ::syscall(SYS_write, fd, buf, n);
  ::syscall(SYS_exit_group, 0);
#endif
  __builtin_unreachable();
}

template <typename T>
long L(T v) {
  if constexpr (std::is_pointer_v<T>) {
    return reinterpret_cast<long>(v);
  } else {
    return static_cast<long>(v);
  }
}

}  // namespace autopilot::exec::raw
