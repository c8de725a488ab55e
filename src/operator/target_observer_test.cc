#include "operator/target_observer.h"

#include <gtest/gtest.h>

#include "operator/cluster_cache.h"

namespace podpilot::op {
namespace {

using nlohmann::json;

// A pod as the API server returns it after the kubelet restarted its container for an OOM kill
// (trimmed to the status fields that matter; the shape is Kubernetes' PodStatus).
json OomKilledPod(const std::string& finished_at) {
  return json::parse(R"({
    "metadata": {"name": "web-7d4b9c-x2k", "namespace": "shop", "uid": "0b3c-41aa", "labels": {"app": "web"}},
    "spec": {"nodeName": "node-1"},
    "status": {
      "phase": "Running",
      "startTime": "2026-12-07T10:00:00Z",
      "conditions": [{"type": "Ready", "status": "True", "lastTransitionTime": "2026-12-07T10:05:20Z"},
                     {"type": "PodScheduled", "status": "True", "lastTransitionTime": "2026-12-07T10:00:00Z"}],
      "initContainerStatuses": [{"name": "init", "restartCount": 0,
        "lastState": {},
        "state": {"terminated": {"reason": "Completed", "exitCode": 0, "finishedAt": "2026-12-07T10:00:02Z"}}}],
      "containerStatuses": [
        {"name": "web", "restartCount": 3, "ready": true,
         "lastState": {"terminated": {"exitCode": 137, "reason": "OOMKilled", "containerID": "containerd://9f1e",
                                      "startedAt": "2026-12-07T10:01:00Z", "finishedAt": ")" + finished_at + R"("}},
         "state": {"running": {"startedAt": "2026-12-07T10:05:05Z"}}},
        {"name": "sidecar", "restartCount": 1, "ready": true,
         "lastState": {"terminated": {"exitCode": 1, "reason": "Error", "finishedAt": "2026-12-07T10:05:00Z"}},
         "state": {"running": {"startedAt": "2026-12-07T10:05:01Z"}}}]}
  })");
}

TEST(CountOomKillsTest, CountsOomTerminationsInsideTheInterval) {
  const double finished = *ParseRfc3339("2026-12-07T10:05:00Z");
  const json pod = OomKilledPod("2026-12-07T10:05:00Z");
  EXPECT_EQ(CountOomKills(pod, finished - 15, finished), 1);       // (since, until]
  EXPECT_EQ(CountOomKills(pod, finished - 1, finished + 14), 1);
  EXPECT_EQ(CountOomKills(pod, finished, finished + 15), 0);       // at `since`: the interval before
  EXPECT_EQ(CountOomKills(pod, finished - 30, finished - 15), 0);  // not yet happened
  // Other terminations (Error, Completed) are not OOM kills; a pod without statuses has none.
  EXPECT_EQ(CountOomKills(json::parse(R"({"status": {"phase": "Pending"}})"), 0, 1e12), 0);
  json init_oom = OomKilledPod("2026-12-07T09:00:00Z");
  init_oom["status"]["initContainerStatuses"][0]["lastState"] =
      json::parse(R"({"terminated": {"reason": "OOMKilled", "finishedAt": "2026-12-07T10:04:59Z"}})");
  EXPECT_EQ(CountOomKills(init_oom, finished - 15, finished), 1);  // the init container's, not web's
}

// With a ledger each kill counts once, in the first observation that sees it, however late its
// status arrives and however the observations are spaced; a kill in the current state (before the
// restart) counts too, and is not counted again when it becomes the last state.
TEST(CountOomKillsTest, LedgerCountsEachKillOnce) {
  const double finished = *ParseRfc3339("2026-12-07T10:05:00Z");
  OomKillLedger ledger;
  // First observation: a kill two minutes old predates the operator's view: recorded, not counted.
  json old_kill = OomKilledPod("2026-12-07T10:03:00Z");
  EXPECT_EQ(CountNewOomKills(old_kill, finished, 15, &ledger), 0);
  ledger.primed = true;
  EXPECT_EQ(CountNewOomKills(old_kill, finished + 15, 15, &ledger), 0);
  // A new kill first seen 40 s after it happened (a late status, a slow reconcile): counted once.
  const json pod = OomKilledPod("2026-12-07T10:05:00Z");
  EXPECT_EQ(CountNewOomKills(pod, finished + 40, 15, &ledger), 1);
  EXPECT_EQ(CountNewOomKills(pod, finished + 41, 15, &ledger), 0);  // an extra reconcile
  // Current state before the restart, then the same termination as the last state.
  json dying = OomKilledPod("2026-12-07T09:00:00Z");
  dying["status"]["containerStatuses"][1]["state"] =
      json::parse(R"({"terminated": {"reason": "OOMKilled", "finishedAt": "2026-12-07T10:06:00Z"}})");
  EXPECT_EQ(CountOomKills(dying, finished, finished + 60), 1);
  EXPECT_EQ(CountNewOomKills(dying, finished + 61, 15, &ledger), 1);
  dying["status"]["containerStatuses"][1]["lastState"] = dying["status"]["containerStatuses"][1]["state"];
  dying["status"]["containerStatuses"][1]["state"] = json::parse(R"({"running": {}})");
  EXPECT_EQ(CountNewOomKills(dying, finished + 76, 15, &ledger), 0);
  // Pruned after an hour.
  PruneOomKillLedger(finished + kOomLookbackS + 1, &ledger);
  EXPECT_EQ(ledger.seen.size(), 1u);  // only the 10:06 kill is younger than an hour then
}

// A pod recreated under its old name (a StatefulSet's) whose container was killed in the same
// second is another kill; so is a second termination of one container with another container ID.
TEST(CountOomKillsTest, LedgerTellsPodsByUidAndKillsByContainerId) {
  const double finished = *ParseRfc3339("2026-12-07T10:05:00Z");
  OomKillLedger ledger;
  ledger.primed = true;
  json pod = OomKilledPod("2026-12-07T10:05:00Z");
  EXPECT_EQ(CountNewOomKills(pod, finished + 5, 15, &ledger), 1);
  EXPECT_EQ(CountNewOomKills(pod, finished + 20, 15, &ledger), 0);  // the same kill again
  json recreated = pod;
  recreated["metadata"]["uid"] = "77d2-90fe";
  EXPECT_EQ(CountNewOomKills(recreated, finished + 20, 15, &ledger), 1);
  json again = pod;
  again["status"]["containerStatuses"][0]["lastState"]["terminated"]["containerID"] = "containerd://a03b";
  EXPECT_EQ(CountNewOomKills(again, finished + 20, 15, &ledger), 1);
}

TEST(TypicalStartupSecondsTest, MedianOfReadyPodsStartToReady) {
  Observation o;
  o.targets.resize(2);
  auto pod = [](double start, double ready_at, bool ready) {
    PodSample p;
    p.phase = PodSample::Phase::kRunning;
    p.ready = ready;
    p.start_time_s = start;
    p.ready_transition_s = ready_at;
    return p;
  };
  EXPECT_EQ(TypicalStartupSeconds(o, 30), 30);  // no pods
  // A fast target with many pods (median 25 s; the not-ready one does not count) and a slow one.
  o.targets[0].pods = {pod(1000, 1020, true), pod(1000, 1025, true), pod(1000, 1030, true), pod(1000, 1002, false)};
  o.targets[1].pods = {pod(1000, 1045, true), pod(-1, 1010, true),  // never started: no start time
                       pod(1000, 5000, true)};                       // Ready again after a flap, not a start-up
  EXPECT_EQ(TypicalStartupSeconds(o, 30), 45);  // the slowest target's
  PodSample going = pod(1000, 1001, true);
  going.deleting = true;
  o.targets[1].pods = {going};
  o.targets[0].pods.clear();
  EXPECT_EQ(TypicalStartupSeconds(o, 12), 12);
}

// The cluster cache trims pods to what the observer reads: the OOM kills must survive it.
TEST(CountOomKillsTest, SurvivesTheClusterCacheTrim) {
  const double finished = *ParseRfc3339("2026-12-07T10:05:00Z");
  const json pod = OomKilledPod("2026-12-07T10:05:00Z");
  const json trimmed = TrimPod(pod);
  EXPECT_EQ(CountOomKills(trimmed, finished - 15, finished), 1);
  EXPECT_EQ(trimmed["status"]["containerStatuses"].size(), 1u) << trimmed.dump();  // the Error one dropped
  EXPECT_EQ(trimmed["status"]["containerStatuses"][0]["name"], "web");
  OomKillLedger from_trimmed, from_full;  // the same kill, under the same key
  EXPECT_EQ(CountNewOomKills(trimmed, finished, 15, &from_trimmed), 1);
  EXPECT_EQ(CountNewOomKills(pod, finished, 15, &from_full), 1);
  EXPECT_EQ(from_trimmed.seen, from_full.seen);
  EXPECT_FALSE(trimmed["status"].contains("initContainerStatuses")) << trimmed.dump();
  EXPECT_EQ(trimmed["status"]["conditions"].size(), 1u);  // Ready only
  EXPECT_EQ(trimmed["spec"]["nodeName"], "node-1");
}

}  // namespace
}  // namespace podpilot::op
