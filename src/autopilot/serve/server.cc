#include "autopilot/serve/server.h"

#include <httplib.h>
#include <arpa/inet.h>

#include <charconv>
#include <chrono>
#include <cstdio>

#include "autopilot/serve/store_view.h"
#include "autopilot/util/error_codes.h"
#include "autopilot/util/files.h"
#include "autopilot/util/strings.h"

namespace autopilot::serve {
namespace {

using nlohmann::json;

/// What the browser may do with our pages: our own scripts, styles and API only; nothing
/// inline, no frames, no forms. The page never builds markup from store text, and this is
/// the second line should it ever do so.
constexpr const char* kContentSecurityPolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self';"
    " base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// One asset file: its path under the assets folder and its content type.
struct Asset {
  const char* route;
  const char* file;
  const char* type;
};
constexpr Asset kAssets[] = {
    {"/", "index.html", "text/html; charset=utf-8"},
    {"/assets/app.js", "app.js", "text/javascript; charset=utf-8"},
    {"/assets/style.css", "style.css", "text/css; charset=utf-8"},
};

int64_t IntParam(const httplib::Request& req, const char* key, int64_t fallback, int64_t lo, int64_t hi) {
  if (!req.has_param(key)) return fallback;
  const std::string v = req.get_param_value(key);
  int64_t out = fallback;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
  if (ec != std::errc() || p != v.data() + v.size()) return fallback;
  return std::clamp(out, lo, hi);
}

std::string Param(const httplib::Request& req, const char* key) {
  return req.has_param(key) ? req.get_param_value(key) : "";
}

void SendJson(httplib::Response& res, int status, const json& doc) {
  res.status = status;
  // Store text is untrusted and may hold invalid UTF-8: replaced, never a thrown exception.
  res.set_content(doc.dump(-1, ' ', false, json::error_handler_t::replace), "application/json; charset=utf-8");
  res.set_header("Cache-Control", "no-store");
}

/// The Host header names this machine (a page on another origin that resolves its name to
/// 127.0.0.1 — DNS rebinding — must not read the store).
bool LocalHostHeader(const std::string& host_header) {
  std::string host = host_header;
  if (!host.empty() && host.front() == '[') {
    host = host.substr(1, host.find(']') == std::string::npos ? std::string::npos : host.find(']') - 1);
  } else if (auto colon = host.rfind(':'); colon != std::string::npos) {
    host.resize(colon);
  }
  return IsLoopbackHost(host);
}

}  // namespace

bool IsLoopbackHost(const std::string& host) {
  if (host == "localhost" || host == "::1") return true;
  in_addr addr{};
  if (inet_pton(AF_INET, host.c_str(), &addr) == 1) return (ntohl(addr.s_addr) >> 24) == 127;
  return false;
}

struct Server::Impl {
  ServeOptions options;
  httplib::Server http;
  int port = 0;
  std::map<std::string, std::pair<std::string, std::string>> assets;  // route → (content, type)

  /// Answers one API request with a fresh read-only connection (one per request: handlers run
  /// on httplib's thread pool, and SQLite connections are not shared between threads).
  template <typename F>
  void Api(httplib::Response& res, F query) {
    const auto t0 = std::chrono::steady_clock::now();
    auto view = StoreView::Open(options.store);
    if (!view) {
      SendJson(res, 500, {{"error", view.error().message}});
      return;
    }
    Result<json> doc = query(*view);
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    // Server-Timing: the time this server spent, for the browser's devtools and bench/serve.
    char timing[64];
    std::snprintf(timing, sizeof timing, "app;dur=%.3f", ms);
    res.set_header("Server-Timing", timing);
    if (!doc) {
      SendJson(res, doc.error().code == errc::kUsage ? 404 : 500, {{"error", doc.error().message}});
      return;
    }
    SendJson(res, 200, *doc);
  }

  void Routes() {
    // Stop() waits for idle kept-alive connections to time out: short, so Ctrl-C ends promptly.
    http.set_keep_alive_timeout(1);
    // Small JSON answers: without this, Nagle and delayed ACKs add 40 ms to a kept-alive request.
    http.set_tcp_nodelay(true);
    http.set_default_headers({{"Content-Security-Policy", kContentSecurityPolicy},
                              {"X-Content-Type-Options", "nosniff"},
                              {"Referrer-Policy", "no-referrer"},
                              {"X-Frame-Options", "DENY"}});
    const bool loopback = IsLoopbackHost(options.host);
    http.set_pre_routing_handler([loopback](const httplib::Request& req, httplib::Response& res) {
      if (req.method != "GET" && req.method != "HEAD") {
        res.status = 405;
        res.set_header("Allow", "GET, HEAD");
        res.set_content("read-only viewer: GET only\n", "text/plain");
        return httplib::Server::HandlerResponse::Handled;
      }
      if (loopback && !LocalHostHeader(req.get_header_value("Host"))) {
        res.status = 403;
        res.set_content("this viewer answers only requests addressed to this machine\n", "text/plain");
        return httplib::Server::HandlerResponse::Handled;
      }
      return httplib::Server::HandlerResponse::Unhandled;
    });
    for (const auto& [route, asset] : assets) {
      http.Get(route, [content = asset.first, type = asset.second](const httplib::Request&, httplib::Response& res) {
        res.set_content(content, type.c_str());
      });
    }
    // Browsers ask for it on every page; there is none (204 rather than a logged 404).
    http.Get("/favicon.ico", [](const httplib::Request&, httplib::Response& res) { res.status = 204; });
    http.Get("/api/summary", [this](const httplib::Request& req, httplib::Response& res) {
      Filter f{Param(req, "model"), Param(req, "format"), Param(req, "stage"), Param(req, "code")};
      Api(res, [&](StoreView& v) { return v.Summary(f); });
    });
    http.Get("/api/cell", [this](const httplib::Request& req, httplib::Response& res) {
      CellQuery q{Param(req, "model"), Param(req, "format"), Param(req, "stage"), Param(req, "preset"),
                  Param(req, "code"), IntParam(req, "offset", 0, 0, INT64_MAX),
                  IntParam(req, "limit", 200, 1, 1000)};
      Api(res, [&](StoreView& v) { return v.Cell(q); });
    });
    http.Get(R"(/api/run/(\d{1,18}))", [this](const httplib::Request& req, httplib::Response& res) {
      const int64_t id = std::stoll(req.matches[1].str());
      Api(res, [&](StoreView& v) { return v.Run(id); });
    });
    http.Get("/api/progress", [this](const httplib::Request&, httplib::Response& res) {
      Api(res, [&](StoreView& v) { return v.Progress(); });
    });
  }
};

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Server::~Server() = default;

Result<std::unique_ptr<Server>> Server::Bind(const ServeOptions& options) {
  if (!IsLoopbackHost(options.host) && !options.allow_remote) {
    return Error{errc::kUsage, "--host " + options.host +
                                   " is not a loopback address: the viewer shows prompts, replies and code to "
                                   "whoever can reach it, without authentication; add --allow-remote to bind it anyway"};
  }
  if (options.port < 0 || options.port > 65535) {
    return Error{errc::kUsage, "--port " + std::to_string(options.port) + " is not a TCP port (0-65535)"};
  }
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  for (const Asset& a : kAssets) {
    const std::string path = options.assets_dir + "/" + a.file;
    auto content = util::ReadFile(path);
    if (!content) return Error{errc::kUsage, path + ": the viewer's page is missing (" + content.error().message + ")"};
    impl->assets[a.route] = {*content, a.type};
  }
  // Fail now, not on the first page: the store must exist and open read-only.
  if (auto view = StoreView::Open(options.store); !view) return view.error();
  impl->Routes();
  if (options.port == 0) {
    impl->port = impl->http.bind_to_any_port(options.host);
    if (impl->port <= 0) return Error{errc::kUsage, "cannot listen on " + options.host + " (any port)"};
  } else {
    if (!impl->http.bind_to_port(options.host, options.port)) {
      return Error{errc::kUsage, "cannot listen on " + options.host + ":" + std::to_string(options.port) +
                                     " (in use? try --port 0 for any free port)"};
    }
    impl->port = options.port;
  }
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

int Server::port() const { return impl_->port; }

std::string Server::Url() const {
  const std::string& h = impl_->options.host;
  const std::string host = h.find(':') != std::string::npos ? "[" + h + "]" : h;
  return "http://" + host + ":" + std::to_string(impl_->port) + "/";
}

Result<void> Server::Run() {
  if (!impl_->http.listen_after_bind()) return Error{errc::kUsage, "the viewer stopped listening unexpectedly"};
  return Ok();
}

void Server::Stop() { impl_->http.stop(); }

}  // namespace autopilot::serve
