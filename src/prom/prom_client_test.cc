// PrometheusClient against a real Prometheus (prom_test_util.h): one server per test suite,
// scraping itself every second. Transport failures (refused, DNS, hung server, TLS) use real
// sockets too. Skips only when /usr/bin/prometheus is absent.
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <memory>
#include <thread>

#include "prom/prom_test_util.h"
#include "prom/prometheus_client.h"

namespace podpilot::prom {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::LoopbackSocket;
using testing::TestPrometheus;
using ::testing::HasSubstr;

// Designated initializers would be shorter, but GCC 12's -Wextra flags every omitted field.
ClientOptions Options(const std::string& base_url) {
  ClientOptions o;
  o.base_url = base_url;
  return o;
}

PrometheusClient MakeClient(const std::string& base_url, milliseconds timeout = seconds(5)) {
  ClientOptions o = Options(base_url);
  o.timeout = timeout;
  o.connect_timeout = seconds(2);
  auto client = PrometheusClient::Create(o);
  EXPECT_TRUE(client.ok()) << client.status().ToString();
  return std::move(client).value();
}

double NowSeconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

class PromClientTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!TestPrometheus::Available()) return;
    server_ = new TestPrometheus();
    start_error_ = server_->Start();
  }
  static void TearDownTestSuite() {
    delete server_;  // stops Prometheus (SIGTERM, bounded wait, SIGKILL) and removes its files
    server_ = nullptr;
  }
  void SetUp() override {
    if (server_ == nullptr) GTEST_SKIP() << testing::kPrometheusBinary << " not installed (Debian package prometheus)";
    ASSERT_EQ(start_error_, "");
  }

  PrometheusClient Client() const { return MakeClient(server_->base_url()); }

  // Waits (at most 15 s) until Prometheus has scraped itself once, so that `up` has a sample.
  void WaitForFirstScrape() {
    auto client = Client();
    const auto deadline = std::chrono::steady_clock::now() + seconds(15);
    while (std::chrono::steady_clock::now() < deadline) {
      auto r = client.InstantQuery("up");
      ASSERT_TRUE(r.ok()) << r.status().ToString();
      if (!r->vector.empty()) return;
      std::this_thread::sleep_for(milliseconds(100));
    }
    FAIL() << "Prometheus on " << server_->base_url() << " did not scrape itself within 15 s; log:\n"
           << server_->LogTail();
  }

  static TestPrometheus* server_;
  static std::string start_error_;
};
TestPrometheus* PromClientTest::server_ = nullptr;
std::string PromClientTest::start_error_;

TEST_F(PromClientTest, InstantQueryOfUpIsAVectorWithLabels) {
  ASSERT_NO_FATAL_FAILURE(WaitForFirstScrape());
  auto r = Client().InstantQuery("up");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->type, ResultType::kVector);
  EXPECT_EQ(r->query, "up");
  ASSERT_EQ(r->vector.size(), 1u);
  const VectorSample& s = r->vector[0];
  EXPECT_EQ(s.labels, (Labels{{"__name__", "up"}, {"job", "self"}, {"instance", server_->instance()}}));
  EXPECT_EQ(s.sample.value, 1.0);
  EXPECT_NEAR(s.sample.timestamp, NowSeconds(), 60.0);
  EXPECT_TRUE(r->warnings.empty());
  auto v = SingleValue(*r);
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(*v, 1.0);
}

TEST_F(PromClientTest, ScalarQuery) {
  auto r = Client().InstantQuery("scalar(vector(1) + 1) * 2");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->type, ResultType::kScalar);
  EXPECT_EQ(r->scalar.value, 4.0);
  EXPECT_EQ(SingleValue(*r).value(), 4.0);
}

TEST_F(PromClientTest, StringQuery) {
  auto r = Client().InstantQuery("\"hello, prometheus\"");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->type, ResultType::kString);
  EXPECT_EQ(r->string_value, "hello, prometheus");
  EXPECT_NEAR(r->string_timestamp, NowSeconds(), 60.0);
  EXPECT_EQ(SingleValue(*r).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(PromClientTest, InstantQueryAtAGivenTime) {
  // time() evaluates to the evaluation timestamp, so the `time` parameter is observable.
  const auto at = std::chrono::system_clock::time_point(milliseconds(1'700'000'000'250));
  auto r = Client().InstantQuery("time()", at);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->type, ResultType::kScalar);
  EXPECT_DOUBLE_EQ(r->scalar.value, 1'700'000'000.25);
  EXPECT_DOUBLE_EQ(r->scalar.timestamp, 1'700'000'000.25);
}

TEST_F(PromClientTest, NanAndInfinities) {
  auto client = Client();
  auto nan = client.InstantQuery("0/0");
  ASSERT_TRUE(nan.ok()) << nan.status().ToString();
  EXPECT_TRUE(std::isnan(nan->scalar.value));
  auto inf = client.InstantQuery("1/0");
  ASSERT_TRUE(inf.ok()) << inf.status().ToString();
  EXPECT_EQ(inf->scalar.value, INFINITY);
  // In a vector too, and through SingleValue (which passes them on rather than failing).
  auto neg = client.InstantQuery("vector(-1/0)");
  ASSERT_TRUE(neg.ok()) << neg.status().ToString();
  ASSERT_EQ(neg->type, ResultType::kVector);
  EXPECT_EQ(SingleValue(*neg).value(), -INFINITY);
}

TEST_F(PromClientTest, RangeQueryOfUpIsAMatrix) {
  ASSERT_NO_FATAL_FAILURE(WaitForFirstScrape());
  const auto end = std::chrono::system_clock::now();
  const auto start = end - seconds(5);
  auto r = Client().RangeQuery("up", start, end, seconds(1));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->type, ResultType::kMatrix);
  ASSERT_EQ(r->matrix.size(), 1u);
  const MatrixSeries& series = r->matrix[0];
  EXPECT_EQ(series.labels.at("job"), "self");
  // Steps before the first scrape have no sample, so 1..6 points, 1 s apart, all 1.
  ASSERT_GE(series.samples.size(), 1u);
  ASSERT_LE(series.samples.size(), 6u);
  const double start_s = std::chrono::duration<double>(start.time_since_epoch()).count();
  for (size_t i = 0; i < series.samples.size(); ++i) {
    EXPECT_EQ(series.samples[i].value, 1.0);
    EXPECT_GE(series.samples[i].timestamp, start_s - 0.001);
    EXPECT_LE(series.samples[i].timestamp, start_s + 5.001);
    if (i > 0) {
      EXPECT_NEAR(series.samples[i].timestamp - series.samples[i - 1].timestamp, 1.0, 1e-6);
    }
  }
  EXPECT_EQ(SingleValue(*r).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(PromClientTest, RangeQueryStepsFromStartToEndInclusive) {
  const auto start = std::chrono::system_clock::time_point(seconds(1'700'000'000));
  auto r = Client().RangeQuery("vector(7)", start, start + seconds(5), seconds(1));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->matrix.size(), 1u);
  ASSERT_EQ(r->matrix[0].samples.size(), 6u);
  for (size_t i = 0; i < 6; ++i) {
    EXPECT_DOUBLE_EQ(r->matrix[0].samples[i].timestamp, 1'700'000'000.0 + static_cast<double>(i));
    EXPECT_EQ(r->matrix[0].samples[i].value, 7.0);
  }
}

TEST_F(PromClientTest, SyntaxErrorIsInvalidArgumentNamingQueryAndPrometheusError) {
  const std::string query = "sum(rate(up[1m])";
  auto r = Client().InstantQuery(query);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  const std::string m = r.status().message();
  EXPECT_THAT(m, HasSubstr(server_->base_url() + "/api/v1/query"));
  EXPECT_THAT(m, HasSubstr("\"" + query + "\""));
  EXPECT_THAT(m, HasSubstr("HTTP 400 bad_data"));
  EXPECT_THAT(m, HasSubstr("parse error"));  // Prometheus' own text
}

TEST_F(PromClientTest, LongQueryIsCutInTheErrorMessage) {
  std::string query = "up + ";
  while (query.size() < 2000) query += "up + ";
  query += ")";  // syntax error at the very end
  auto r = Client().InstantQuery(query);
  ASSERT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(r.status().message(), HasSubstr(fmt::format("... ({} bytes)", query.size())));
  EXPECT_LT(r.status().message().size(), 1000u);
}

TEST_F(PromClientTest, RangeQueryRefusedByPrometheusIsInvalidArgument) {
  // 1 ms steps over a minute exceed Prometheus' limit of 11,000 points per series.
  const auto end = std::chrono::system_clock::now();
  auto r = Client().RangeQuery("up", end - seconds(60), end, milliseconds(1));
  ASSERT_EQ(r.status().code(), StatusCode::kInvalidArgument) << r.status().ToString();
  EXPECT_THAT(r.status().message(), HasSubstr("query_range"));
  EXPECT_THAT(r.status().message(), HasSubstr("11,000"));
}

TEST_F(PromClientTest, SingleValueNeedsExactlyOneSeries) {
  auto client = Client();
  auto none = client.InstantQuery("up{job=\"no-such-job\"}");
  ASSERT_TRUE(none.ok()) << none.status().ToString();
  EXPECT_TRUE(none->vector.empty());
  EXPECT_EQ(SingleValue(*none).status().code(), StatusCode::kNotFound);
  EXPECT_THAT(SingleValue(*none).status().message(), HasSubstr("no-such-job"));

  auto two = client.InstantQuery(
      "label_replace(vector(1), \"zone\", \"a\", \"\", \"\") or label_replace(vector(2), \"zone\", \"b\", \"\", \"\")");
  ASSERT_TRUE(two.ok()) << two.status().ToString();
  ASSERT_EQ(two->vector.size(), 2u);
  auto v = SingleValue(*two);
  EXPECT_EQ(v.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(v.status().message(), HasSubstr("2 series"));
  EXPECT_THAT(v.status().message(), HasSubstr("{zone=\"a\"}"));
  EXPECT_THAT(v.status().message(), HasSubstr("{zone=\"b\"}"));
}

TEST_F(PromClientTest, WrongPathPrefixIsNotFoundWithTheBody) {
  bool no_answer = true;
  auto r = MakeClient(server_->base_url() + "/no/such/prefix").InstantQuery("up", std::nullopt, &no_answer);
  ASSERT_EQ(r.status().code(), StatusCode::kNotFound) << r.status().ToString();
  EXPECT_FALSE(no_answer) << "an HTTP error is an answer";
  EXPECT_THAT(r.status().message(), HasSubstr("/no/such/prefix/api/v1/query"));
  EXPECT_THAT(r.status().message(), HasSubstr("HTTP 404"));
  EXPECT_THAT(r.status().message(), HasSubstr("404 page not found"));
}

TEST_F(PromClientTest, HttpsToAPlainHttpServerIsATlsError) {
  bool no_answer = false;
  auto r = MakeClient("https://" + server_->instance()).InstantQuery("up", std::nullopt, &no_answer);
  ASSERT_EQ(r.status().code(), StatusCode::kUnavailable) << r.status().ToString();
  EXPECT_TRUE(no_answer);
  EXPECT_THAT(r.status().message(), HasSubstr("https://" + server_->instance()));
  EXPECT_THAT(r.status().message(), HasSubstr("TLS"));
}

TEST_F(PromClientTest, ConcurrentQueriesFromSeveralThreads) {
  const auto client = Client();
  std::vector<std::thread> threads;
  std::vector<double> got(8, 0);
  for (size_t i = 0; i < got.size(); ++i) {
    threads.emplace_back([&, i] {
      auto r = client.InstantQuery(fmt::format("{} * 10", i));
      got[i] = r.ok() ? r->scalar.value : -1;
    });
  }
  for (auto& t : threads) t.join();
  for (size_t i = 0; i < got.size(); ++i) EXPECT_EQ(got[i], 10.0 * static_cast<double>(i)) << i;
}

// ---- https: a second Prometheus serving TLS with a self-signed certificate ---------------------

class PromClientTlsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!TestPrometheus::Available()) return;
    std::string tmpl = (std::filesystem::temp_directory_path() / "podpilot-prom-tls.XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) {
      start_error_ = "mkdtemp failed";
      return;
    }
    cert_dir_ = tmpl;
    start_error_ = testing::GenerateSelfSignedCert(cert_dir_);
    if (!start_error_.empty()) return;
    server_ = new TestPrometheus();
    start_error_ = server_->Start(seconds(20), TestPrometheus::TlsFiles{cert_dir_ + "/server.crt", cert_dir_ + "/server.key"});
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
    std::error_code ec;
    if (!cert_dir_.empty()) std::filesystem::remove_all(cert_dir_, ec);
  }
  void SetUp() override {
    if (!TestPrometheus::Available()) GTEST_SKIP() << testing::kPrometheusBinary << " not installed (Debian package prometheus)";
    ASSERT_EQ(start_error_, "");
  }

  ClientOptions TlsOptions() const {
    ClientOptions o = Options(server_->base_url());
    o.timeout = seconds(5);
    return o;
  }

  static TestPrometheus* server_;
  static std::string cert_dir_;
  static std::string start_error_;
};
TestPrometheus* PromClientTlsTest::server_ = nullptr;
std::string PromClientTlsTest::cert_dir_;
std::string PromClientTlsTest::start_error_;

TEST_F(PromClientTlsTest, CaFileVerifiesTheServer) {
  ClientOptions o = TlsOptions();
  ASSERT_THAT(o.base_url, ::testing::StartsWith("https://"));
  o.ca_file = cert_dir_ + "/server.crt";
  auto r = PrometheusClient::Create(o)->InstantQuery("1+1");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->scalar.value, 2.0);
}

TEST_F(PromClientTlsTest, UntrustedCertificateIsFailedPrecondition) {
  auto r = PrometheusClient::Create(TlsOptions())->InstantQuery("1+1");  // system CA store only
  ASSERT_EQ(r.status().code(), StatusCode::kFailedPrecondition) << r.status().ToString();
  EXPECT_THAT(r.status().message(), HasSubstr(server_->base_url()));
  EXPECT_THAT(r.status().message(), HasSubstr("TLS verification failed"));
}

TEST_F(PromClientTlsTest, InsecureSkipVerifyConnects) {
  ClientOptions o = TlsOptions();
  o.insecure_skip_verify = true;
  o.bearer_token = "not-checked-by-this-server";
  auto r = PrometheusClient::Create(o)->InstantQuery("1+1");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->scalar.value, 2.0);
}

// ---- transport failures without Prometheus -----------------------------------------------------

TEST(PromClientTransportTest, ConnectionRefusedIsUnavailableNamingTheUrl) {
  LoopbackSocket bound_not_listening(/*listen=*/false);
  ASSERT_NE(bound_not_listening.port(), 0);
  const std::string url = "http://127.0.0.1:" + std::to_string(bound_not_listening.port());
  bool no_answer = false;
  auto r = MakeClient(url).InstantQuery("up", std::nullopt, &no_answer);
  ASSERT_EQ(r.status().code(), StatusCode::kUnavailable) << r.status().ToString();
  EXPECT_TRUE(no_answer);
  EXPECT_THAT(r.status().message(), HasSubstr(url + "/api/v1/query query \"up\""));
  EXPECT_THAT(r.status().message(), HasSubstr("could not connect"));
}

TEST(PromClientTransportTest, UnresolvableHostIsUnavailable) {
  // .invalid never resolves (RFC 2606).
  auto r = MakeClient("http://prometheus.invalid:9090").InstantQuery("up");
  ASSERT_EQ(r.status().code(), StatusCode::kUnavailable) << r.status().ToString();
  EXPECT_THAT(r.status().message(), HasSubstr("prometheus.invalid"));
  EXPECT_THAT(r.status().message(), HasSubstr("DNS"));
}

TEST(PromClientTransportTest, ServerThatNeverAnswersIsDeadlineExceeded) {
  LoopbackSocket never_answers(/*listen=*/true);
  ASSERT_NE(never_answers.port(), 0);
  const std::string url = "http://127.0.0.1:" + std::to_string(never_answers.port());
  bool no_answer = false;
  auto r = MakeClient(url, milliseconds(200)).InstantQuery("up", std::nullopt, &no_answer);
  ASSERT_EQ(r.status().code(), StatusCode::kDeadlineExceeded) << r.status().ToString();
  EXPECT_TRUE(no_answer);
  EXPECT_THAT(r.status().message(), HasSubstr(url));
  EXPECT_THAT(r.status().message(), HasSubstr("timed out"));
}

TEST(PromClientTransportTest, CreateValidatesOptions) {
  auto code = [](ClientOptions o) { return PrometheusClient::Create(std::move(o)).status().code(); };
  EXPECT_EQ(code(Options("ftp://host")), StatusCode::kInvalidArgument);
  EXPECT_EQ(code(Options("not a url")), StatusCode::kInvalidArgument);
  EXPECT_EQ(code(Options("")), StatusCode::kInvalidArgument);
  EXPECT_EQ(code(Options("http://host:9090/?x=1")), StatusCode::kInvalidArgument);
  auto with_password = PrometheusClient::Create(Options("http://admin:s3cret@host:9090"));
  EXPECT_EQ(with_password.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(with_password.status().message(), ::testing::Not(HasSubstr("s3cret")));
  ClientOptions o = Options("http://host:9090");
  o.timeout = milliseconds(0);
  EXPECT_EQ(code(o), StatusCode::kInvalidArgument);
  o = Options("http://host:9090");
  o.connect_timeout = milliseconds(-1);
  EXPECT_EQ(code(o), StatusCode::kInvalidArgument);
  o = Options("https://host");
  o.ca_file = "/no/such/ca.pem";
  EXPECT_EQ(code(o), StatusCode::kNotFound);
  auto ok = PrometheusClient::Create(Options("https://host:9090/prom/"));
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ok->base_url(), "https://host:9090/prom");
  auto msg = PrometheusClient::Create(Options("ftp://host")).status().message();
  EXPECT_THAT(msg, HasSubstr("ftp://host"));
  EXPECT_THAT(msg, HasSubstr("scheme"));
}

TEST(PromClientTransportTest, RangeQueryValidatesStepAndOrderLocally) {
  // Port 9 (discard) is never contacted: these fail before any request.
  auto client = MakeClient("http://127.0.0.1:9");
  const auto t = std::chrono::system_clock::now();
  EXPECT_EQ(client.RangeQuery("up", t, t, milliseconds(0)).status().code(), StatusCode::kInvalidArgument);
  auto r = client.RangeQuery("up", t, t - seconds(1), seconds(1));
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(r.status().message(), HasSubstr("before start"));
}

}  // namespace
}  // namespace podpilot::prom
