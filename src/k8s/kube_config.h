// Where a Kubernetes API server is and how to authenticate to it: read from a kubeconfig file
// (as kubectl does) or from the in-cluster service-account mount (as a pod does).
//
// Supported in a kubeconfig: clusters[].cluster.{server, certificate-authority,
// certificate-authority-data, insecure-skip-tls-verify}; users[].user.
// {client-certificate(-data), client-key(-data), token, tokenFile}; contexts[].context.{cluster,
// user, namespace}; current-context. Relative file paths are resolved against the kubeconfig's
// directory (as client-go does). exec and auth-provider plugins and basic auth are refused with
// an error naming the field rather than silently ignored, as is tls-server-name.
//
// Errors name the file and the field path, e.g.
//   "/home/u/.kube/config: users[0].user.client-certificate-data: not base64 (bad character at 17)".
//
// Thread-safety: KubeConfig is a value; TokenSource is internally synchronised.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>

#include "common/status.h"

namespace podpilot::k8s {

// A bearer token that lives in a file which someone else rotates (a projected service-account
// token is replaced about every hour). Like client-go's cachingTokenSource, the file is re-read
// when its modification time changes or when the cached copy is older than `max_age`, so a
// rotation is picked up without a restart and without reading the file on every request.
class TokenSource {
 public:
  explicit TokenSource(std::string path, std::chrono::seconds max_age = std::chrono::seconds(60))
      : path_(std::move(path)), max_age_(max_age) {}

  // The current token (surrounding whitespace trimmed). NotFound/IoError naming the file when it
  // cannot be read, InvalidArgument when it is empty. If a re-read fails after an earlier
  // success, the cached token is returned (the rotation may be mid-write) and the error is
  // retried on the next call. Thread-safe.
  StatusOr<std::string> Token();

  const std::string& path() const { return path_; }

 private:
  const std::string path_;
  const std::chrono::seconds max_age_;
  std::mutex mu_;
  std::string token_;                                      // guarded by mu_
  std::filesystem::file_time_type mtime_{};                // guarded by mu_
  std::chrono::steady_clock::time_point read_at_{};        // guarded by mu_
};

struct KubeConfig {
  // "https://host:port" (a path prefix is kept; no trailing '/').
  std::string server;
  // Where this config came from, for error messages ("/path/to/kubeconfig context admin@x",
  // "in-cluster").
  std::string origin;

  // Server verification: a PEM file, or PEM bytes (from certificate-authority-data). Both empty:
  // the system's CA store.
  std::string ca_file;
  std::string ca_data;
  bool insecure_skip_tls_verify = false;

  // Client certificate authentication: each either a PEM file or PEM bytes.
  std::string client_cert_file;
  std::string client_cert_data;
  std::string client_key_file;
  std::string client_key_data;

  // Bearer token authentication: a fixed token, or `token_source` re-reading a rotated file.
  // Never included in error messages.
  std::string token;
  std::shared_ptr<TokenSource> token_source;

  // The context's namespace, "default" when it names none.
  std::string default_namespace = "default";
};

// Reads the kubeconfig at `path` and resolves `context` (empty: its current-context).
// NotFound if the file or the named context/cluster/user does not exist; InvalidArgument naming
// the file and field for malformed content (bad YAML, wrong types, bad base64, a server URL that
// is not http(s), both a file and -data given, a certificate without its key, unsupported auth).
// Referenced files (CA, certificates, token file) must exist: NotFound naming the field.
StatusOr<KubeConfig> LoadKubeconfig(const std::string& path, const std::string& context = "");

// The path kubectl would use: the first entry of $KUBECONFIG, else $HOME/.kube/config.
std::string DefaultKubeconfigPath();

// The configuration of a pod's own service account: server from KUBERNETES_SERVICE_HOST and
// KUBERNETES_SERVICE_PORT (IPv6 hosts bracketed), token (re-read on rotation), CA and namespace
// from `root` (default /var/run/secrets/kubernetes.io/serviceaccount; tests pass a fake one).
// FailedPrecondition when not in a cluster (variables unset), NotFound naming the missing file.
StatusOr<KubeConfig> InClusterConfig(
    const std::string& root = "/var/run/secrets/kubernetes.io/serviceaccount");

// Strict standard base64 (RFC 4648 with padding; whitespace ignored, as in kubeconfigs that
// wrap long lines). InvalidArgument saying where it broke.
StatusOr<std::string> DecodeBase64(const std::string& text);

}  // namespace podpilot::k8s
