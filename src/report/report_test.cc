#include "report/report.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "common/file_util.h"
#include "eval/run.h"
#include "report/report_page.h"

namespace podpilot {
namespace {

using Json = nlohmann::json;
namespace fs = std::filesystem;

Json Stat(double mean, double lo, double hi) { return {{"mean", mean}, {"ci95_low", lo}, {"ci95_high", hi}, {"stddev", 0}}; }

TimeSeries Series(int rows, double scale) {
  TimeSeries ts;
  ts.target_names = {"frontend", "cart"};
  ts.class_names = {"browse"};
  for (int i = 0; i < rows; ++i) {
    TimeSeries::Row r{};
    r.time_s = 60.0 * (i + 1);
    r.request_rate = 100 + i;
    r.slo_attainment = 1;
    r.p95_ms = 50 * scale;
    r.cost_rate = 0.1 * scale;
    r.replicas = {2 + i % 3, 1};
    r.ready = r.replicas;
    r.cpu_util = {0.5, 0.5};
    r.target_p95_ms = {40, 10};
    r.class_p95_ms = {50};
    ts.rows.push_back(r);
  }
  return ts;
}

class ReportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = (fs::temp_directory_path() / ("podpilot-report-test-" + std::to_string(getpid()) + "-" +
                                         ::testing::UnitTest::GetInstance()->current_test_info()->name()))
               .string();
    fs::remove_all(dir_);
    fs::create_directories(dir_ + "/runs/web");
    sc_ = {{"suite", {{"name", "mini"}, {"path", "x.yaml"}, {"required_attainment", 0.99}}},
           {"split", "eval"},
           {"seeds", 2},
           {"scenarios", Json::array({{{"name", "web"}, {"app", "gourmetgram"}, {"duration_s", 3600}, {"slo_ms", 200}}})},
           {"policies", Json::array({{{"label", "hpa:cpu=50"}}, {{"label", "<static>"}}})},
           {"lower_bound", {{"available", true}, {"method", "greedy"}}}};
    Json results = Json::array();
    results.push_back({{"scenario", "web"}, {"policy", "hpa:cpu=50"}, {"cost", Stat(2, 1.5, 2.5)},
                       {"cost_ratio", Stat(1.4, 1.3, 1.5)}, {"slo_attainment", Stat(0.995, 0.99, 1)},
                       {"p95_ms", Stat(120, 100, 140)}, {"scaling_actions", Stat(10, 8, 12)},
                       {"oom_kills", Stat(0, 0, 0)}, {"pod_hours", Stat(3, 2, 4)}, {"cpu_utilization", Stat(.5, .4, .6)}});
    results.push_back({{"scenario", "web"}, {"policy", "<static>"}, {"cost", Stat(3, 3, 3)},
                       {"cost_ratio", nullptr}, {"slo_attainment", Stat(0.9, 0.85, 0.95)},
                       {"p95_ms", Stat(300, 280, 320)}, {"scaling_actions", Stat(0, 0, 0)},
                       {"oom_kills", Stat(0, 0, 0)}, {"pod_hours", Stat(4, 4, 4)}, {"cpu_utilization", Stat(.3, .3, .3)}});
    sc_["results"] = results;
    Json runs = Json::array();
    for (int p = 0; p < 2; ++p) {
      const std::string file = "runs/web/p" + std::to_string(p) + ".csv";
      ASSERT_TRUE(WriteFileAtomically(dir_ + "/" + file, Series(1000, 1 + p).ToCsv()).ok());
      runs.push_back({{"scenario", "web"}, {"policy", sc_["policies"][p]["label"]}, {"workload", "step:low=1"},
                      {"workload_index", 0}, {"seed_index", 0}, {"series", file}});
      runs.push_back({{"scenario", "web"}, {"policy", sc_["policies"][p]["label"]}, {"workload", "step:low=1"},
                      {"workload_index", 0}, {"seed_index", 1}, {"series", nullptr}});
    }
    sc_["runs"] = runs;
    ASSERT_TRUE(WriteFileAtomically(dir_ + "/runs/web/bound.csv", Series(3600, 0.5).ToCsv()).ok());
    sc_["bounds"] = Json::array({{{"scenario", "web"}, {"workload_index", 0}, {"seed_index", 0}, {"series", "runs/web/bound.csv"}},
                                 {{"scenario", "web"}, {"workload_index", 0}, {"seed_index", 1}, {"series", nullptr}}});
    Write();
  }
  void TearDown() override { fs::remove_all(dir_); }
  void Write() { ASSERT_TRUE(WriteFileAtomically(dir_ + "/scorecard.json", sc_.dump(2)).ok()); }

  // The model JSON embedded in the page.
  static Json EmbeddedModel(const std::string& html) {
    const std::string open = "<script id=model type=\"application/json\">";
    const size_t a = html.find(open);
    const size_t b = html.find("</script>", a);
    if (a == std::string::npos || b == std::string::npos) return Json();
    return Json::parse(html.substr(a + open.size(), b - a - open.size()));
  }

  std::string dir_;
  Json sc_;
};

TEST_F(ReportTest, PageCarriesTheChartingLibraryTablesAndCoarsenedSeries) {
  ReportOptions opt;
  opt.max_points = 100;
  auto html = BuildReport(dir_, opt);
  ASSERT_TRUE(html.ok()) << html.status().message();
  // Self-contained: uPlot inline, nothing loaded from elsewhere.
  EXPECT_NE(html->find("https://github.com/leeoniya/uPlot (v1.6.32)"), std::string::npos);
  EXPECT_EQ(html->find("<script src"), std::string::npos);
  EXPECT_EQ(html->find("<link"), std::string::npos);
  // Tables rendered without JavaScript, labels escaped.
  const std::string tables = html->substr(0, html->find("<script id=model"));
  EXPECT_NE(tables.find("&lt;static&gt;"), std::string::npos);
  EXPECT_EQ(tables.find("<static>"), std::string::npos);
  EXPECT_NE(html->find("1.400"), std::string::npos);       // cost ratio of the HPA
  EXPECT_NE(html->find("<td class=bad>90.00"), std::string::npos);  // 90 % < 99 % required
  // One chart group (seed 0 has series; seed 1 has none), five chart slots.
  for (const char* kind : {"load", "total", "services", "p95", "cost"}) {
    EXPECT_NE(html->find(std::string("id=\"run0-") + kind + "\""), std::string::npos) << kind;
  }
  EXPECT_EQ(html->find("id=\"run1-"), std::string::npos);
  Json model = EmbeddedModel(*html);
  ASSERT_TRUE(model.is_object());
  const Json& run = model["scenarios"][0]["runs"][0];
  EXPECT_LE(run["t"].size(), 101u);
  EXPECT_GE(run["t"].size(), 50u);
  EXPECT_EQ(run["load"].size(), run["t"].size());
  ASSERT_EQ(run["policies"].size(), 2u);
  EXPECT_EQ(run["services"], Json({"frontend", "cart"}));
  EXPECT_EQ(run["policies"][1]["replicas"].size(), 2u);
  EXPECT_EQ(run["policies"][1]["replicas_total"].size(), run["t"].size());
  // The bound's trajectory (per second, 3600 rows) is coarsened too and keeps its own time axis.
  ASSERT_TRUE(run.contains("bound"));
  EXPECT_LE(run["bound"]["t"].size(), 101u);
  EXPECT_EQ(run["bound"]["cost_per_hour"].size(), run["bound"]["t"].size());
  EXPECT_EQ(run["bound"]["replicas"].size(), 2u);
}

TEST_F(ReportTest, MissingBoundSeriesIsAnError) {
  fs::remove(dir_ + "/runs/web/bound.csv");
  auto html = BuildReport(dir_, ReportOptions{});
  ASSERT_FALSE(html.ok());
  EXPECT_NE(html.status().message().find("runs/web/bound.csv"), std::string::npos) << html.status().message();
}

TEST_F(ReportTest, VerticalBoundColumnOnlyWhenComputed) {
  auto html = BuildReport(dir_, ReportOptions{});
  ASSERT_TRUE(html.ok());
  EXPECT_EQ(html->find("cost / vertical bound"), std::string::npos);
  sc_["results"][0]["cost_ratio_vertical"] = Stat(2.75, 2.5, 3);
  sc_["results"][1]["cost_ratio_vertical"] = nullptr;
  Write();
  html = BuildReport(dir_, ReportOptions{});
  ASSERT_TRUE(html.ok()) << html.status().message();
  EXPECT_NE(html->find("cost / vertical bound"), std::string::npos);
  EXPECT_NE(html->find("<td>2.750"), std::string::npos);
}

// Memory utilisation is shown when the scorecard has it; older scorecards (without the field) read
// as before, the cell saying n/a.
TEST_F(ReportTest, MemoryUtilizationShownWhenRecorded) {
  auto html = BuildReport(dir_, ReportOptions{});
  ASSERT_TRUE(html.ok()) << html.status().message();
  EXPECT_NE(html->find("memory utilization %"), std::string::npos);
  EXPECT_EQ(html->find("<td>61.5"), std::string::npos);
  sc_["results"][0]["memory_utilization"] = Stat(.615, .6, .63);
  Write();
  html = BuildReport(dir_, ReportOptions{});
  ASSERT_TRUE(html.ok()) << html.status().message();
  EXPECT_NE(html->find("<td>61.5 <span class=ci>&plusmn; 1.5</span></td>"), std::string::npos);
  sc_["results"][0]["memory_utilization"] = "high";
  Write();
  html = BuildReport(dir_, ReportOptions{});
  ASSERT_FALSE(html.ok());
  EXPECT_NE(html.status().message().find("results[0]"), std::string::npos) << html.status().message();
}

TEST_F(ReportTest, FallbackDecisionsAreWarnedAboutInTheOverviewAndTheScenario) {
  // Files written before fallbacks were counted have no such fields: no warning.
  auto html = BuildReport(dir_, ReportOptions{});
  ASSERT_TRUE(html.ok()) << html.status().message();
  EXPECT_EQ(html->find("decided by its fallback"), std::string::npos);
  for (auto& r : sc_["runs"]) {
    r["decisions"] = 240;
    r["fallback_decisions"] = 0;
    r["first_fallback"] = nullptr;
  }
  sc_["runs"][2]["fallback_decisions"] = 240;  // <static>, seed 0 (with series)
  sc_["runs"][2]["first_fallback"] = "model was trained at 15 s control intervals, this run decides every 30 s";
  sc_["runs"][3]["fallback_decisions"] = 10;   // seed 1 (without series) counts too
  Write();
  html = BuildReport(dir_, ReportOptions{});
  ASSERT_TRUE(html.ok()) << html.status().message();
  const std::string line =
      "warning: &lt;static&gt; decided by its fallback 250 of 480 times (model was trained at 15 s control "
      "intervals, this run decides every 30 s): those decisions are not the policy&#39;s";
  const size_t overview = html->find("<li>web: " + line + "</li>");
  const size_t section = html->find("<p class=\"warning bad\">" + line + "</p>");
  EXPECT_NE(overview, std::string::npos) << html->substr(0, 4000);
  EXPECT_NE(section, std::string::npos);
  EXPECT_LT(overview, html->find("<section"));
  EXPECT_GT(section, html->find("<section"));
  EXPECT_EQ(html->find("hpa:cpu=50 decided by its fallback"), std::string::npos);

  // A run without its decision count: the count of fallbacks alone.
  sc_["runs"][3].erase("decisions");
  Write();
  html = BuildReport(dir_, ReportOptions{});
  ASSERT_TRUE(html.ok()) << html.status().message();
  EXPECT_NE(html->find("decided by its fallback 250 times ("), std::string::npos);

  sc_["runs"][2]["fallback_decisions"] = "many";
  Write();
  html = BuildReport(dir_, ReportOptions{});
  ASSERT_FALSE(html.ok());
  EXPECT_EQ(html.status().message(), dir_ + "/scorecard.json: runs[2].fallback_decisions: has the wrong type (string)");
}

TEST_F(ReportTest, WritesAtomicallyToTheDefaultPath) {
  auto path = WriteReport(dir_, "", ReportOptions{});
  ASSERT_TRUE(path.ok()) << path.status().message();
  EXPECT_EQ(*path, dir_ + "/report.html");
  EXPECT_TRUE(fs::exists(*path));
}

TEST_F(ReportTest, ScriptClosingTagsInLabelsCannotEndTheDataBlock) {
  sc_["policies"][1]["label"] = "</script><b>x";
  sc_["results"][1]["policy"] = "</script><b>x";
  for (auto& r : sc_["runs"]) {
    if (r["policy"] == "<static>") r["policy"] = "</script><b>x";
  }
  Write();
  auto html = BuildReport(dir_, ReportOptions{});
  ASSERT_TRUE(html.ok()) << html.status().message();
  Json model = EmbeddedModel(*html);
  ASSERT_TRUE(model.is_object());
  EXPECT_EQ(model["policies"][1], "</script><b>x");
}

TEST_F(ReportTest, MissingScorecardNamesTheFile) {
  fs::remove(dir_ + "/scorecard.json");
  auto html = BuildReport(dir_, ReportOptions{});
  ASSERT_FALSE(html.ok());
  EXPECT_NE(html.status().message().find("scorecard.json"), std::string::npos) << html.status().message();
}

TEST_F(ReportTest, MalformedFieldIsNamed) {
  sc_["scenarios"][0]["slo_ms"] = "fast";
  Write();
  auto html = BuildReport(dir_, ReportOptions{});
  ASSERT_FALSE(html.ok());
  EXPECT_NE(html.status().message().find("scenarios[0].slo_ms"), std::string::npos) << html.status().message();
}

TEST_F(ReportTest, MissingSeriesFileIsNamedAndNothingIsWritten) {
  fs::remove(dir_ + "/runs/web/p1.csv");
  auto path = WriteReport(dir_, "", ReportOptions{});
  ASSERT_FALSE(path.ok());
  EXPECT_NE(path.status().message().find("runs/web/p1.csv"), std::string::npos) << path.status().message();
  EXPECT_FALSE(fs::exists(dir_ + "/report.html"));
}

TEST_F(ReportTest, RefusesTooFewPoints) {
  ReportOptions opt;
  opt.max_points = 3;
  EXPECT_FALSE(BuildReport(dir_, opt).ok());
}

TEST(ReportPageTest, EscapesHtml) {
  EXPECT_EQ(report_internal::HtmlEscape("<a href=\"x\">&'"), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;");
}

}  // namespace
}  // namespace podpilot
