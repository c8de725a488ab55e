// Kubernetes Status -> podpilot Status mapping (bodies as the API server writes them), Retry-After,
// the JSON-lines splitter of watch streams, and the Backoff schedule.
#include "k8s/api_status.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>
#include <vector>

#include "k8s/backoff.h"

namespace podpilot::k8s {
namespace {

using ::testing::HasSubstr;

std::string StatusBody(int code, const std::string& reason, const std::string& message, const std::string& details = "") {
  return R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":")" + message +
         R"(","reason":")" + reason + R"(",)" + (details.empty() ? "" : R"("details":)" + details + ",") +
         R"("code":)" + std::to_string(code) + "}";
}

TEST(ApiErrorStatusTest, MapsReasonsToCodes) {
  struct Case {
    int http;
    const char* reason;
    StatusCode code;
  };
  const std::vector<Case> cases = {
      {404, "NotFound", StatusCode::kNotFound},
      {409, "AlreadyExists", StatusCode::kAlreadyExists},
      {409, "Conflict", StatusCode::kAborted},
      {410, "Gone", StatusCode::kOutOfRange},
      {410, "Expired", StatusCode::kOutOfRange},
      {403, "Forbidden", StatusCode::kPermissionDenied},
      {401, "Unauthorized", StatusCode::kPermissionDenied},
      {422, "Invalid", StatusCode::kInvalidArgument},
      {400, "BadRequest", StatusCode::kInvalidArgument},
      {415, "UnsupportedMediaType", StatusCode::kInvalidArgument},
      {429, "TooManyRequests", StatusCode::kUnavailable},
      {500, "InternalError", StatusCode::kUnavailable},
      {503, "ServiceUnavailable", StatusCode::kUnavailable},
      {504, "Timeout", StatusCode::kUnavailable},
      {418, "", StatusCode::kInternal},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.reason);
    const Status s = ApiErrorStatus(c.http, StatusBody(c.http, c.reason, "the message"), "GET https://h/x");
    EXPECT_EQ(s.code(), c.code) << s.ToString();
    EXPECT_THAT(s.message(), HasSubstr("GET https://h/x: HTTP " + std::to_string(c.http)));
    EXPECT_THAT(s.message(), HasSubstr("the message"));
    EXPECT_THAT(s.message(), HasSubstr(c.reason));
  }
}

TEST(ApiErrorStatusTest, FallsBackToHttpCodeForNonStatusBodies) {
  EXPECT_EQ(ApiErrorStatus(404, "404 page not found", "w").code(), StatusCode::kNotFound);
  EXPECT_EQ(ApiErrorStatus(409, "", "w").code(), StatusCode::kAborted);
  EXPECT_EQ(ApiErrorStatus(410, "", "w").code(), StatusCode::kOutOfRange);
  EXPECT_EQ(ApiErrorStatus(403, "", "w").code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(ApiErrorStatus(502, "<html>bad gateway</html>", "w").code(), StatusCode::kUnavailable);
  EXPECT_THAT(ApiErrorStatus(502, "<html>bad gateway</html>", "w").message(), HasSubstr("bad gateway"));
  EXPECT_THAT(ApiErrorStatus(500, "", "w").message(), HasSubstr("(empty body)"));
  EXPECT_EQ(ApiErrorStatus(302, "", "w").code(), StatusCode::kInternal);
}

TEST(ApiErrorStatusTest, InvalidListsEveryCause) {
  const std::string details =
      R"({"name":"web","kind":"Deployment","causes":[{"reason":"FieldValueInvalid","message":"Invalid value: -1: must be greater than or equal to 0","field":"spec.replicas"},{"reason":"FieldValueRequired","message":"Required value","field":"spec.selector"}]})";
  const Status s = ApiErrorStatus(422, StatusBody(422, "Invalid", "Deployment.apps \\\"web\\\" is invalid", details), "PUT u");
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("spec.replicas: Invalid value: -1"));
  EXPECT_THAT(s.message(), HasSubstr("spec.selector: Required value"));
}

TEST(ApiErrorStatusTest, RetryAfterRoundTrips) {
  const Status s = ApiErrorStatus(429, StatusBody(429, "TooManyRequests", "slow down"), "GET u", std::chrono::seconds(7));
  EXPECT_EQ(s.code(), StatusCode::kUnavailable);
  ASSERT_TRUE(RetryAfterHint(s).has_value());
  EXPECT_EQ(*RetryAfterHint(s), std::chrono::seconds(7));
  EXPECT_FALSE(RetryAfterHint(ApiErrorStatus(503, "", "GET u")).has_value());
  EXPECT_FALSE(RetryAfterHint(NotFoundError("retry after 3s")).has_value());  // only on Unavailable

  EXPECT_EQ(ParseRetryAfter(" 12\r\n"), std::chrono::seconds(12));
  EXPECT_FALSE(ParseRetryAfter("Wed, 21 Oct 2015 07:28:00 GMT").has_value());
  EXPECT_FALSE(ParseRetryAfter("").has_value());
}

TEST(ApiErrorStatusTest, Predicates) {
  EXPECT_TRUE(IsConflict(ApiErrorStatus(409, StatusBody(409, "Conflict", "m"), "w")));
  EXPECT_FALSE(IsConflict(ApiErrorStatus(409, StatusBody(409, "AlreadyExists", "m"), "w")));
  EXPECT_TRUE(IsAlreadyExists(ApiErrorStatus(409, StatusBody(409, "AlreadyExists", "m"), "w")));
  EXPECT_TRUE(IsGone(ApiErrorStatus(410, StatusBody(410, "Expired", "too old resource version"), "w")));
  EXPECT_TRUE(IsForbidden(ApiErrorStatus(403, StatusBody(403, "Forbidden", "m"), "w")));
  EXPECT_TRUE(IsNotFound(ApiErrorStatus(404, StatusBody(404, "NotFound", "m"), "w")));
}

TEST(ApiErrorStatusTest, NewStatusCodesHaveNames) {
  EXPECT_STREQ(StatusCodeName(StatusCode::kAlreadyExists), "ALREADY_EXISTS");
  EXPECT_STREQ(StatusCodeName(StatusCode::kAborted), "ABORTED");
  EXPECT_STREQ(StatusCodeName(StatusCode::kPermissionDenied), "PERMISSION_DENIED");
}

TEST(LineSplitterTest, SplitsChunksCutAnywhere) {
  const std::string stream = "{\"a\":1}\n{\"b\":2}\r\n\n{\"c\":\"x\\ny\"}\n{\"d\":";
  // Feed the stream in every chunk size; the lines must come out the same.
  for (size_t chunk = 1; chunk <= stream.size(); ++chunk) {
    SCOPED_TRACE(chunk);
    LineSplitter splitter;
    std::vector<std::string> lines;
    for (size_t i = 0; i < stream.size(); i += chunk) {
      ASSERT_TRUE(splitter.Append(stream.data() + i, std::min(chunk, stream.size() - i), [&](std::string_view l) {
        lines.emplace_back(l);
        return true;
      }));
    }
    EXPECT_EQ(lines, (std::vector<std::string>{"{\"a\":1}", "{\"b\":2}", "{\"c\":\"x\\ny\"}"}));
    EXPECT_EQ(splitter.pending(), "{\"d\":");
  }
}

TEST(LineSplitterTest, StopsWhenTheConsumerSaysSoAndBoundsLineLength) {
  LineSplitter splitter;
  int seen = 0;
  const std::string data = "1\n2\n3\n";
  EXPECT_FALSE(splitter.Append(data.data(), data.size(), [&](std::string_view) { return ++seen < 2; }));
  EXPECT_EQ(seen, 2);
  EXPECT_EQ(splitter.pending(), "3\n");

  LineSplitter small;
  small.set_max_line(4);
  const std::string longline = "0123456789";
  EXPECT_FALSE(small.Append(longline.data(), longline.size(), [](std::string_view) { return true; }));
  EXPECT_TRUE(small.overflow());
}

TEST(BackoffTest, ClientGoDefaultsDoubleUpToTheCapWithJitterBelowTwiceTheBase) {
  Backoff b(BackoffOptions{}, /*seed=*/42);
  const std::vector<int64_t> bases = {800, 1600, 3200, 6400, 12800, 25600, 30000, 30000, 30000};
  for (int64_t base : bases) {
    EXPECT_EQ(b.CurrentBase().count(), base);
    const auto d = b.Next().count();
    EXPECT_GE(d, base);
    EXPECT_LT(d, 2 * base);
  }
  b.Reset();
  EXPECT_EQ(b.CurrentBase().count(), 800);
}

TEST(BackoffTest, JitterVariesAndZeroJitterIsExact) {
  Backoff jittery(BackoffOptions{std::chrono::milliseconds(1000), 1.0, std::chrono::milliseconds(1000), 1.0}, 7);
  std::set<int64_t> seen;
  for (int i = 0; i < 20; ++i) seen.insert(jittery.Next().count());
  EXPECT_GT(seen.size(), 10u);  // not lockstep

  Backoff exact(BackoffOptions{std::chrono::milliseconds(100), 3.0, std::chrono::milliseconds(1000), 0.0}, 7);
  EXPECT_EQ(exact.Next().count(), 100);
  EXPECT_EQ(exact.Next().count(), 300);
  EXPECT_EQ(exact.Next().count(), 900);
  EXPECT_EQ(exact.Next().count(), 1000);
  for (int i = 0; i < 1000; ++i) exact.Next();  // no overflow after many steps
  EXPECT_EQ(exact.Next().count(), 1000);
}

TEST(BackoffTest, SameSeedSameSchedule) {
  Backoff a(BackoffOptions{}, 5), b(BackoffOptions{}, 5);
  for (int i = 0; i < 8; ++i) EXPECT_EQ(a.Next(), b.Next());
}

}  // namespace
}  // namespace podpilot::k8s
