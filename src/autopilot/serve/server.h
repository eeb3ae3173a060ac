#pragma once
// `autopilot serve`: the local, read-only web viewer of a run store (cpp-httplib). The page's
// assets come from web/serve/ in the data directory; the store is opened read-only per request.

#include <memory>
#include <string>

#include "autopilot/util/result.h"

namespace autopilot::serve {

/// Where and what to serve.
struct ServeOptions {
  std::string store;
  std::string host = "127.0.0.1";
  int port = 8765;            ///< 0: any free port (printed once bound)
  bool allow_remote = false;  ///< required to bind a non-loopback address
  std::string assets_dir;     ///< folder with index.html, app.js, style.css
};

/// True for addresses only this machine can reach: 127.0.0.0/8, ::1, localhost.
bool IsLoopbackHost(const std::string& host);

/// A bound viewer. Run() serves until Stop() (from another thread or a signal watcher).
class Server {
 public:
  /// Checks the options (a non-loopback host without allow_remote is a usage Error), loads the
  /// assets, checks the store opens read-only, and binds.
  static Result<std::unique_ptr<Server>> Bind(const ServeOptions& options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  int port() const;
  /// The address to open in a browser.
  std::string Url() const;
  /// Serves until Stop(); Error when the listener failed.
  Result<void> Run();
  void Stop();

 private:
  struct Impl;
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace autopilot::serve
