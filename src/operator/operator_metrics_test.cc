#include "operator/operator_metrics.h"

#include <gtest/gtest.h>

namespace podpilot::op {
namespace {

TEST(OperatorMetricsTest, ExposesTheDocumentedSeriesAndForgets) {
  OperatorMetrics m;
  m.ReconcileDone(true, 0.004);
  m.ReconcileDone(false, 0.2);
  m.SetReplicas("shop", "web", "frontend", 2, 4);
  m.SetProposal("shop", "web", "frontend", "hpa", 4);
  m.ScaleAction("shop", "web", "frontend", true);
  m.Fallback("shop", "web", "ModelUnavailable");
  m.Clamp("shop", "web", "max");
  m.OomKills("shop", "web", "frontend", 2);
  m.OomKills("shop", "web", "frontend", 1);
  m.OomKills("shop", "web", "cart", 0);  // the series exists at 0
  m.SetLeader(true);
  std::string text = m.Serialize();
  for (const char* want : {"podpilot_reconcile_total{result=\"ok\"} 1", "podpilot_reconcile_total{result=\"error\"} 1",
                           "podpilot_reconcile_duration_seconds_count 2",
                           "podpilot_desired_replicas{autoscaler=\"web\",namespace=\"shop\",target=\"frontend\"} 4",
                           "podpilot_scale_actions_total{autoscaler=\"web\",direction=\"up\",namespace=\"shop\",target=\"frontend\"} 1",
                           "podpilot_oom_kills_total{autoscaler=\"web\",namespace=\"shop\",target=\"frontend\"} 3",
                           "podpilot_oom_kills_total{autoscaler=\"web\",namespace=\"shop\",target=\"cart\"} 0",
                           "podpilot_is_leader 1", "process_resident_memory_bytes", "process_cpu_seconds_total"}) {
    EXPECT_NE(text.find(want), std::string::npos) << want << "\n" << text;
  }
  m.Forget("shop", "web");
  text = m.Serialize();
  EXPECT_EQ(text.find("autoscaler=\"web\""), std::string::npos) << text;
  EXPECT_GT(ProcessResidentBytes(), 1e6);
}

TEST(OperatorMetricsTest, RetainProposalsDropsOnlyThatPolicysOtherTargets) {
  OperatorMetrics m;
  m.SetProposal("shop", "web", "frontend", "live-hpa", 4);
  m.SetProposal("shop", "web", "cart", "live-hpa", 2);
  m.SetProposal("shop", "web", "cart", "hpa", 3);
  m.SetProposal("shop", "other", "cart", "live-hpa", 5);
  m.RetainProposals("shop", "web", "live-hpa", {"frontend"});
  std::string text = m.Serialize();
  const auto has = [&](const std::string& labels) {
    return text.find("podpilot_proposal_replicas{" + labels + "}") != std::string::npos;
  };
  EXPECT_TRUE(has("autoscaler=\"web\",namespace=\"shop\",policy=\"live-hpa\",target=\"frontend\"")) << text;
  EXPECT_FALSE(has("autoscaler=\"web\",namespace=\"shop\",policy=\"live-hpa\",target=\"cart\"")) << text;
  EXPECT_TRUE(has("autoscaler=\"web\",namespace=\"shop\",policy=\"hpa\",target=\"cart\"")) << text;
  EXPECT_TRUE(has("autoscaler=\"other\",namespace=\"shop\",policy=\"live-hpa\",target=\"cart\"")) << text;
  m.RetainProposals("shop", "web", "live-hpa", {});
  text = m.Serialize();
  EXPECT_FALSE(has("autoscaler=\"web\",namespace=\"shop\",policy=\"live-hpa\",target=\"frontend\"")) << text;
}

TEST(OperatorMetricsTest, GaugesFollowTheSpecAndGoWhenItIsInvalidCountersStay) {
  OperatorMetrics m;
  for (const char* target : {"frontend", "cart"}) {
    m.SetReplicas("shop", "web", target, 2, 3);
    m.SetProposal("shop", "web", target, "hpa", 3);
    m.SetProposal("shop", "web", target, "learned", 2);
    m.SetProposal("shop", "web", target, "live-hpa", 4);
  }
  m.SetReplicas("shop", "other", "cart", 1, 1);
  m.ScaleAction("shop", "web", "cart", /*up=*/true);
  std::string text;
  const auto has = [&](const std::string& series) { return text.find(series) != std::string::npos; };
  const auto proposal = [](const std::string& policy, const std::string& target) {
    return "podpilot_proposal_replicas{autoscaler=\"web\",namespace=\"shop\",policy=\"" + policy + "\",target=\"" +
           target + "\"}";
  };
  // An edit removed the cart target and switched the policy from learned to predictive (whose
  // proposals come with this reconcile).
  m.RetainGauges("shop", "web", {"frontend"}, {"hpa", "live-hpa", "predictive"});
  text = m.Serialize();
  EXPECT_TRUE(has("podpilot_current_replicas{autoscaler=\"web\",namespace=\"shop\",target=\"frontend\"} 2")) << text;
  EXPECT_TRUE(has("podpilot_desired_replicas{autoscaler=\"web\",namespace=\"shop\",target=\"frontend\"} 3")) << text;
  EXPECT_FALSE(has("podpilot_current_replicas{autoscaler=\"web\",namespace=\"shop\",target=\"cart\"}")) << text;
  EXPECT_FALSE(has("podpilot_desired_replicas{autoscaler=\"web\",namespace=\"shop\",target=\"cart\"}")) << text;
  EXPECT_TRUE(has(proposal("hpa", "frontend"))) << text;
  EXPECT_TRUE(has(proposal("live-hpa", "frontend"))) << text;
  EXPECT_FALSE(has(proposal("learned", "frontend"))) << text;
  for (const char* policy : {"hpa", "learned", "live-hpa"}) EXPECT_FALSE(has(proposal(policy, "cart"))) << policy;
  EXPECT_TRUE(has("podpilot_current_replicas{autoscaler=\"other\",namespace=\"shop\",target=\"cart\"} 1")) << text;
  // The spec became invalid: no gauge of it is left, its counters are.
  m.ForgetGauges("shop", "web");
  text = m.Serialize();
  EXPECT_FALSE(has("autoscaler=\"web\",namespace=\"shop\",target=\"frontend\"}")) << text;
  EXPECT_FALSE(has("podpilot_proposal_replicas{autoscaler=\"web\"")) << text;
  EXPECT_TRUE(has("podpilot_scale_actions_total{autoscaler=\"web\",direction=\"up\",namespace=\"shop\",target=\"cart\"} 1"))
      << text;
  EXPECT_TRUE(has("podpilot_current_replicas{autoscaler=\"other\",namespace=\"shop\",target=\"cart\"} 1")) << text;
}

TEST(OperatorMetricsTest, CountsWatchListsErrorsAndWriteConflicts) {
  OperatorMetrics m;
  m.WatchListed("pods");
  m.WatchListed("pods");
  m.WatchError("pods", /*gone=*/true);
  m.WatchError("deployments", /*gone=*/false);
  m.WriteConflict("scale");
  m.WriteConflict("scale");
  m.WriteConflict("status");
  const std::string text = m.Serialize();
  for (const char* want : {"podpilot_watch_lists_total{resource=\"pods\"} 2",
                           "podpilot_watch_errors_total{reason=\"gone\",resource=\"pods\"} 1",
                           "podpilot_watch_errors_total{reason=\"other\",resource=\"deployments\"} 1",
                           "podpilot_write_conflicts_total{subresource=\"scale\"} 2",
                           "podpilot_write_conflicts_total{subresource=\"status\"} 1"}) {
    EXPECT_NE(text.find(want), std::string::npos) << want << "\n" << text;
  }
}

// Dashboards query counters that may have no event yet (no conflict so far): their known series
// start at 0, so rate() works from the first scrape and a scrape shows that they exist.
TEST(OperatorMetricsTest, KnownSeriesStartAtZero) {
  const std::string text = OperatorMetrics().Serialize();
  for (const char* series : {"podpilot_watch_errors_total{reason=\"gone\",resource=\"podpilotautoscalers\"} 0",
                             "podpilot_watch_errors_total{reason=\"other\",resource=\"pods\"} 0",
                             "podpilot_watch_lists_total{resource=\"deployments\"} 0",
                             "podpilot_write_conflicts_total{subresource=\"scale\"} 0",
                             "podpilot_write_conflicts_total{subresource=\"status\"} 0",
                             "podpilot_source_errors_total{source=\"metrics-api\"} 0"}) {
    EXPECT_NE(text.find(series), std::string::npos) << series << "\n" << text;
  }
}

}  // namespace
}  // namespace podpilot::op
