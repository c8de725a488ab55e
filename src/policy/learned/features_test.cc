#include "policy/learned/features.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <numbers>
#include <set>

#include "common/rng.h"

namespace podpilot::learned {
namespace {

TargetObservation Target(const std::string& name) {
  TargetObservation t;
  t.name = name;
  t.replicas_spec = 4;
  t.replicas_ready = 3;
  t.replicas_starting = 1;
  t.replicas_pending = 0;
  t.min_replicas = 1;
  t.max_replicas = 8;
  t.cpu_utilization = 0.72;
  t.memory_utilization = 0.4;
  t.request_rate = 90;
  t.error_rate = 4.5;
  t.latency_p95_ms = 150;
  t.in_flight = 2.5;
  t.oom_kills = 1;
  return t;
}

Observation Obs(int targets) {
  Observation o;
  o.time_s = 1000;
  o.time_of_day_s = 6 * 3600;  // 06:00: a quarter of the day
  o.day_of_week = 3.5;
  o.request_rate = 120;
  o.slo_attainment = 0.93;
  o.classes.push_back(ClassObservation{"browse", 100, 0, 0, 300.0, 1, 0});
  o.classes.push_back(ClassObservation{"checkout", 20, 0, 0, 250.0, 1, 0});
  for (int i = 0; i < targets; ++i) o.targets.push_back(Target("svc" + std::to_string(i)));
  return o;
}

FeatureLayout Layout(int targets, int history = 0, double slo_ms = 0) {
  auto l = MakeFeatureLayout(targets, FeatureOptions{history, slo_ms});
  EXPECT_TRUE(l.ok()) << l.status().ToString();
  return *l;
}

float Get(const FeatureLayout& l, const std::vector<float>& v, const std::string& name) {
  for (int i = 0; i < l.size(); ++i) {
    if (l.names[i] == name) return v[i];
  }
  ADD_FAILURE() << "no feature " << name;
  return NAN;
}

TEST(FeaturesTest, LayoutNamesOrderAndCount) {
  const FeatureLayout l = Layout(2, 3);
  EXPECT_EQ(l.size(), 6 + 2 * 11 + 3 * (2 + 2 * 3));
  EXPECT_EQ(l.names.front(), "request_rate_log1p");
  EXPECT_EQ(l.names[6], "t0.replicas_spec");
  EXPECT_EQ(l.names[6 + 11], "t1.replicas_spec");
  EXPECT_EQ(l.names[6 + 22], "h1.request_rate_log1p");
  EXPECT_EQ(l.names.back(), "h3.t1.p95_over_slo");
  EXPECT_EQ(l.low.size(), l.names.size());
  EXPECT_EQ(l.high.size(), l.names.size());
  std::set<std::string> unique(l.names.begin(), l.names.end());
  EXPECT_EQ(unique.size(), l.names.size());
}

TEST(FeaturesTest, ValuesFollowTheDocumentedDefinitions) {
  const FeatureLayout l = Layout(1);
  FeatureBuilder b(l);
  std::vector<float> v;
  ASSERT_TRUE(b.Build(Obs(1), &v).ok());
  ASSERT_EQ(static_cast<int>(v.size()), l.size());
  EXPECT_FLOAT_EQ(Get(l, v, "request_rate_log1p"), std::log1p(120.0));
  EXPECT_FLOAT_EQ(Get(l, v, "slo_attainment"), 0.93f);
  EXPECT_NEAR(Get(l, v, "time_of_day_sin"), 1.0, 1e-7);
  EXPECT_NEAR(Get(l, v, "time_of_day_cos"), 0.0, 1e-7);
  EXPECT_FLOAT_EQ(Get(l, v, "day_of_week_sin"), std::sin(2 * std::numbers::pi * 0.5));
  EXPECT_FLOAT_EQ(Get(l, v, "day_of_week_cos"), -1.0f);
  EXPECT_FLOAT_EQ(Get(l, v, "t0.replicas_spec"), 0.5f);  // 4 / 8
  EXPECT_FLOAT_EQ(Get(l, v, "t0.replicas_ready"), 0.375f);
  EXPECT_FLOAT_EQ(Get(l, v, "t0.replicas_starting"), 0.125f);
  EXPECT_FLOAT_EQ(Get(l, v, "t0.replicas_pending"), 0.0f);
  EXPECT_FLOAT_EQ(Get(l, v, "t0.cpu_utilization"), 0.72f);
  EXPECT_FLOAT_EQ(Get(l, v, "t0.memory_utilization"), 0.4f);
  EXPECT_FLOAT_EQ(Get(l, v, "t0.request_rate_per_pod_log1p"), std::log1p(30.0));  // 90 rps over 3 ready
  EXPECT_FLOAT_EQ(Get(l, v, "t0.p95_over_slo"), 0.6f);  // 150 ms over the strictest class SLO, 250 ms
  EXPECT_FLOAT_EQ(Get(l, v, "t0.error_fraction"), 0.05f);
  EXPECT_FLOAT_EQ(Get(l, v, "t0.in_flight_per_pod_log1p"), std::log1p(2.5));
  EXPECT_FLOAT_EQ(Get(l, v, "t0.oom_kills"), 1.0f);
}

TEST(FeaturesTest, SloComesFromOptionsThenClassesThenDefault) {
  Observation o = Obs(1);
  std::vector<float> v;
  const FeatureLayout fixed = Layout(1, 0, 500);
  FeatureBuilder b1(fixed);
  ASSERT_TRUE(b1.Build(o, &v).ok());
  EXPECT_FLOAT_EQ(Get(fixed, v, "t0.p95_over_slo"), 0.3f);
  o.classes.clear();
  const FeatureLayout from_obs = Layout(1);
  FeatureBuilder b2(from_obs);
  ASSERT_TRUE(b2.Build(o, &v).ok());
  EXPECT_FLOAT_EQ(Get(from_obs, v, "t0.p95_over_slo"), 150.0f / kDefaultFeatureSloMs);
}

TEST(FeaturesTest, Deterministic) {
  Rng rng(5);
  Observation o = Obs(3);
  std::vector<Observation> seq;
  for (int i = 0; i < 20; ++i) {
    o.time_of_day_s += 15;
    o.request_rate = 100 * rng.Uniform();
    o.targets[1].cpu_utilization = 2 * rng.Uniform();
    seq.push_back(o);
  }
  auto run = [&]() {
    FeatureBuilder b(Layout(3, 4));
    std::vector<float> all, v;
    for (const auto& ob : seq) {
      EXPECT_TRUE(b.Build(ob, &v).ok());
      all.insert(all.end(), v.begin(), v.end());
    }
    return all;
  };
  EXPECT_EQ(run(), run());
}

TEST(FeaturesTest, ExtremeObservationsGiveFiniteClippedValues) {
  const double inf = std::numeric_limits<double>::infinity(), nan = std::numeric_limits<double>::quiet_NaN();
  const FeatureLayout l = Layout(2, 2);
  std::vector<Observation> cases;
  Observation o = Obs(2);
  o.request_rate = inf;
  o.slo_attainment = nan;
  o.time_of_day_s = inf;
  o.day_of_week = -nan;
  o.targets[0].cpu_utilization = 1e300;
  o.targets[0].memory_utilization = -5;
  o.targets[0].latency_p95_ms = nan;
  o.targets[0].error_rate = inf;
  o.targets[0].request_rate = 0;
  o.targets[0].in_flight = -inf;
  o.targets[0].oom_kills = 1 << 30;
  o.targets[0].replicas_ready = 0;
  o.targets[0].max_replicas = 0;
  o.targets[0].replicas_spec = 1 << 30;
  o.targets[1].request_rate = nan;
  o.targets[1].error_rate = nan;
  o.targets[1].replicas_pending = -7;
  o.classes[0].slo_ms = 0;
  o.classes[1].slo_ms = nan;
  cases.push_back(o);
  cases.push_back(Observation{});  // all zero (no targets: refused below)
  Observation zero = Obs(2);
  for (auto& t : zero.targets) t = TargetObservation{};
  zero.classes.clear();
  cases.push_back(zero);
  FeatureBuilder b(l);
  for (size_t c = 0; c < cases.size(); ++c) {
    std::vector<float> v;
    Status s = b.Build(cases[c], &v);
    if (cases[c].targets.size() != 2) {
      EXPECT_FALSE(s.ok());
      continue;
    }
    ASSERT_TRUE(s.ok()) << s.ToString();
    for (int i = 0; i < l.size(); ++i) {
      EXPECT_TRUE(std::isfinite(v[i])) << "case " << c << " " << l.names[i];
      EXPECT_GE(v[i], l.low[i]) << "case " << c << " " << l.names[i];
      EXPECT_LE(v[i], l.high[i]) << "case " << c << " " << l.names[i];
    }
  }
  // Spot checks on the first case: saturate high, NaN reads as 0.
  FeatureBuilder b2(l);
  std::vector<float> v;
  ASSERT_TRUE(b2.Build(cases[0], &v).ok());
  EXPECT_EQ(Get(l, v, "request_rate_log1p"), 20.0f);
  EXPECT_EQ(Get(l, v, "slo_attainment"), 0.0f);
  EXPECT_EQ(Get(l, v, "t0.cpu_utilization"), 10.0f);
  EXPECT_EQ(Get(l, v, "t0.error_fraction"), 1.0f);  // errors at zero rate
  EXPECT_EQ(Get(l, v, "t0.oom_kills"), 10.0f);
  EXPECT_EQ(Get(l, v, "t0.replicas_spec"), 4.0f);
}

TEST(FeaturesTest, HistoryHoldsThePreviousObservationsKeyFeatures) {
  const FeatureLayout l = Layout(1, 2);
  FeatureBuilder b(l);
  auto obs_with = [](double rps, double cpu) {
    Observation o = Obs(1);
    o.request_rate = rps;
    o.targets[0].cpu_utilization = cpu;
    return o;
  };
  std::vector<float> v;
  // First observation: every history slot repeats it.
  ASSERT_TRUE(b.Build(obs_with(10, 0.1), &v).ok());
  EXPECT_FLOAT_EQ(Get(l, v, "h1.request_rate_log1p"), std::log1p(10.0));
  EXPECT_FLOAT_EQ(Get(l, v, "h2.t0.cpu_utilization"), 0.1f);
  // Second: h1 = first, h2 = the oldest seen (first).
  ASSERT_TRUE(b.Build(obs_with(20, 0.2), &v).ok());
  EXPECT_FLOAT_EQ(Get(l, v, "request_rate_log1p"), std::log1p(20.0));
  EXPECT_FLOAT_EQ(Get(l, v, "h1.request_rate_log1p"), std::log1p(10.0));
  EXPECT_FLOAT_EQ(Get(l, v, "h2.request_rate_log1p"), std::log1p(10.0));
  ASSERT_TRUE(b.Build(obs_with(30, 0.3), &v).ok());
  ASSERT_TRUE(b.Build(obs_with(40, 0.4), &v).ok());
  EXPECT_FLOAT_EQ(Get(l, v, "t0.cpu_utilization"), 0.4f);
  EXPECT_FLOAT_EQ(Get(l, v, "h1.t0.cpu_utilization"), 0.3f);
  EXPECT_FLOAT_EQ(Get(l, v, "h2.t0.cpu_utilization"), 0.2f);
  EXPECT_FLOAT_EQ(Get(l, v, "h2.t0.replicas_spec"), 0.5f);
  // A refused observation records nothing.
  EXPECT_FALSE(b.Build(Obs(2), &v).ok());
  ASSERT_TRUE(b.Build(obs_with(50, 0.5), &v).ok());
  EXPECT_FLOAT_EQ(Get(l, v, "h1.t0.cpu_utilization"), 0.4f);
  EXPECT_FLOAT_EQ(Get(l, v, "h2.t0.cpu_utilization"), 0.3f);
  // Reset starts a new episode.
  b.Reset();
  ASSERT_TRUE(b.Build(obs_with(60, 0.6), &v).ok());
  EXPECT_FLOAT_EQ(Get(l, v, "h1.t0.cpu_utilization"), 0.6f);
  EXPECT_FLOAT_EQ(Get(l, v, "h2.t0.cpu_utilization"), 0.6f);
}

TEST(FeaturesTest, RecentPeakIsTheLargestRateOfTheWindow) {
  const FeatureLayout l = *MakeFeatureLayout(1, FeatureOptions{.peak_window = 3});
  ASSERT_EQ(l.size(), 6 + 11 + 2);
  EXPECT_EQ(l.names[17], "peak.request_rate_log1p");
  EXPECT_EQ(l.names[18], "peak.below_log1p");
  FeatureBuilder b(l);
  std::vector<float> v;
  auto step = [&](double rps) {
    Observation o = Obs(1);
    o.request_rate = rps;
    EXPECT_TRUE(b.Build(o, &v).ok());
    return std::pair<float, float>{v[17], v[18]};
  };
  auto near = [](std::pair<float, float> got, double peak_rps, double now_rps) {
    EXPECT_NEAR(got.first, std::log1p(peak_rps), 1e-6);
    EXPECT_NEAR(got.second, std::log1p(peak_rps) - std::log1p(now_rps), 1e-6);
  };
  near(step(10), 10, 10);   // the first observation is its own peak
  near(step(100), 100, 100);
  near(step(20), 100, 20);
  near(step(30), 100, 30);  // 100 is the oldest of the last three
  near(step(5), 30, 5);     // ... and now out of the window
  b.Reset();                // a new episode forgets the old one's peak
  near(step(7), 7, 7);
}

TEST(FeaturesTest, WrongTargetCountIsRefused) {
  FeatureBuilder b(Layout(2));
  std::vector<float> v;
  Status s = b.Build(Obs(3), &v);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("the observation has 3 targets but the layout 2"), std::string::npos) << s.message();
}

TEST(FeaturesTest, MakeLayoutValidates) {
  EXPECT_FALSE(MakeFeatureLayout(0, {}).ok());
  EXPECT_FALSE(MakeFeatureLayout(1, FeatureOptions{-1, 0}).ok());
  EXPECT_FALSE(MakeFeatureLayout(1, FeatureOptions{kMaxFeatureHistory + 1, 0}).ok());
  EXPECT_FALSE(MakeFeatureLayout(1, FeatureOptions{0, -3}).ok());
  EXPECT_FALSE(MakeFeatureLayout(1, FeatureOptions{.peak_window = -1}).ok());
  EXPECT_FALSE(MakeFeatureLayout(1, FeatureOptions{.peak_window = kMaxFeaturePeakWindow + 1}).ok());
  EXPECT_FALSE(MakeFeatureLayout(2, {}, {"only-one"}).ok());
  for (double bad : {0.0, -15.0, kMaxControlIntervalS + 1, std::numeric_limits<double>::quiet_NaN(),
                     std::numeric_limits<double>::infinity()}) {
    auto r = MakeFeatureLayout(1, FeatureOptions{.control_interval_s = bad});
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_NE(r.status().message().find("control_interval_s must be in (0, 3600] seconds"), std::string::npos)
        << r.status().message();
  }
  EXPECT_TRUE(MakeFeatureLayout(1, FeatureOptions{.control_interval_s = kMaxControlIntervalS}).ok());
}

TEST(FeaturesTest, JsonRoundTripKeepsNormalisationExactly) {
  FeatureLayout l = *MakeFeatureLayout(2, FeatureOptions{1, 300}, {"web", "api"});
  Rng rng(3);
  for (int i = 0; i < l.size(); ++i) {
    l.normalization.mean.push_back(static_cast<float>(rng.Normal()));
    l.normalization.std.push_back(static_cast<float>(0.1 + rng.Uniform()));
  }
  l.normalization.clip = 10;
  auto r = FeatureLayoutFromJson(FeatureLayoutToJson(l), "f");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->names, l.names);
  EXPECT_EQ(r->target_names, l.target_names);
  EXPECT_EQ(r->options.history, 1);
  EXPECT_EQ(r->options.slo_ms, 300);
  EXPECT_EQ(r->normalization.mean, l.normalization.mean);
  EXPECT_EQ(r->normalization.std, l.normalization.std);
  EXPECT_EQ(r->normalization.clip, 10);
  EXPECT_TRUE(CheckSameFeatures(l, *r, "x").ok());
}

TEST(FeaturesTest, JsonKeepsThePeakWindowAndWritesNoneWithoutIt) {
  const FeatureLayout with = *MakeFeatureLayout(2, FeatureOptions{.history = 1, .peak_window = 240});
  auto r = FeatureLayoutFromJson(FeatureLayoutToJson(with), "f");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->options.peak_window, 240);
  EXPECT_EQ(r->names, with.names);
  // Without the block the text has no peak_window key (model files written before it existed
  // read back unchanged), and a file with the key but without the names is refused.
  const FeatureLayout without = Layout(2, 1);
  std::string text = FeatureLayoutToJson(without);
  EXPECT_EQ(text.find("peak_window"), std::string::npos);
  text.insert(text.find("\"history\""), "\"peak_window\":240,");
  auto bad = FeatureLayoutFromJson(text, "m.st");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("features instead of"), std::string::npos) << bad.status().message();
  EXPECT_NE(CheckSameFeatures(with, without, "x").message().find("peak_window 0 instead of 240"), std::string::npos);
}

TEST(FeaturesTest, JsonKeepsTheControlIntervalAndWritesNoneAtTheDefault) {
  const FeatureLayout at30 = *MakeFeatureLayout(1, FeatureOptions{.history = 2, .control_interval_s = 30});
  const std::string text30 = FeatureLayoutToJson(at30);
  EXPECT_NE(text30.find("\"control_interval_s\":30"), std::string::npos) << text30;
  auto r = FeatureLayoutFromJson(text30, "f");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->options.control_interval_s, 30);
  EXPECT_EQ(FeatureLayoutToJson(*r), text30);
  // The vector is the same at every interval: the interval is about what its values span.
  EXPECT_EQ(r->names, Layout(1, 2).names);

  // At 15 s the text has no key, so layouts written before it existed read and write unchanged;
  // absent reads as 15.
  const FeatureLayout at15 = Layout(1, 2);
  EXPECT_EQ(at15.options.control_interval_s, kDefaultControlIntervalS);
  const std::string text15 = FeatureLayoutToJson(at15);
  EXPECT_EQ(text15.find("control_interval_s"), std::string::npos) << text15;
  r = FeatureLayoutFromJson(text15, "f");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->options.control_interval_s, 15);
  EXPECT_EQ(FeatureLayoutToJson(*r), text15);

  // A 30 s layout is not the 15 s one, whatever the names say.
  const Status s = CheckSameFeatures(at15, at30, "m.st");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("m.st: feature layout differs from the one expected: control_interval_s 30 s instead of 15 s"),
            std::string::npos)
      << s.message();
  EXPECT_TRUE(CheckSameFeatures(at30, *FeatureLayoutFromJson(text30, "f"), "x").ok());
}

TEST(FeaturesTest, RecordedReplicaScaleDividesReplicaCountsWhateverTheLiveMaximum) {
  // Trained with max 8: 4 replicas read 0.5. Run where the operator's maxReplicas is 32: without
  // the record the model would see 4 / 32 = 0.125, a quarter of what it learned 4 pods look like.
  const FeatureLayout recorded = *MakeFeatureLayout(2, FeatureOptions{}, {"web", "api"}, {8, 2});
  Observation o = Obs(2);
  o.targets[0].max_replicas = 32;
  o.targets[1].max_replicas = 1;  // below the recorded 2: the scale still decides, and 4 / 2 is kept (clip 4)
  std::vector<float> v;
  FeatureBuilder b(recorded);
  ASSERT_TRUE(b.Build(o, &v).ok());
  EXPECT_FLOAT_EQ(Get(recorded, v, "t0.replicas_spec"), 0.5f);       // 4 / 8
  EXPECT_FLOAT_EQ(Get(recorded, v, "t0.replicas_ready"), 0.375f);    // 3 / 8
  EXPECT_FLOAT_EQ(Get(recorded, v, "t0.replicas_starting"), 0.125f);
  EXPECT_FLOAT_EQ(Get(recorded, v, "t1.replicas_spec"), 2.0f);       // 4 / 2
  EXPECT_FLOAT_EQ(Get(recorded, v, "t1.replicas_ready"), 1.5f);
  // Without the record (files older than it) the observation's own maximum divides, as before.
  const FeatureLayout unrecorded = Layout(2);
  FeatureBuilder old(unrecorded);
  ASSERT_TRUE(old.Build(o, &v).ok());
  EXPECT_FLOAT_EQ(Get(unrecorded, v, "t0.replicas_spec"), 0.125f);   // 4 / 32
  EXPECT_FLOAT_EQ(Get(unrecorded, v, "t1.replicas_spec"), 4.0f);     // 4 / 1
}

TEST(FeaturesTest, JsonKeepsTheReplicaScaleAndWritesNoneWithoutIt) {
  const FeatureLayout with = *MakeFeatureLayout(2, FeatureOptions{}, {"web", "api"}, {20, 4});
  const std::string text = FeatureLayoutToJson(with);
  EXPECT_NE(text.find("\"replica_scale\":[20,4]"), std::string::npos) << text;
  auto r = FeatureLayoutFromJson(text, "f");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->replica_scale, (std::vector<int>{20, 4}));
  EXPECT_EQ(FeatureLayoutToJson(*r), text);
  // Not part of the vector's definition: a model with the record serves where one without it did.
  EXPECT_TRUE(CheckSameFeatures(Layout(2), *r, "x").ok());
  // Without it the text has no key, so files written before the record read and write unchanged.
  const std::string without = FeatureLayoutToJson(Layout(2));
  EXPECT_EQ(without.find("replica_scale"), std::string::npos) << without;
  r = FeatureLayoutFromJson(without, "f");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->replica_scale.empty());
}

struct RefusedValue {
  std::string value, expect;
};

// `key` set to each case's value in an otherwise valid layout (`targets` targets) is refused as
// InvalidArgument, the message starting with the file and naming what is wrong.
void ExpectEachRefused(int targets, const std::string& key, const std::vector<RefusedValue>& cases) {
  const std::string text = FeatureLayoutToJson(Layout(targets));
  for (const RefusedValue& c : cases) {
    std::string j = text;
    j.insert(j.find("\"history\""), "\"" + key + "\":" + c.value + ",");
    auto r = FeatureLayoutFromJson(j, "model.st");
    ASSERT_FALSE(r.ok()) << c.value;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << r.status().ToString();
    EXPECT_EQ(r.status().message().rfind("model.st: ", 0), 0u) << r.status().message();
    EXPECT_NE(r.status().message().find(c.expect), std::string::npos) << c.value << ": " << r.status().message();
  }
}

TEST(FeaturesTest, BadReplicaScaleIsRefusedNamingTheValue) {
  ExpectEachRefused(2, "replica_scale",
                    {
                        {"[20]", "1 replica scales for 2 targets"},
                        {"[20,4,6]", "3 replica scales for 2 targets"},
                        {"[20,0]", "replica_scale[1] must be in [1, 100000], got 0"},
                        {"[-3,4]", "replica_scale[0] must be in [1, 100000], got -3"},
                        {"[20,100001]", "replica_scale[1] must be in [1, 100000], got 100001"},
                        {"[20,18446744073709551615]", "replica_scale[1] must be in [1, 100000], got 18446744073709551615"},
                        {"[20,4.5]", "replica_scale holds a non-integer: 4.5"},
                        {"\"20\"", "replica_scale is not an array"},
                        {"[]", "replica_scale is empty (one entry per target, or no key at all)"},
                    });
  EXPECT_FALSE(MakeFeatureLayout(1, FeatureOptions{}, {}, {0}).ok());
}

TEST(FeaturesTest, BadControlIntervalIsRefusedNamingTheKeyAndValue) {
  ExpectEachRefused(1, "control_interval_s",
                    {
                        {"0", "control_interval_s must be in (0, 3600] seconds, got 0"},
                        {"-30", "control_interval_s must be in (0, 3600] seconds, got -30"},
                        {"3601", "control_interval_s must be in (0, 3600] seconds, got 3601"},
                        {"3600.5", "control_interval_s must be in (0, 3600] seconds, got 3600.5"},
                        {"\"30s\"", "control_interval_s is not a number: \"30s\""},
                        {"null", "control_interval_s is not a number: null"},
                    });
}

TEST(FeaturesTest, SameControlIntervalToleratesRoundingOnly) {
  EXPECT_TRUE(SameControlInterval(15, 15));
  EXPECT_TRUE(SameControlInterval(30, 30 * (1 + 1e-9)));
  EXPECT_FALSE(SameControlInterval(15, 15.1));
  EXPECT_FALSE(SameControlInterval(15, 30));
  EXPECT_FALSE(SameControlInterval(15, std::numeric_limits<double>::quiet_NaN()));
}

TEST(FeaturesTest, JsonFromAnotherDefinitionIsRefused) {
  const FeatureLayout l = Layout(1);
  auto mutate = [&](const std::string& from, const std::string& to) {
    std::string j = FeatureLayoutToJson(l);
    const size_t at = j.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    return j.replace(at, from.size(), to);
  };
  struct Case {
    std::string json, expect;
  };
  const std::vector<Case> cases = {
      {mutate("\"version\":1", "\"version\":2"), "features version 2 is newer than this build's (1)"},
      {mutate("\"version\":1", "\"version\":0"), "features version 0 is not supported"},
      {mutate("\"t0.cpu_utilization\"", "\"t0.cpu_util\""), "feature 10 is 't0.cpu_util' instead of 't0.cpu_utilization'"},
      {mutate(",\"t0.oom_kills\"", ""), "16 features instead of 17"},
      {mutate("\"names\"", "\"nomes\""), "missing field 'names'"},
      {"not json", "not a JSON object"},
  };
  for (const Case& c : cases) {
    auto r = FeatureLayoutFromJson(c.json, "model.st");
    ASSERT_FALSE(r.ok()) << c.expect;
    EXPECT_NE(r.status().message().find("model.st"), std::string::npos) << r.status().message();
    EXPECT_NE(r.status().message().find(c.expect), std::string::npos) << r.status().message();
  }
}

TEST(FeaturesTest, BadNormalisationIsRefused) {
  FeatureLayout l = Layout(1);
  l.normalization.mean.assign(l.size(), 0);
  l.normalization.std.assign(l.size(), 1);
  l.normalization.std[3] = 0;
  auto r = FeatureLayoutFromJson(FeatureLayoutToJson(l), "m");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("normalization.std[3] (time_of_day_cos) must be > 0"), std::string::npos)
      << r.status().message();
  l.normalization.std.assign(l.size(), 1);
  l.normalization.mean.pop_back();
  r = FeatureLayoutFromJson(FeatureLayoutToJson(l), "m");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("normalization.mean must be an array of 17 numbers"), std::string::npos)
      << r.status().message();
}

TEST(FeaturesTest, CheckSameFeaturesNamesTheDifference) {
  Status s = CheckSameFeatures(Layout(2, 1), Layout(2, 2), "m.st");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("m.st: feature layout differs from the one expected: history 2 instead of 1"), std::string::npos)
      << s.message();
  s = CheckSameFeatures(Layout(2), Layout(3), "m.st");
  EXPECT_NE(s.message().find("3 targets instead of 2"), std::string::npos) << s.message();
}

}  // namespace
}  // namespace podpilot::learned
