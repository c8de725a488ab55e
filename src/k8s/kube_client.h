// A Kubernetes API client over libcurl, speaking JSON (nlohmann::json) to any path of the API:
//   PP_ASSIGN_OR_RETURN(auto config, LoadKubeconfig(DefaultKubeconfigPath()));
//   PP_ASSIGN_OR_RETURN(auto client, KubeClient::Create(config));
//   PP_ASSIGN_OR_RETURN(auto dep, client.Get("/apis/apps/v1/namespaces/shop/deployments/web"));
// Typed helpers for the objects podpilot uses are in resources.h; list-then-watch is watcher.h.
//
// Errors (every message starts with "<METHOD> <full URL>", so the server is always named):
//   the API's own error (a metav1.Status body): mapped as described in api_status.h
//     (404 kNotFound, 409 kAlreadyExists / kAborted, 410 kOutOfRange, 401/403 kPermissionDenied,
//      400/422 kInvalidArgument, 429/5xx kUnavailable with "retry after Ns" when the server said;
//      RetryAfterHint() reads it back)
//   transport: refused / DNS / reset / TLS handshake -> kUnavailable;
//     certificate verification (wrong CA, host name mismatch), unreadable client cert or key
//       -> kFailedPrecondition ("TLS verification failed: ...");
//     no answer within the timeout -> kDeadlineExceeded;
//     a response larger than max_response_bytes -> kFailedPrecondition
//   a 2xx body that is not JSON -> kDataLoss
// Nothing is retried here: callers decide (RetryOnConflict in resources.h, the watcher's backoff).
//
// Proxies: libcurl honours https_proxy / no_proxy from the environment, as client-go does.
//
// Thread-safety: a KubeClient is immutable after Create (the token source it may share is
// internally synchronised); its const methods may be called concurrently from any thread. Each
// call uses its own libcurl handle (see kube_client.cc).
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "common/status.h"
#include "k8s/kube_config.h"

namespace podpilot::net {
class CurlHandlePool;  // net/curl_handle_pool.h
}  // namespace podpilot::net

namespace podpilot::k8s {

struct ClientOptions {
  // Bound on one ordinary request (not on a watch stream, see Stream). Must be > 0.
  std::chrono::milliseconds timeout{30'000};
  // Bound on establishing the TCP and TLS connection. Must be > 0.
  std::chrono::milliseconds connect_timeout{5'000};
  // Larger answers are refused rather than buffered (a list of everything should fail loudly).
  size_t max_response_bytes = 64u << 20;
  std::string user_agent = "podpilot/0.1";
};

enum class PatchType {
  kMerge,           // application/merge-patch+json (RFC 7386)
  kStrategicMerge,  // application/strategic-merge-patch+json (built-in kinds only)
  kJsonPatch,       // application/json-patch+json (RFC 6902; body is an array of operations)
  kApply,           // application/apply-patch+yaml (server-side apply; needs field_manager)
};

// "?a=1&b=x%2Fy" from key/value pairs (values URL-escaped; empty values dropped); "" if none.
std::string QueryString(std::initializer_list<std::pair<const char*, std::string>> params);


class KubeClient {
 public:
  // Validates options and the config's server URL and initialises libcurl (once per process).
  // InvalidArgument naming the field for a bad timeout or URL. Does not contact the server.
  static StatusOr<KubeClient> Create(KubeConfig config, ClientOptions options = {});

  // `path` is everything after the server URL, query string included ("/api/v1/namespaces?limit=5").
  StatusOr<nlohmann::json> Get(const std::string& path) const;
  StatusOr<nlohmann::json> Post(const std::string& path, const nlohmann::json& body) const;
  StatusOr<nlohmann::json> Put(const std::string& path, const nlohmann::json& body) const;
  // For kApply, `field_manager` is required (InvalidArgument otherwise) and `force` takes
  // ownership of conflicting fields; for the others field_manager is optional.
  StatusOr<nlohmann::json> Patch(const std::string& path, PatchType type, const nlohmann::json& body,
                                 const std::string& field_manager = "", bool force = false) const;
  // `options` is an optional metav1.DeleteOptions (e.g. propagationPolicy); null sends no body.
  StatusOr<nlohmann::json> Delete(const std::string& path, const nlohmann::json& options = nullptr) const;

  // A long-lived GET whose 2xx body is delivered line by line to on_line (a watch). Returns OK
  // when the server ends the response, when on_line returns false, or when *stop becomes true
  // (checked about once a second by libcurl's progress callback, and before each line: a stop is
  // honoured within ~1 s even on an idle stream). A non-2xx answer is an error as for Get, with
  // its body read whole. `max_duration` bounds the whole stream (callers also ask the server to
  // end it earlier with timeoutSeconds). on_line runs on the calling thread.
  Status Stream(const std::string& path, const std::function<bool(std::string_view)>& on_line,
                const std::atomic<bool>* stop, std::chrono::milliseconds max_duration) const;

  const KubeConfig& config() const { return config_; }
  const std::string& server() const { return config_.server; }
  const std::string& default_namespace() const { return config_.default_namespace; }

 private:
  KubeClient(KubeConfig config, ClientOptions options);

  StatusOr<nlohmann::json> Request(const char* method, const std::string& path, const std::string* body,
                                   const char* content_type) const;

  KubeConfig config_;
  ClientOptions options_;
  // Idle libcurl handles reused so that consecutive requests keep their TCP + TLS connection
  // (net/curl_handle_pool.h); shared by copies: same server, same settings.
  std::shared_ptr<net::CurlHandlePool> pool_;
};

}  // namespace podpilot::k8s
