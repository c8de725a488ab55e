#include "prom/prometheus_client.h"

#include <curl/curl.h>
#include <fmt/format.h>

#include <filesystem>
#include <memory>
#include <mutex>

#include "net/curl_handle_pool.h"
#include "net/curl_util.h"
#include "prom/api_response.h"

namespace podpilot::prom {

// One libcurl easy handle per call rather than one shared handle behind a mutex: calls from
// different threads (several policies' metrics, a status reporter) then run concurrently instead
// of queueing behind one slow query, and no handle state (headers, error buffer, half-read body)
// can leak from one call into the next. The price is a new TCP (and TLS) connection per query,
// negligible at an autoscaler's cadence of a few queries every 15 s.

namespace {

using net::ClassifyCurlError;
using net::CurlPtr;
using net::InitCurlOnce;
using net::UrlPart;

// Form-encodes key=value pairs (curl_easy_escape needs no handle since libcurl 7.82).
std::string EncodeForm(std::initializer_list<std::pair<const char*, std::string>> fields) {
  std::string out;
  for (const auto& [key, value] : fields) {
    if (!out.empty()) out += '&';
    CurlPtr<char> escaped(curl_easy_escape(nullptr, value.data(), static_cast<int>(value.size())));
    out += key;
    out += '=';
    out += escaped ? escaped.get() : "";
  }
  return out;
}

// Unix seconds with millisecond precision, a form Prometheus accepts for time parameters.
std::string FormatTime(PrometheusClient::TimePoint t) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  return fmt::format("{:.3f}", static_cast<double>(ms) / 1000.0);
}

struct Body {
  std::string data;
  size_t limit = 0;
  bool truncated = false;
};

size_t WriteBody(char* ptr, size_t size, size_t nmemb, void* userdata) {
  auto* body = static_cast<Body*>(userdata);
  const size_t n = size * nmemb;
  if (body->data.size() + n > body->limit) {
    body->truncated = true;
    return 0;  // makes curl_easy_perform fail with CURLE_WRITE_ERROR
  }
  body->data.append(ptr, n);
  return n;
}

// Maps a libcurl failure to a Status code and a short phrase saying which step failed.
}  // namespace

PrometheusClient::PrometheusClient(ClientOptions options)
    : options_(std::move(options)), pool_(std::make_shared<net::CurlHandlePool>()) {}

StatusOr<PrometheusClient> PrometheusClient::Create(ClientOptions options) {
  PP_RETURN_IF_ERROR(InitCurlOnce());
  auto bad = [](const std::string& what) { return InvalidArgumentError("Prometheus client: " + what); };

  const std::string given = options.base_url;  // errors quote what the caller wrote
  while (!options.base_url.empty() && options.base_url.back() == '/') options.base_url.pop_back();
  CurlPtr<CURLU> url(curl_url());
  if (!url) return InternalError("curl_url() failed");
  if (curl_url_set(url.get(), CURLUPART_URL, options.base_url.c_str(), 0) != CURLUE_OK) {
    return bad(fmt::format("base_url \"{}\" is not a URL (want http(s)://host[:port][/prefix])", given));
  }
  const std::string scheme = UrlPart(url.get(), CURLUPART_SCHEME);
  if (scheme != "http" && scheme != "https") {
    return bad(fmt::format("base_url \"{}\": scheme must be http or https, got \"{}\"", given, scheme));
  }
  if (UrlPart(url.get(), CURLUPART_HOST).empty()) {
    return bad(fmt::format("base_url \"{}\" has no host", given));
  }
  if (!UrlPart(url.get(), CURLUPART_USER).empty() || !UrlPart(url.get(), CURLUPART_PASSWORD).empty()) {
    // Not echoing `given` here: it holds the credentials.
    return bad("base_url must not carry user:password (it would appear in every error message); "
               "use bearer_token");
  }
  if (!UrlPart(url.get(), CURLUPART_QUERY).empty() || !UrlPart(url.get(), CURLUPART_FRAGMENT).empty() ||
      options.base_url.find_first_of("?#") != std::string::npos) {
    return bad(fmt::format("base_url \"{}\" must not have a query string or fragment", given));
  }
  if (options.timeout.count() <= 0) {
    return bad(fmt::format("timeout must be > 0, got {} ms", options.timeout.count()));
  }
  if (options.connect_timeout.count() <= 0) {
    return bad(fmt::format("connect_timeout must be > 0, got {} ms", options.connect_timeout.count()));
  }
  if (options.max_response_bytes == 0) return bad("max_response_bytes must be > 0");
  if (!options.ca_file.empty()) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(options.ca_file, ec)) {
      return NotFoundError(fmt::format("Prometheus client: ca_file \"{}\" is not a readable file", options.ca_file));
    }
  }
  return PrometheusClient(std::move(options));
}

StatusOr<QueryResult> PrometheusClient::InstantQuery(const std::string& promql, std::optional<TimePoint> time,
                                                     bool* no_answer) const {
  std::string form = time ? EncodeForm({{"query", promql}, {"time", FormatTime(*time)}})
                          : EncodeForm({{"query", promql}});
  return Post("/api/v1/query", form, promql, no_answer);
}

StatusOr<QueryResult> PrometheusClient::RangeQuery(const std::string& promql, TimePoint start, TimePoint end,
                                                   std::chrono::milliseconds step) const {
  const std::string where = fmt::format("{}/api/v1/query_range query \"{}\"", options_.base_url, QueryForMessage(promql));
  if (step.count() <= 0) return InvalidArgumentError(fmt::format("{}: step must be > 0, got {} ms", where, step.count()));
  if (end < start) {
    return InvalidArgumentError(fmt::format("{}: end {} is before start {}", where, FormatTime(end), FormatTime(start)));
  }
  std::string form = EncodeForm({{"query", promql},
                                 {"start", FormatTime(start)},
                                 {"end", FormatTime(end)},
                                 {"step", fmt::format("{:.3f}", step.count() / 1000.0)}});
  return Post("/api/v1/query_range", form, promql);
}

StatusOr<QueryResult> PrometheusClient::Post(const std::string& path, const std::string& form,
                                             const std::string& promql, bool* no_answer) const {
  if (no_answer != nullptr) *no_answer = false;
  const std::string url = options_.base_url + path;
  const std::string where = fmt::format("{} query \"{}\"", url, QueryForMessage(promql));

  net::CurlHandlePool::Lease h(pool_.get());
  if (!h.get()) return InternalError(where + ": curl_easy_init failed");
  CURL* c = h.get();
  char errbuf[CURL_ERROR_SIZE] = {0};
  Body body;
  body.limit = options_.max_response_bytes;

  CurlPtr<curl_slist> headers;
  auto add_header = [&headers](const std::string& line) {
    curl_slist* next = curl_slist_append(headers.get(), line.c_str());
    if (next != nullptr) {
      (void)headers.release();  // now owned through `next`
      headers.reset(next);
    }
  };
  add_header("Accept: application/json");
  if (!options_.bearer_token.empty()) add_header("Authorization: Bearer " + options_.bearer_token);

  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_POST, 1L);
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, form.c_str());
  curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, static_cast<long>(form.size()));
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(c, CURLOPT_USERAGENT, "podpilot-prom-client/0.1");
  curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");  // any encoding libcurl decodes (gzip)
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &WriteBody);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
  // Without NOSIGNAL libcurl uses SIGALRM for DNS timeouts, which is unsafe with threads.
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.timeout.count()));
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options_.connect_timeout.count()));
  if (!options_.ca_file.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, options_.ca_file.c_str());
  if (options_.insecure_skip_verify) {
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
  }

  const CURLcode rc = curl_easy_perform(c);
  if (rc != CURLE_OK) {
    if (rc == CURLE_WRITE_ERROR && body.truncated) {
      return OutOfRangeError(fmt::format("{}: response larger than max_response_bytes = {}", where,
                                         options_.max_response_bytes));
    }
    auto [code, step] = ClassifyCurlError(rc);
    if (no_answer != nullptr) *no_answer = true;
    const char* text = errbuf[0] != '\0' ? errbuf : curl_easy_strerror(rc);
    return Status(code, fmt::format("{}: {}: {}", where, step, text));
  }
  long http_status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &http_status);
  // 502/504 come from a proxy in front of Prometheus (kube-rbac-proxy, Envoy) that got no answer
  // from it: for the caller, no answer either.
  if (no_answer != nullptr && (http_status == 502 || http_status == 504)) *no_answer = true;
  auto result = ParseQueryResponse(body.data, http_status);
  if (!result.ok()) return result.status().WithPrefix(where);
  result->query = promql;
  return result;
}

}  // namespace podpilot::prom
