#include "operator/signal_reader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "prom/prom_test_util.h"

namespace podpilot::op {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

prom::PrometheusClient Client(const std::string& url, std::chrono::milliseconds timeout) {
  prom::ClientOptions o;
  o.base_url = url;
  o.timeout = timeout;
  o.connect_timeout = timeout;
  auto c = prom::PrometheusClient::Create(o);
  EXPECT_TRUE(c.ok()) << c.status().ToString();
  return std::move(c).value();
}

// A hung Prometheus (connections completed by the kernel, never answered) costs one timeout per
// observation: the first query finds it, the others are not sent.
TEST(SignalReaderTest, StopsQueryingAPrometheusThatDoesNotAnswer) {
  prom::testing::LoopbackSocket hung(/*listen=*/true);
  ASSERT_NE(hung.port(), 0);
  auto client = Client("http://127.0.0.1:" + std::to_string(hung.port()), std::chrono::milliseconds(200));
  SignalErrors errors;
  SignalReader reader(&client, &errors);
  EXPECT_FALSE(reader.Read("spec.signals.requestRateQuery", "sum(rate(x[1m]))").has_value());
  for (const char* target : {"a", "b", "c"}) {
    EXPECT_FALSE(reader.Read("spec.signals.perTarget.requestRate", "rate(y[1m])", std::string("rps for ") + target));
  }
  EXPECT_FALSE(errors.prometheus_ok);
  EXPECT_EQ(errors.failed_fields, (std::set<std::string>{"spec.signals.requestRateQuery", "spec.signals.perTarget.requestRate"}));
  ASSERT_EQ(errors.messages.size(), 4u);
  EXPECT_THAT(errors.messages[0], StartsWith("spec.signals.requestRateQuery: "));
  EXPECT_THAT(errors.messages[0], HasSubstr("timed out"));
  EXPECT_EQ(errors.messages[3], "rps for c: not queried: Prometheus did not answer spec.signals.requestRateQuery in "
                                "this observation");
}

TEST(SignalReaderTest, ConnectionRefusedStopsTheRestToo) {
  prom::testing::LoopbackSocket refusing(/*listen=*/false);
  ASSERT_NE(refusing.port(), 0);
  auto client = Client("http://127.0.0.1:" + std::to_string(refusing.port()), std::chrono::milliseconds(2000));
  SignalErrors errors;
  SignalReader reader(&client, &errors);
  EXPECT_FALSE(reader.Read("a", "up"));
  EXPECT_FALSE(reader.Read("b", "up"));
  ASSERT_EQ(errors.messages.size(), 2u);
  EXPECT_THAT(errors.messages[1], HasSubstr("b: not queried"));
}

TEST(SignalReaderTest, WithoutPrometheusConfiguredQueriesFailSayingSoAndEmptyOnesAreNotRead) {
  SignalErrors errors;
  SignalReader reader(nullptr, &errors);
  EXPECT_FALSE(reader.Read("spec.policy.slo.query", ""));  // not configured: no error
  EXPECT_TRUE(errors.prometheus_ok);
  EXPECT_FALSE(reader.Read("spec.policy.slo.query", "p95"));
  ASSERT_EQ(errors.messages.size(), 1u);
  EXPECT_THAT(errors.messages[0], HasSubstr("no Prometheus configured (--prometheus-url) for query p95"));
}

// Against a real Prometheus: a query it refuses, or whose answer is not one finite number, fails
// alone; the next one is still sent and read.
TEST(SignalReaderTest, ABadQueryFailsAlone) {
  if (!prom::testing::TestPrometheus::Available()) GTEST_SKIP() << "prometheus not installed (Debian package prometheus)";
  prom::testing::TestPrometheus server;
  ASSERT_EQ(server.Start(), "");
  auto client = Client(server.base_url(), std::chrono::milliseconds(5000));
  SignalErrors errors;
  SignalReader reader(&client, &errors);
  EXPECT_FALSE(reader.Read("bad", "sum(rate(x[1m]"));            // a syntax error
  EXPECT_FALSE(reader.Read("two", "vector(1) or label_replace(vector(2), \"a\", \"b\", \"\", \"\")"));
  EXPECT_FALSE(reader.Read("nan", "vector(0) / 0"));
  auto v = reader.Read("good", "vector(2.5)");
  ASSERT_TRUE(v.has_value()) << ::testing::PrintToString(errors.messages);
  EXPECT_EQ(*v, 2.5);
  EXPECT_EQ(errors.failed_fields, (std::set<std::string>{"bad", "two", "nan"}));
  ASSERT_EQ(errors.messages.size(), 3u);
  EXPECT_THAT(errors.messages[2], HasSubstr("nan: query returned nan: vector(0) / 0"));
}

}  // namespace
}  // namespace podpilot::op
