#include "autopilot/llm/http_client.h"

#include <curl/curl.h>
#include <sys/socket.h>

#include <algorithm>
#include <mutex>

#include "autopilot/llm/types.h"
#include "autopilot/util/clock.h"
#include "autopilot/util/strings.h"

namespace autopilot::llm {
namespace {

/// Opens curl's sockets close-on-exec, so no program the tool starts inherits a connection.
curl_socket_t OpenCloexecSocket(void*, curlsocktype, struct curl_sockaddr* addr) {
  return ::socket(addr->family, addr->socktype | SOCK_CLOEXEC, addr->protocol);
}

void GlobalInitOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

/// State of one transfer, shared with the libcurl callbacks.
struct Transfer {
  const HttpRequest* request = nullptr;
  HttpResponse* response = nullptr;
  CURL* easy = nullptr;
  int64_t start_us = 0;
  int64_t last_activity_us = 0;
  bool too_large = false;

  long Status() const {
    long status = 0;
    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
    return status;
  }
  void Touch() {
    last_activity_us = util::MonotonicUs();
    if (response->first_byte_s < 0) {
      response->first_byte_s = static_cast<double>(last_activity_us - start_us) / 1e6;
    }
  }
};

size_t OnBody(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const size_t n = size * count;
  t->Touch();
  t->response->bytes_received += n;
  if (t->response->bytes_received > t->request->limits.max_response_bytes) {
    t->too_large = true;
    return 0;
  }
  const long status = t->Status();
  std::string_view piece(data, n);
  if (status >= 200 && status < 300 && t->request->on_data) {
    if (!t->request->on_data(piece)) {
      t->response->aborted_by_callback = true;
      return 0;
    }
    return n;
  }
  t->response->body.append(piece);
  return n;
}

size_t OnHeader(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const size_t n = size * count;
  t->Touch();
  std::string_view line(data, n);
  if (util::StartsWith(line, "HTTP/")) {
    t->response->headers.clear();  // a new response (after 100 Continue or a redirect)
    return n;
  }
  const size_t colon = line.find(':');
  if (colon != std::string_view::npos) {
    t->response->headers[util::ToLower(util::Trim(line.substr(0, colon)))] =
        util::Trim(line.substr(colon + 1));
  }
  return n;
}

Error CurlFailure(CURLcode rc, const char* detail, const HttpResponse& r, const std::string& url) {
  std::string what = (detail && *detail) ? detail : curl_easy_strerror(rc);
  const std::string where = util::RedactUrlCredentials(url);
  switch (rc) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
      return {kTransportConnection,
              "cannot connect to " + where + " (" + what + "): is the server running and the base URL right?"};
    case CURLE_OPERATION_TIMEDOUT:
      if (r.status == 0 && r.bytes_received == 0 && r.first_byte_s < 0) {
        return {kTransportTimeout, "timed out connecting to or waiting for " + where + " (" + what + ")"};
      }
      return {kTransportTimeout, "timed out reading from " + where + " (" + what + ")"};
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
      return {kTransportServerError,
              "connection to " + where + " reset or closed early (" + what + ")"};
    default:
      return {kTransportConnection, "transfer from " + where + " failed (" + what + ")"};
  }
}

}  // namespace

struct HttpClient::Impl {
  CURLM* multi = nullptr;
  CURL* easy = nullptr;
};

HttpClient::HttpClient() : impl_(std::make_unique<Impl>()) {
  GlobalInitOnce();
  impl_->multi = curl_multi_init();
  impl_->easy = curl_easy_init();
}

HttpClient::~HttpClient() {
  if (impl_->easy) curl_easy_cleanup(impl_->easy);
  if (impl_->multi) curl_multi_cleanup(impl_->multi);
}

HttpResponse HttpClient::Perform(const HttpRequest& request) {
  HttpResponse response;
  if (!impl_->multi || !impl_->easy) {
    response.error = Error{kTransportConnection, "libcurl could not be initialised"};
    return response;
  }
  CURL* easy = impl_->easy;
  curl_easy_reset(easy);
  Transfer t;
  t.request = &request;
  t.response = &response;
  t.easy = easy;
  char errbuf[CURL_ERROR_SIZE] = {0};

  curl_slist* headers = nullptr;
  for (const auto& [name, value] : request.headers) {
    headers = curl_slist_append(headers, (name + ": " + value).c_str());
  }
  headers = curl_slist_append(headers, "Expect:");  // no 100-continue round trip

  const auto& lim = request.limits;
  curl_easy_setopt(easy, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(easy, CURLOPT_OPENSOCKETFUNCTION, OpenCloexecSocket);
  curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(easy, CURLOPT_USERAGENT, "autopilot/" AUTOPILOT_VERSION);
  curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, &OnBody);
  curl_easy_setopt(easy, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, &OnHeader);
  curl_easy_setopt(easy, CURLOPT_HEADERDATA, &t);
  curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(lim.connect_timeout_s * 1000));
  // Our loop enforces the deadline; libcurl's own timer is a backstop a little later.
  curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, static_cast<long>(lim.deadline_s * 1000) + 1000);
  curl_easy_setopt(easy, CURLOPT_ACCEPT_ENCODING, "");
  if (request.method == "GET") {
    curl_easy_setopt(easy, CURLOPT_HTTPGET, 1L);
  } else {
    curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    curl_easy_setopt(easy, CURLOPT_POSTFIELDS, request.body.data());
    curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
  }

  t.start_us = util::MonotonicUs();
  t.last_activity_us = t.start_us;
  const int64_t deadline_us = t.start_us + static_cast<int64_t>(lim.deadline_s * 1e6);
  const int64_t idle_us = static_cast<int64_t>(lim.idle_timeout_s * 1e6);
  std::string abort_reason;

  curl_multi_add_handle(impl_->multi, easy);
  for (;;) {
    int running = 0;
    if (curl_multi_perform(impl_->multi, &running) != CURLM_OK) break;
    if (running == 0) break;
    const int64_t now = util::MonotonicUs();
    const bool idle_armed = request.streaming || response.first_byte_s >= 0;
    if (idle_us > 0 && idle_armed && now - t.last_activity_us > idle_us) {
      abort_reason = "no data for " + std::to_string(lim.idle_timeout_s) + " s (idle timeout)";
      break;
    }
    if (now > deadline_us) {
      abort_reason = "no complete answer within " + std::to_string(lim.deadline_s) + " s (deadline)";
      break;
    }
    int64_t wait_ms = std::min<int64_t>(100, (deadline_us - now) / 1000 + 1);
    if (idle_us > 0) wait_ms = std::min<int64_t>(wait_ms, idle_us / 4000 + 1);
    curl_multi_poll(impl_->multi, nullptr, 0, static_cast<int>(wait_ms), nullptr);
  }
  CURLcode rc = CURLE_OK;
  int pending = 0;
  while (CURLMsg* msg = curl_multi_info_read(impl_->multi, &pending)) {
    if (msg->msg == CURLMSG_DONE && msg->easy_handle == easy) rc = msg->data.result;
  }
  response.status = static_cast<int>(t.Status());
  curl_easy_getinfo(easy, CURLINFO_NUM_CONNECTS, &response.new_connections);
  curl_multi_remove_handle(impl_->multi, easy);
  curl_slist_free_all(headers);
  response.elapsed_s = static_cast<double>(util::MonotonicUs() - t.start_us) / 1e6;

  const std::string where = util::RedactUrlCredentials(request.url);
  if (!abort_reason.empty()) {
    response.error = Error{kTransportTimeout, where + ": " + abort_reason};
  } else if (t.too_large) {
    response.too_large = true;
    response.error = Error{kTransportServerError,
                           where + ": reply larger than " +
                               std::to_string(lim.max_response_bytes) +
                               " bytes refused (raise max_response_bytes if this is expected)"};
  } else if (response.aborted_by_callback) {
    // The caller stopped the transfer and reports why.
  } else if (rc != CURLE_OK) {
    response.error = CurlFailure(rc, errbuf, response, request.url);
  }
  return response;
}

std::string HeaderValue(const std::map<std::string, std::string>& headers, const std::string& name) {
  auto it = headers.find(util::ToLower(name));
  return it == headers.end() ? std::string() : it->second;
}

}  // namespace autopilot::llm
