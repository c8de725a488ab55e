// Spec parsing and validation: every bad spec is refused with a message naming the key and value.
#include <cmath>

#include "workload/test_util.h"
#include "workload/workload.h"

namespace podpilot {
namespace {

using ::testing::ElementsAre;
using ::testing::Pair;

TEST(ParseWorkloadSpec, KindAndParams) {
  auto spec = ParseWorkloadSpec(" step:low=20, high = 200 ,at=10m ");
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  EXPECT_EQ(spec->kind, "step");
  EXPECT_THAT(spec->params, ElementsAre(Pair("at", "10m"), Pair("high", "200"), Pair("low", "20")));
  EXPECT_EQ(spec->text, "step:low=20, high = 200 ,at=10m");
}

TEST(ParseWorkloadSpec, BareKindAndTrailingColon) {
  for (const char* text : {"diurnal", "diurnal:"}) {
    auto spec = ParseWorkloadSpec(text);
    ASSERT_TRUE(spec.ok()) << text << ": " << spec.status().ToString();
    EXPECT_EQ(spec->kind, "diurnal");
    EXPECT_TRUE(spec->params.empty());
  }
}

TEST(ParseWorkloadSpec, PathValuesMayContainColonsAndEquals) {
  auto spec = ParseWorkloadSpec("trace:csv=/data/a:b/x=1.csv");
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  EXPECT_EQ(spec->params.at("csv"), "/data/a:b/x=1.csv");
}

TEST(ParseWorkloadSpec, RefusesSyntaxErrors) {
  EXPECT_ERROR_MENTIONS(ParseWorkloadSpec(""), "empty");
  EXPECT_ERROR_MENTIONS(ParseWorkloadSpec("sawtooth:period=1h"), "sawtooth", "step");
  EXPECT_ERROR_MENTIONS(ParseWorkloadSpec("step:low"), "'low'", "key=value");
  EXPECT_ERROR_MENTIONS(ParseWorkloadSpec("step:low=1,,high=2"), "key=value");
  EXPECT_ERROR_MENTIONS(ParseWorkloadSpec("step:low="), "low=");
  EXPECT_ERROR_MENTIONS(ParseWorkloadSpec("step:low=1,low=2"), "'low'", "twice");
  EXPECT_ERROR_MENTIONS(ParseWorkloadSpec("step:lo=5"), "unknown key 'lo'", "step", "low, high, at");
  EXPECT_ERROR_MENTIONS(ParseWorkloadSpec("constant:rps=5,amplitude=3"), "'amplitude'", "constant");
}

TEST(WorkloadKinds, ListsEveryKindTheParserAccepts) {
  for (const std::string& kind : WorkloadKinds()) {
    EXPECT_TRUE(ParseWorkloadSpec(kind).ok()) << kind;
  }
  EXPECT_EQ(WorkloadKinds().size(), 8u);
}

// Each entry: spec, then the fragments its error must contain (the key=value at fault).
struct BadSpec {
  const char* text;
  std::vector<std::string> mentions;
};

void PrintTo(const BadSpec& b, std::ostream* os) { *os << b.text; }

class BadValues : public ::testing::TestWithParam<BadSpec> {};

TEST_P(BadValues, AreRefusedNamingKeyAndValue) {
  const BadSpec& b = GetParam();
  auto series = MakeWorkload(b.text, 600, 1);
  ASSERT_FALSE(series.ok()) << b.text << " was accepted";
  EXPECT_EQ(series.status().code(), StatusCode::kInvalidArgument) << series.status().ToString();
  for (const auto& m : b.mentions) {
    EXPECT_THAT(series.status().message(), ::testing::HasSubstr(m)) << b.text;
  }
  EXPECT_THAT(series.status().message(), ::testing::HasSubstr(b.text));  // the spec is quoted
}

INSTANTIATE_TEST_SUITE_P(
    Spec, BadValues,
    ::testing::Values(
        BadSpec{"step:low=abc", {"low=abc", "not a finite number"}},
        BadSpec{"constant:rps=-5", {"rps=-5", ">= 0"}},
        BadSpec{"constant:rps=nan", {"rps=nan"}},
        BadSpec{"constant:rps=inf", {"rps=inf"}},
        BadSpec{"constant:rps=2e7", {"rps=2e7", "<= 10000000"}},
        BadSpec{"sinusoidal:period=0", {"period=0", "> 0s"}},
        BadSpec{"sinusoidal:period=-5m", {"period=-5m"}},
        BadSpec{"sinusoidal:period=5parsecs", {"period=5parsecs"}},
        BadSpec{"sinusoidal:mean=50,amplitude=60", {"amplitude=60", "mean=50"}},
        BadSpec{"step:low=300,high=100", {"low=300", "high=100"}},
        BadSpec{"low_high:low=300,high=100", {"low=300", "high=100"}},
        BadSpec{"low_high:period=0s", {"period=0s"}},
        BadSpec{"spike:base=500,peak=100", {"peak=100", "base=500"}},
        BadSpec{"spike:duration=1m,ramp=40s", {"ramp=40s", "duration=1m"}},
        BadSpec{"spike:duration=0", {"duration=0"}},
        BadSpec{"step:at=400d", {"at=400d", "<="}},
        BadSpec{"diurnal:peak=100,trough=200", {"trough=200", "peak=100"}},
        BadSpec{"diurnal:weekend=-0.5", {"weekend=-0.5"}},
        BadSpec{"diurnal:weekend=50", {"weekend=50"}},
        BadSpec{"random_walk:min=500,max=100", {"min=500", "max=100"}},
        BadSpec{"random_walk:start=5,min=10", {"start=5", "[10, 400]"}},
        BadSpec{"random_walk:sigma=-1", {"sigma=-1"}},
        BadSpec{"random_walk:step=0.5s", {"step=0.5s"}},
        BadSpec{"constant:scale=-1", {"scale=-1"}},
        BadSpec{"constant:time_scale=0", {"time_scale=0"}},
        BadSpec{"constant:time_scale=1e9", {"time_scale=1e9"}},
        BadSpec{"constant:offset=-1h", {"offset=-1h"}},
        BadSpec{"constant:offset=soon", {"offset=soon"}},
        BadSpec{"constant:noise=gaussian", {"noise=gaussian", "poisson or none"}},
        BadSpec{"constant:rps=1e7,scale=2", {"scale=2", "20000000 rps"}},
        BadSpec{"trace:function=abc", {"no trace source"}},
        BadSpec{"trace:csv=a.csv,clf=b.log", {"more than one"}},
        BadSpec{"trace:csv=a.csv,function=abc", {"function=abc", "azure"}},
        BadSpec{"trace:azure=a.csv,max_gap=5m", {"max_gap=5m"}},
        BadSpec{"trace:csv=a.csv,max_gap=0", {"max_gap=0"}}));

TEST(GenerateWorkload, RefusesBadRunDurations) {
  auto spec = ParseWorkloadSpec("constant");
  ASSERT_TRUE(spec.ok());
  EXPECT_ERROR_MENTIONS(GenerateWorkload(*spec, 0, 1), "run duration 0");
  EXPECT_ERROR_MENTIONS(GenerateWorkload(*spec, -10, 1), "run duration -10");
  EXPECT_ERROR_MENTIONS(GenerateWorkload(*spec, std::nan(""), 1), "run duration nan");
  EXPECT_ERROR_MENTIONS(GenerateWorkload(*spec, 1e12, 1), "run duration 1e+12");
}

TEST(GenerateWorkload, ValidatesSpecsBuiltInCode) {
  WorkloadSpec spec;
  spec.kind = "step";
  spec.params = {{"loww", "3"}};
  EXPECT_ERROR_MENTIONS(GenerateWorkload(spec, 60, 1), "unknown key 'loww'", "step:loww=3");
  spec.kind = "nope";
  EXPECT_ERROR_MENTIONS(GenerateWorkload(spec, 60, 1), "unknown workload kind 'nope'");
}

}  // namespace
}  // namespace podpilot
