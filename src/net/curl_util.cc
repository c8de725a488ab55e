#include "net/curl_util.h"

#include <mutex>

namespace podpilot::net {

Status InitCurlOnce() {
  static std::once_flag once;
  static CURLcode code = CURLE_OK;
  std::call_once(once, [] { code = curl_global_init(CURL_GLOBAL_DEFAULT); });
  if (code != CURLE_OK) return InternalError(std::string("curl_global_init failed: ") + curl_easy_strerror(code));
  return Status::Ok();
}

std::string UrlPart(CURLU* url, CURLUPart what) {
  char* part = nullptr;
  if (curl_url_get(url, what, &part, 0) != CURLUE_OK || part == nullptr) return "";
  CurlPtr<char> owned(part);
  return part;
}

std::pair<StatusCode, const char*> ClassifyCurlError(CURLcode code) {
  switch (code) {
    case CURLE_OPERATION_TIMEDOUT:
      return {StatusCode::kDeadlineExceeded, "timed out"};
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
      return {StatusCode::kUnavailable, "DNS lookup failed"};
    case CURLE_COULDNT_CONNECT:
      return {StatusCode::kUnavailable, "could not connect"};
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
      return {StatusCode::kFailedPrecondition, "TLS verification failed"};
    case CURLE_SSL_CONNECT_ERROR:
      return {StatusCode::kUnavailable, "TLS handshake failed"};
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
      return {StatusCode::kInvalidArgument, "bad URL"};
    default:
      return {StatusCode::kUnavailable, "request failed"};
  }
}

}  // namespace podpilot::net
