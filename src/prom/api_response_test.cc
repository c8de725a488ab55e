// The decoder on the exact bytes the Prometheus API documentation shows, and on the malformed
// bodies a real Prometheus never sends (so prom_client_test.cc cannot provoke them).
#include "prom/api_response.h"

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

namespace podpilot::prom {
namespace {

using ::testing::HasSubstr;

TEST(ParsePromFloatTest, GoFormattedValues) {
  EXPECT_EQ(ParsePromFloat("1").value(), 1.0);
  EXPECT_EQ(ParsePromFloat("-0.25").value(), -0.25);
  EXPECT_EQ(ParsePromFloat("1.5e+06").value(), 1.5e6);
  EXPECT_EQ(ParsePromFloat("+3").value(), 3.0);
  EXPECT_TRUE(std::isnan(ParsePromFloat("NaN").value()));
  EXPECT_EQ(ParsePromFloat("+Inf").value(), INFINITY);
  EXPECT_EQ(ParsePromFloat("-Inf").value(), -INFINITY);
  for (const char* bad : {"", "abc", "1.5x", " 1", "--1", "+"}) {
    auto r = ParsePromFloat(bad);
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << bad;
  }
  EXPECT_THAT(ParsePromFloat("1.5x").status().message(), HasSubstr("\"1.5x\""));
}

TEST(ParseQueryResponseTest, VectorFromTheDocumentation) {
  auto r = ParseQueryResponse(R"({"status":"success","data":{"resultType":"vector","result":[
      {"metric":{"__name__":"up","job":"prometheus","instance":"localhost:9090"},"value":[1435781451.781,"1"]},
      {"metric":{"__name__":"up","job":"node","instance":"localhost:9100"},"value":[1435781451.781,"0"]}]}})",
                              200);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->type, ResultType::kVector);
  ASSERT_EQ(r->vector.size(), 2u);
  EXPECT_EQ(r->vector[0].labels.at("job"), "prometheus");
  EXPECT_DOUBLE_EQ(r->vector[0].sample.timestamp, 1435781451.781);
  EXPECT_EQ(r->vector[0].sample.value, 1.0);
  EXPECT_EQ(r->vector[1].sample.value, 0.0);
}

TEST(ParseQueryResponseTest, MatrixScalarStringAndWarnings) {
  auto m = ParseQueryResponse(R"({"status":"success","warnings":["w1","w2"],"data":{"resultType":"matrix","result":[
      {"metric":{"job":"node"},"values":[[1435781430.781,"1"],[1435781445.781,"+Inf"],[1435781460.781,"NaN"]]}]}})",
                              200);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->type, ResultType::kMatrix);
  EXPECT_EQ(m->warnings, (std::vector<std::string>{"w1", "w2"}));
  ASSERT_EQ(m->matrix.size(), 1u);
  ASSERT_EQ(m->matrix[0].samples.size(), 3u);
  EXPECT_EQ(m->matrix[0].samples[1].value, INFINITY);
  EXPECT_TRUE(std::isnan(m->matrix[0].samples[2].value));

  auto s = ParseQueryResponse(R"({"status":"success","data":{"resultType":"scalar","result":[1,"-Inf"]}})", 200);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->type, ResultType::kScalar);
  EXPECT_EQ(s->scalar.value, -INFINITY);

  auto str = ParseQueryResponse(R"({"status":"success","data":{"resultType":"string","result":[2.5,"hi"]}})", 200);
  ASSERT_TRUE(str.ok()) << str.status().ToString();
  EXPECT_EQ(str->string_value, "hi");
  EXPECT_EQ(str->string_timestamp, 2.5);

  auto empty = ParseQueryResponse(R"({"status":"success","data":{"resultType":"vector","result":[]}})", 200);
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->vector.empty());
}

TEST(ParseQueryResponseTest, ApiErrorsMapToStatusCodes) {
  struct Case {
    const char* error_type;
    long http;
    StatusCode want;
  };
  for (const Case& c : {Case{"bad_data", 400, StatusCode::kInvalidArgument},
                        Case{"execution", 422, StatusCode::kInvalidArgument},
                        Case{"timeout", 503, StatusCode::kDeadlineExceeded},
                        Case{"canceled", 503, StatusCode::kUnavailable},
                        Case{"unavailable", 503, StatusCode::kUnavailable},
                        Case{"internal", 500, StatusCode::kInternal},
                        Case{"not_found", 404, StatusCode::kNotFound},
                        Case{"something_new", 502, StatusCode::kUnavailable}}) {
    const std::string body = std::string(R"({"status":"error","errorType":")") + c.error_type +
                             R"(","error":"the reason"})";
    auto r = ParseQueryResponse(body, c.http);
    ASSERT_FALSE(r.ok()) << c.error_type;
    EXPECT_EQ(r.status().code(), c.want) << c.error_type;
    EXPECT_THAT(r.status().message(), HasSubstr(fmt::format("HTTP {} {}: the reason", c.http, c.error_type)));
  }
}

TEST(ParseQueryResponseTest, NonJsonBodies) {
  auto html = ParseQueryResponse("<html><body>502 Bad Gateway</body></html>", 502);
  EXPECT_EQ(html.status().code(), StatusCode::kUnavailable);
  EXPECT_THAT(html.status().message(), HasSubstr("HTTP 502"));
  EXPECT_THAT(html.status().message(), HasSubstr("502 Bad Gateway"));

  EXPECT_EQ(ParseQueryResponse("denied", 401).status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(ParseQueryResponse("", 504).status().code(), StatusCode::kDeadlineExceeded);

  auto garbage = ParseQueryResponse("{\"status\":\"succ", 200);
  EXPECT_EQ(garbage.status().code(), StatusCode::kDataLoss);
  EXPECT_THAT(garbage.status().message(), HasSubstr("not a JSON object"));
  EXPECT_EQ(ParseQueryResponse("[1,2]", 200).status().code(), StatusCode::kDataLoss);
}

TEST(ParseQueryResponseTest, MalformedShapesNameTheField) {
  struct Case {
    const char* body;
    const char* field;
  };
  for (const Case& c : {
           Case{R"({"status":"maybe"})", "status"},
           Case{R"({"status":"success"})", "data"},
           Case{R"({"status":"success","data":{"resultType":"vector"}})", "data.result"},
           Case{R"({"status":"success","data":{"resultType":"histogram","result":[]}})", "data.resultType"},
           Case{R"({"status":"success","data":{"resultType":"vector","result":{}}})", "data.result"},
           Case{R"({"status":"success","data":{"resultType":"vector","result":[{"metric":{}}]}})", "data.result[0]"},
           Case{R"({"status":"success","data":{"resultType":"vector","result":[{"value":[1,"x"]}]}})",
                "data.result[0].value[1]"},
           Case{R"({"status":"success","data":{"resultType":"vector","result":[{"value":[1,2]}]}})",
                "data.result[0].value[1]"},
           Case{R"({"status":"success","data":{"resultType":"vector","result":[{"value":["1","2"]}]}})",
                "data.result[0].value[0]"},
           Case{R"({"status":"success","data":{"resultType":"vector","result":[{"metric":{"a":1},"value":[1,"2"]}]}})",
                "data.result[0].metric.a"},
           Case{R"({"status":"success","data":{"resultType":"matrix","result":[{"values":[[1,"1"],[2]]}]}})",
                "data.result[0].values[1]"},
           Case{R"({"status":"success","data":{"resultType":"scalar","result":"3"}})", "data.result"},
           Case{R"({"status":"success","data":{"resultType":"string","result":[1,2]}})", "data.result"},
           Case{R"({"status":"success","warnings":"w","data":{"resultType":"vector","result":[]}})", "warnings"},
       }) {
    auto r = ParseQueryResponse(c.body, 200);
    ASSERT_FALSE(r.ok()) << c.body;
    EXPECT_EQ(r.status().code(), StatusCode::kDataLoss) << c.body;
    EXPECT_THAT(r.status().message(), HasSubstr(std::string(c.field) + ":")) << c.body;
  }
}

TEST(ParseQueryResponseTest, NativeHistogramsAreRefusedWithAHint) {
  auto r = ParseQueryResponse(R"({"status":"success","data":{"resultType":"vector","result":[
      {"metric":{},"histogram":[1,{"count":"3","sum":"5","buckets":[]}]}]}})",
                              200);
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(r.status().message(), HasSubstr("histogram_quantile"));
}

TEST(QueryForMessageTest, OneLineAndCut) {
  EXPECT_EQ(QueryForMessage("sum(\n  up\n)"), "sum(   up )");
  const std::string long_query(500, 'x');
  const std::string m = QueryForMessage(long_query);
  EXPECT_EQ(m, std::string(200, 'x') + "... (500 bytes)");
}

TEST(SingleValueTest, ExactlyOneSeriesOrAScalar) {
  QueryResult r;
  r.query = "sum(rate(x[1m]))";
  r.type = ResultType::kVector;
  auto none = SingleValue(r);
  EXPECT_EQ(none.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(none.status().message(), HasSubstr("query \"sum(rate(x[1m]))\""));

  r.vector.push_back({{{"pod", "a"}}, {1.0, 5.0}});
  EXPECT_EQ(SingleValue(r).value(), 5.0);
  EXPECT_EQ(SingleSample(r)->timestamp, 1.0);

  for (const char* pod : {"b", "c", "d\"q"}) r.vector.push_back({{{"pod", pod}}, {1.0, 6.0}});
  auto many = SingleValue(r);
  EXPECT_EQ(many.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(many.status().message(), HasSubstr("4 series"));
  EXPECT_THAT(many.status().message(), HasSubstr("{pod=\"a\"}, {pod=\"b\"}, {pod=\"c\"}, ..."));

  QueryResult scalar;
  scalar.type = ResultType::kScalar;
  scalar.scalar = {2.0, NAN};
  EXPECT_TRUE(std::isnan(SingleValue(scalar).value()));

  QueryResult matrix;
  matrix.type = ResultType::kMatrix;
  EXPECT_THAT(SingleValue(matrix).status().message(), HasSubstr("returned a matrix"));
}

TEST(FormatLabelsTest, EscapesLikePromQL) {
  EXPECT_EQ(FormatLabels({}), "{}");
  EXPECT_EQ(FormatLabels({{"b", "x\"y"}, {"a", "back\\slash\nnl"}}), R"({a="back\\slash\nnl", b="x\"y"})");
}

}  // namespace
}  // namespace podpilot::prom
