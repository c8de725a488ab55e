// What every libcurl client in podpilot (src/prom, src/k8s) shares: the one-time global init,
// owning pointers for libcurl's objects, URL parts, and the mapping of libcurl's errors to Status
// codes, so that a refused connection, a timeout or a bad certificate reads the same everywhere.
//
// Thread-safety: InitCurlOnce may be called from any thread, any number of times; the rest are pure.
#pragma once

#include <curl/curl.h>

#include <memory>
#include <string>
#include <utility>

#include "common/status.h"

namespace podpilot::net {

// curl_global_init(CURL_GLOBAL_DEFAULT) exactly once per process (it is not thread-safe and must
// precede every other libcurl call). Returns its failure on every call if it failed.
Status InitCurlOnce();

struct CurlDeleter {
  void operator()(CURL* h) const { curl_easy_cleanup(h); }
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
  void operator()(CURLU* u) const { curl_url_cleanup(u); }
  void operator()(char* s) const { curl_free(s); }
};
template <typename T>
using CurlPtr = std::unique_ptr<T, CurlDeleter>;

// Part `what` of `url`, or an empty string when the URL has none.
std::string UrlPart(CURLU* url, CURLUPart what);

// The Status code of a failed transfer and a short name of the step that failed: timeouts ->
// DeadlineExceeded; DNS, refused connections, TLS handshakes and anything else -> Unavailable;
// certificate verification -> FailedPrecondition (retrying cannot help); a malformed URL or
// scheme -> InvalidArgument.
std::pair<StatusCode, const char*> ClassifyCurlError(CURLcode code);

}  // namespace podpilot::net
