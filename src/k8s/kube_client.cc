#include "k8s/kube_client.h"

#include <curl/curl.h>
#include <fmt/format.h>

#include <memory>
#include <mutex>
#include <vector>

#include "k8s/api_status.h"
#include "net/curl_handle_pool.h"
#include "net/curl_util.h"

namespace podpilot::k8s {

// One libcurl easy handle per call, as in src/prom: concurrent calls (reconcilers, a watch, the
// leader-election renewer) never queue behind each other and no handle state leaks between calls.
// The cost is a TLS handshake per request, small at an operator's request rate.

namespace {

using net::ClassifyCurlError;
using net::CurlHandlePool;
using net::CurlPtr;
using net::InitCurlOnce;
using net::UrlPart;

bool StartsWithNoCase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(s[i])) != std::tolower(static_cast<unsigned char>(prefix[i]))) return false;
  }
  return true;
}

}  // namespace

std::string QueryString(std::initializer_list<std::pair<const char*, std::string>> params) {
  std::string out;
  for (const auto& [key, value] : params) {
    if (value.empty()) continue;
    CurlPtr<char> escaped(curl_easy_escape(nullptr, value.data(), static_cast<int>(value.size())));
    out += out.empty() ? '?' : '&';
    out += key;
    out += '=';
    out += escaped ? escaped.get() : "";
  }
  return out;
}

namespace {

// Everything one request needs, alive across curl_easy_perform (libcurl keeps pointers into it).
struct Call {
  const char* method = "GET";
  std::string url;
  const std::string* body = nullptr;
  const char* content_type = nullptr;
  // Streaming: lines of a 2xx body go to on_line; stop aborts.
  const std::function<bool(std::string_view)>* on_line = nullptr;
  const std::atomic<bool>* stop = nullptr;
  std::chrono::milliseconds timeout{0};

  // Results.
  CURL* handle = nullptr;
  long http_code = 0;
  std::string response;  // whole body (non-streaming, or a streaming call's error body)
  bool too_large = false;
  bool line_too_long = false;
  bool stopped_by_consumer = false;
  bool stopped = false;  // the transfer was cut short on the caller's request
  std::optional<std::chrono::seconds> retry_after;
  LineSplitter lines;
  size_t max_bytes = 0;
};

size_t OnHeader(char* data, size_t size, size_t n, void* user) {
  auto* call = static_cast<Call*>(user);
  std::string_view line(data, size * n);
  if (StartsWithNoCase(line, "HTTP/")) call->retry_after.reset();  // a new response (after 100-continue)
  if (StartsWithNoCase(line, "retry-after:")) call->retry_after = ParseRetryAfter(std::string(line.substr(12)));
  return size * n;
}

size_t OnBody(char* data, size_t size, size_t n, void* user) {
  auto* call = static_cast<Call*>(user);
  const size_t len = size * n;
  if (call->on_line != nullptr) {
    if (call->http_code == 0) curl_easy_getinfo(call->handle, CURLINFO_RESPONSE_CODE, &call->http_code);
    if (call->http_code >= 200 && call->http_code < 300) {
      const bool go_on = call->lines.Append(data, len, [call](std::string_view line) {
        if (call->stop != nullptr && call->stop->load()) return false;
        return (*call->on_line)(line);
      });
      if (!go_on) {
        if (call->lines.overflow()) call->line_too_long = true;
        else call->stopped_by_consumer = true;
        return 0;  // aborts the transfer (CURLE_WRITE_ERROR)
      }
      return len;
    }
  }
  if (call->response.size() + len > call->max_bytes) {
    call->too_large = true;
    return 0;
  }
  call->response.append(data, len);
  return len;
}

int OnProgress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  auto* call = static_cast<Call*>(user);
  return call->stop != nullptr && call->stop->load() ? 1 : 0;
}

Status Perform(const KubeConfig& config, const ClientOptions& options, CurlHandlePool* pool, Call& call);

}  // namespace

StatusOr<KubeClient> KubeClient::Create(KubeConfig config, ClientOptions options) {
  PP_RETURN_IF_ERROR(InitCurlOnce());
  auto bad = [&config](const std::string& what) {
    return InvalidArgumentError(fmt::format("Kubernetes client ({}): {}", config.origin.empty() ? "config" : config.origin, what));
  };
  while (config.server.size() > 1 && config.server.back() == '/') config.server.pop_back();
  CurlPtr<CURLU> url(curl_url());
  if (!url) return InternalError("curl_url() failed");
  if (curl_url_set(url.get(), CURLUPART_URL, config.server.c_str(), 0) != CURLUE_OK) {
    return bad(fmt::format("server \"{}\" is not a URL", config.server));
  }
  const std::string scheme = UrlPart(url.get(), CURLUPART_SCHEME);
  if (scheme != "https" && scheme != "http") return bad(fmt::format("server \"{}\": scheme must be https or http", config.server));
  if (UrlPart(url.get(), CURLUPART_HOST).empty()) return bad(fmt::format("server \"{}\" has no host", config.server));
  if (options.timeout.count() <= 0) return bad(fmt::format("timeout must be > 0, got {} ms", options.timeout.count()));
  if (options.connect_timeout.count() <= 0) {
    return bad(fmt::format("connect_timeout must be > 0, got {} ms", options.connect_timeout.count()));
  }
  if (options.max_response_bytes == 0) return bad("max_response_bytes must be > 0");
  return KubeClient(std::move(config), std::move(options));
}

StatusOr<nlohmann::json> KubeClient::Get(const std::string& path) const { return Request("GET", path, nullptr, nullptr); }

StatusOr<nlohmann::json> KubeClient::Post(const std::string& path, const nlohmann::json& body) const {
  const std::string text = body.dump();
  return Request("POST", path, &text, "application/json");
}

StatusOr<nlohmann::json> KubeClient::Put(const std::string& path, const nlohmann::json& body) const {
  const std::string text = body.dump();
  return Request("PUT", path, &text, "application/json");
}

StatusOr<nlohmann::json> KubeClient::Patch(const std::string& path, PatchType type, const nlohmann::json& body,
                                           const std::string& field_manager, bool force) const {
  const char* content_type = "application/merge-patch+json";
  switch (type) {
    case PatchType::kMerge: break;
    case PatchType::kStrategicMerge: content_type = "application/strategic-merge-patch+json"; break;
    case PatchType::kJsonPatch: content_type = "application/json-patch+json"; break;
    case PatchType::kApply: content_type = "application/apply-patch+yaml"; break;  // JSON is YAML
  }
  if (type == PatchType::kApply && field_manager.empty()) {
    return InvalidArgumentError(fmt::format("PATCH {}{}: server-side apply needs a field_manager", config_.server, path));
  }
  if (type == PatchType::kJsonPatch && !body.is_array()) {
    return InvalidArgumentError(fmt::format("PATCH {}{}: a JSON patch must be an array of operations", config_.server, path));
  }
  std::string full = path;
  const char sep = path.find('?') == std::string::npos ? '?' : '&';
  if (!field_manager.empty()) {
    CurlPtr<char> fm(curl_easy_escape(nullptr, field_manager.data(), static_cast<int>(field_manager.size())));
    full += fmt::format("{}fieldManager={}", sep, fm ? fm.get() : "");
    if (type == PatchType::kApply && force) full += "&force=true";
  }
  const std::string text = body.dump();
  return Request("PATCH", full, &text, content_type);
}

StatusOr<nlohmann::json> KubeClient::Delete(const std::string& path, const nlohmann::json& options) const {
  if (options.is_null()) return Request("DELETE", path, nullptr, nullptr);
  const std::string text = options.dump();
  return Request("DELETE", path, &text, "application/json");
}

StatusOr<nlohmann::json> KubeClient::Request(const char* method, const std::string& path, const std::string* body,
                                             const char* content_type) const {
  Call call;
  call.method = method;
  call.url = config_.server + path;
  call.body = body;
  call.content_type = content_type;
  call.timeout = options_.timeout;
  PP_RETURN_IF_ERROR(Perform(config_, options_, pool_.get(), call));
  const std::string where = fmt::format("{} {}", method, call.url);
  if (call.http_code < 200 || call.http_code > 299) {
    return ApiErrorStatus(call.http_code, call.response, where, call.retry_after);
  }
  if (call.response.empty()) return nlohmann::json::object();
  auto j = nlohmann::json::parse(call.response, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) {
    return DataLossError(fmt::format("{}: HTTP {} but the body is not JSON: {}", where, call.http_code,
                                     call.response.substr(0, 200)));
  }
  return j;
}

Status KubeClient::Stream(const std::string& path, const std::function<bool(std::string_view)>& on_line,
                          const std::atomic<bool>* stop, std::chrono::milliseconds max_duration) const {
  Call call;
  call.url = config_.server + path;
  call.on_line = &on_line;
  call.stop = stop;
  call.timeout = max_duration;
  Status s = Perform(config_, options_, pool_.get(), call);
  if (!s.ok() || call.stopped) return s;
  if (call.http_code < 200 || call.http_code > 299) {
    return ApiErrorStatus(call.http_code, call.response, fmt::format("GET {}", call.url), call.retry_after);
  }
  return Status::Ok();
}

KubeClient::KubeClient(KubeConfig config, ClientOptions options)
    : config_(std::move(config)), options_(std::move(options)), pool_(std::make_shared<CurlHandlePool>()) {}

namespace {

// Runs one request described by `call`; OK once an HTTP answer (any status) arrived or the
// caller stopped the stream, else the transport error.
Status Perform(const KubeConfig& config, const ClientOptions& options, CurlHandlePool* pool, Call& call) {
  const std::string where = fmt::format("{} {}", call.method, call.url);
  // Ordinary requests reuse a pooled handle (and its open connection); a watch stream gets its
  // own, since it holds the connection for minutes and often ends by being aborted.
  const bool pooled = call.on_line == nullptr && pool != nullptr;
  CurlHandlePool::Lease h(pooled ? pool : nullptr);
  if (!h.get()) return InternalError(where + ": curl_easy_init failed");
  CURL* c = h.get();
  call.handle = c;
  call.max_bytes = options.max_response_bytes;
  call.lines.set_max_line(options.max_response_bytes);
  char errbuf[CURL_ERROR_SIZE] = {0};

  CurlPtr<curl_slist> headers;
  auto add_header = [&headers](const std::string& line) {
    curl_slist* next = curl_slist_append(headers.get(), line.c_str());
    if (next != nullptr) {
      (void)headers.release();  // now owned through `next`
      headers.reset(next);
    }
  };
  add_header("Accept: application/json");
  // libcurl would send "Expect: 100-continue" before larger bodies and wait for the answer.
  add_header("Expect:");
  if (call.content_type != nullptr) add_header(std::string("Content-Type: ") + call.content_type);
  std::string token = config.token;
  if (config.token_source) {
    auto t = config.token_source->Token();
    if (!t.ok()) return t.status().WithPrefix(where);
    token = std::move(t).value();
  }
  if (!token.empty()) add_header("Authorization: Bearer " + token);

  curl_easy_setopt(c, CURLOPT_URL, call.url.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, call.method);
  if (call.body != nullptr) {
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, call.body->data());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(call.body->size()));
  }
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(c, CURLOPT_USERAGENT, options.user_agent.c_str());
  // Large lists come gzipped when asked for; watch streams are never compressed by the server.
  if (call.on_line == nullptr) curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &OnBody);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &call);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, &OnHeader);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &call);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);  // no SIGALRM from DNS timeouts in a threaded process
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(call.timeout.count()));
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options.connect_timeout.count()));
  // A watch can be silent for minutes; keepalive probes notice a peer that vanished.
  curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
  if (call.stop != nullptr) {
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, &OnProgress);
    curl_easy_setopt(c, CURLOPT_XFERINFODATA, &call);
  }

  // TLS. Inline -data goes to libcurl as blobs (libcurl >= 7.77 with OpenSSL): no temporary files
  // holding a private key.
  curl_blob ca_blob{const_cast<char*>(config.ca_data.data()), config.ca_data.size(), CURL_BLOB_NOCOPY};
  curl_blob cert_blob{const_cast<char*>(config.client_cert_data.data()), config.client_cert_data.size(), CURL_BLOB_NOCOPY};
  curl_blob key_blob{const_cast<char*>(config.client_key_data.data()), config.client_key_data.size(), CURL_BLOB_NOCOPY};
  if (!config.ca_file.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, config.ca_file.c_str());
  if (!config.ca_data.empty()) curl_easy_setopt(c, CURLOPT_CAINFO_BLOB, &ca_blob);
  if (!config.client_cert_file.empty()) curl_easy_setopt(c, CURLOPT_SSLCERT, config.client_cert_file.c_str());
  if (!config.client_cert_data.empty()) curl_easy_setopt(c, CURLOPT_SSLCERT_BLOB, &cert_blob);
  if (!config.client_key_file.empty()) curl_easy_setopt(c, CURLOPT_SSLKEY, config.client_key_file.c_str());
  if (!config.client_key_data.empty()) curl_easy_setopt(c, CURLOPT_SSLKEY_BLOB, &key_blob);
  curl_easy_setopt(c, CURLOPT_SSLCERTTYPE, "PEM");
  curl_easy_setopt(c, CURLOPT_SSLKEYTYPE, "PEM");
  if (config.insecure_skip_tls_verify) {
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
  }
  const CURLcode rc = curl_easy_perform(c);
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &call.http_code);
  if (rc == CURLE_OK) return Status::Ok();
  if (rc == CURLE_ABORTED_BY_CALLBACK || (rc == CURLE_WRITE_ERROR && call.stopped_by_consumer)) {
    call.stopped = true;
    return Status::Ok();  // the caller asked to stop
  }
  if (rc == CURLE_WRITE_ERROR && call.too_large) {
    return FailedPreconditionError(fmt::format("{}: response larger than max_response_bytes = {}", where, options.max_response_bytes));
  }
  if (rc == CURLE_WRITE_ERROR && call.line_too_long) {
    return FailedPreconditionError(fmt::format("{}: a streamed line is longer than max_response_bytes = {}", where,
                                               options.max_response_bytes));
  }
  auto [code, step] = ClassifyCurlError(rc);
  const char* text = errbuf[0] != '\0' ? errbuf : curl_easy_strerror(rc);
  return Status(code, fmt::format("{}: {}: {}", where, step, text));
}

}  // namespace

}  // namespace podpilot::k8s
