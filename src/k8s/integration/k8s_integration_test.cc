// The Kubernetes client against a REAL control plane (etcd, kube-apiserver, kube-controller-manager,
// kube-scheduler, KWOK) started by scripts/testenv on 127.0.0.1.
//
// Environment: if PODPILOT_TESTENV_ENV names an env file of an environment that is already up
// (`scripts/testenv env` prints its contents; the file is <dir>/env), it is used and left running.
// Otherwise the suite runs `scripts/testenv up --dir <fresh tmp dir>` once and `down` at the end.
// Skips (GTEST_SKIP) only when the testenv binaries are not built (`scripts/testenv build`).
//
// Everything the suite creates lives in its own namespace (deleted at the end), plus a Lease in
// podpilot-system (deleted too) and the PodPilotAutoscaler CRD (kept: other tests may use it; it
// is cluster-scoped and harmless). One test compacts etcd to its current revision, as
// kube-apiserver itself does every 5 minutes.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <thread>

#include "k8s/integration/testenv_fixture.h"

namespace podpilot::k8s {
namespace {

using namespace ::podpilot::k8s::testing;  // NOLINT: the fixture and its helpers
using ::testing::HasSubstr;

TEST_F(K8sIntegrationTest, AdminCrudAndErrorMapping) {
  auto version = admin_->Get("/version");
  ASSERT_TRUE(version.ok()) << version.status().ToString();
  EXPECT_THAT(version->value("gitVersion", ""), HasSubstr("v1."));

  EnsureDeployment("web");
  auto dep = GetDeployment(*admin_, ns_, "web");
  ASSERT_TRUE(dep.ok()) << dep.status().ToString();
  EXPECT_EQ((*dep)["spec"]["replicas"], 1);
  auto list = ListDeployments(*admin_, ns_, "suite=k8s-it,app=web");
  ASSERT_TRUE(list.ok()) << list.status().ToString();
  ASSERT_EQ((*list)["items"].size(), 1u);
  EXPECT_EQ(ListDeployments(*admin_, ns_, "app=nothing")->at("items").size(), 0u);

  auto dup = admin_->Post(Deployments().Path(ns_), DeploymentObject("web", 1));
  EXPECT_EQ(dup.status().code(), StatusCode::kAlreadyExists) << dup.status().ToString();
  EXPECT_THAT(dup.status().message(), HasSubstr("AlreadyExists"));

  auto missing = GetDeployment(*admin_, ns_, "no-such");
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(missing.status().message(), HasSubstr("\"no-such\" not found"));
  EXPECT_THAT(missing.status().message(), HasSubstr(Env("PODPILOT_TESTENV_API_URL")));

  json bad = DeploymentObject("web", 1);
  bad["metadata"]["name"] = "Bad_Name";
  bad["spec"]["replicas"] = -3;
  auto invalid = admin_->Post(Deployments().Path(ns_), bad);
  EXPECT_EQ(invalid.status().code(), StatusCode::kInvalidArgument) << invalid.status().ToString();
  EXPECT_THAT(invalid.status().message(), HasSubstr("metadata.name"));
  EXPECT_THAT(invalid.status().message(), HasSubstr("spec.replicas"));

  // Each patch type, checked on the labels it set.
  auto p1 = admin_->Patch(Deployments().Path(ns_, "web"), PatchType::kMerge, {{"metadata", {{"labels", {{"merge", "1"}}}}}});
  ASSERT_TRUE(p1.ok()) << p1.status().ToString();
  auto p2 = admin_->Patch(Deployments().Path(ns_, "web"), PatchType::kStrategicMerge, {{"metadata", {{"labels", {{"smp", "1"}}}}}});
  ASSERT_TRUE(p2.ok()) << p2.status().ToString();
  auto p3 = admin_->Patch(Deployments().Path(ns_, "web"), PatchType::kJsonPatch,
                          json::array({{{"op", "add"}, {"path", "/metadata/labels/jsonpatch"}, {"value", "1"}}}));
  ASSERT_TRUE(p3.ok()) << p3.status().ToString();
  auto p4 = admin_->Patch(Deployments().Path(ns_, "web"), PatchType::kApply,
                          {{"apiVersion", "apps/v1"}, {"kind", "Deployment"},
                           {"metadata", {{"name", "web"}, {"labels", {{"applied", "1"}}}}}},
                          "k8s-it", /*force=*/true);
  ASSERT_TRUE(p4.ok()) << p4.status().ToString();
  const json labels = (*p4)["metadata"]["labels"];
  for (const char* key : {"merge", "smp", "jsonpatch", "applied"}) EXPECT_EQ(labels.value(key, ""), "1") << key;
  auto bad_patch = admin_->Patch(Deployments().Path(ns_, "web"), PatchType::kJsonPatch,
                                 json::array({{{"op", "test"}, {"path", "/metadata/name"}, {"value", "other"}}}));
  EXPECT_FALSE(bad_patch.ok());
}

TEST_F(K8sIntegrationTest, ScaleWithOptimisticConcurrency) {
  EnsureDeployment("scaled");
  auto scale = GetScale(*admin_, ns_, "scaled");
  ASSERT_TRUE(scale.ok()) << scale.status().ToString();
  EXPECT_EQ((*scale)["kind"], "Scale");
  const std::string stale_rv = (*scale)["metadata"]["resourceVersion"];

  // The deployment controller writes the object too (status, right after creation), so even a
  // fresh read can lose a race: the real pattern is read-modify-write inside RetryOnConflict.
  int attempts = 0;
  Status s = RetryOnConflict([&]() -> Status {
    ++attempts;
    PP_ASSIGN_OR_RETURN(json fresh, GetScale(*admin_, ns_, "scaled"));
    return UpdateScale(*admin_, ns_, "scaled", 2, fresh["metadata"]["resourceVersion"]).status();
  });
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(GetScale(*admin_, ns_, "scaled")->at("spec").at("replicas"), 2);

  // The version read first is stale now (our own write changed it): refused, not applied.
  auto conflict = UpdateScale(*admin_, ns_, "scaled", 5, stale_rv);
  ASSERT_FALSE(conflict.ok());
  EXPECT_TRUE(IsConflict(conflict.status())) << conflict.status().ToString();
  EXPECT_THAT(conflict.status().message(), HasSubstr("Conflict"));
  EXPECT_THAT(conflict.status().message(), HasSubstr("the object has been modified"));
  EXPECT_EQ(GetScale(*admin_, ns_, "scaled")->at("spec").at("replicas"), 2);

  // RetryOnConflict: the first attempt uses the stale version (as a reconciler racing another
  // writer would) and fails; a retry re-reads and succeeds.
  attempts = 0;
  s = RetryOnConflict([&]() -> Status {
    std::string rv = stale_rv;
    if (attempts++ > 0) {
      PP_ASSIGN_OR_RETURN(json fresh, GetScale(*admin_, ns_, "scaled"));
      rv = fresh["metadata"]["resourceVersion"];
    }
    return UpdateScale(*admin_, ns_, "scaled", 3, rv).status();
  });
  EXPECT_TRUE(s.ok()) << s.ToString();
  EXPECT_GE(attempts, 2);
  EXPECT_EQ(GetDeployment(*admin_, ns_, "scaled")->at("spec").at("replicas"), 3);

  // Pods: the controller manager creates them from the Deployment; list them by label.
  const auto deadline = Clock::now() + std::chrono::seconds(20);
  size_t pods = 0;
  while (Clock::now() < deadline) {
    auto list = ListPods(*admin_, ns_, "app=scaled");
    ASSERT_TRUE(list.ok()) << list.status().ToString();
    pods = (*list)["items"].size();
    if (pods == 3) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  EXPECT_EQ(pods, 3u);
}

TEST_F(K8sIntegrationTest, WatchSeesAddedModifiedDeletedInOrder) {
  EnsureDeployment("web");
  WatcherOptions opts;
  opts.min_watch_timeout = std::chrono::seconds(60);
  Watcher watcher(*admin_, Deployments(), ns_, opts);
  EventLog log;
  std::thread runner([&] { watcher.Run([&](const WatchEvent& e) { log.Add(e); }, [&](const Status& s) { log.AddError(s); }); });

  ASSERT_TRUE(log.WaitFor([](const auto& ev, const auto&) { return !ev.empty(); }));
  {
    const WatchEvent first = log.events().front();
    ASSERT_EQ(first.type, WatchEvent::Type::kRestarted);
    bool has_web = false;
    for (const auto& o : first.objects) {
      has_web |= NameOf(o) == "web";
      EXPECT_EQ(o.value("kind", ""), "Deployment");
    }
    EXPECT_TRUE(has_web);
  }
  ASSERT_TRUE(log.WaitFor([&](const auto&, const auto&) { return watcher.state() != Watcher::State::kEmpty; }));

  ASSERT_TRUE(admin_->Post(Deployments().Path(ns_), DeploymentObject("watched", 1)).ok());
  auto patched = admin_->Patch(Deployments().Path(ns_, "watched"), PatchType::kMerge, {{"metadata", {{"labels", {{"touched", "yes"}}}}}});
  ASSERT_TRUE(patched.ok()) << patched.status().ToString();
  ASSERT_TRUE(admin_->Delete(Deployments().Path(ns_, "watched")).ok());

  auto is_deleted = [](const WatchEvent& e) { return e.type == WatchEvent::Type::kDeleted && NameOf(e.object) == "watched"; };
  ASSERT_TRUE(log.WaitFor([&](const auto& ev, const auto&) { return std::any_of(ev.begin(), ev.end(), is_deleted); }))
      << "no DELETED event for the deployment";
  const auto stop_started = Clock::now();
  watcher.Stop();  // the watch stream is open and idle
  runner.join();
  std::printf("[watch] stopped an open watch in %.0f ms\n",
              std::chrono::duration<double, std::milli>(Clock::now() - stop_started).count());

  std::vector<std::string> types;
  bool saw_label = false;
  for (const auto& e : log.events()) {
    if (e.type == WatchEvent::Type::kRestarted || NameOf(e.object) != "watched") continue;
    types.push_back(e.watch_type);
    if (e.watch_type == "MODIFIED" && e.object["metadata"]["labels"].value("touched", "") == "yes") saw_label = true;
  }
  ASSERT_GE(types.size(), 3u);
  EXPECT_EQ(types.front(), "ADDED");
  EXPECT_EQ(types.back(), "DELETED");
  for (size_t i = 1; i + 1 < types.size(); ++i) EXPECT_EQ(types[i], "MODIFIED") << i;
  EXPECT_TRUE(saw_label);
  EXPECT_EQ(watcher.lists(), 1);  // no relist was needed
  EXPECT_TRUE(log.errors().empty()) << log.errors().front().ToString();
}

// A real 410: compact etcd to its current revision (what kube-apiserver itself does every 5 min,
// through etcd's HTTP gateway), then watch Events, which kube-apiserver serves from etcd rather
// than its watch cache (events have no watch cache by default), from resourceVersion 1. The
// apiserver answers with an ERROR event "410 Expired: too old"; the watcher must relist. (Other
// resources are served from the watch cache, which replays its initial state instead of a 410
// until its window has rolled over, so they cannot show this within a short test.)
TEST_F(K8sIntegrationTest, TooOldResourceVersionIsGoneAndRelists) {
  KubeConfig etcd_cfg;
  etcd_cfg.server = "http://127.0.0.1:" + Env("PODPILOT_TESTENV_ETCD_PORT");
  auto etcd = KubeClient::Create(etcd_cfg);
  ASSERT_TRUE(etcd.ok()) << etcd.status().ToString();
  auto head = etcd->Post("/v3/kv/range", {{"key", "AA=="}});  // key "\0": only the header matters
  ASSERT_TRUE(head.ok()) << head.status().ToString();
  const std::string revision = (*head)["header"]["revision"];
  auto compacted = etcd->Post("/v3/kv/compaction", {{"revision", revision}, {"physical", true}});
  ASSERT_TRUE(compacted.ok()) << compacted.status().ToString();

  EnsureDeployment("web");
  EventSpec spec;
  spec.involved_object = *GetDeployment(*admin_, ns_, "web");
  spec.reason = "BeforeRelist";
  ASSERT_TRUE(CreateEvent(*admin_, spec).ok());

  WatcherOptions opts;
  opts.initial_resource_version = "1";  // compacted away
  Watcher watcher(*admin_, Events(), ns_, opts);
  EventLog log;
  std::thread runner([&] { watcher.Run([&](const WatchEvent& e) { log.Add(e); }, [&](const Status& s) { log.AddError(s); }); });
  const bool restarted = log.WaitFor([](const auto& ev, const auto&) {
    return std::any_of(ev.begin(), ev.end(), [](const WatchEvent& e) { return e.type == WatchEvent::Type::kRestarted; });
  });
  watcher.Stop();
  runner.join();
  const auto errors = log.errors();
  ASSERT_FALSE(errors.empty()) << "the apiserver accepted a watch from a compacted resourceVersion (no 410)";
  EXPECT_TRUE(IsGone(errors.front())) << errors.front().ToString();
  EXPECT_THAT(errors.front().message(), HasSubstr("410"));
  std::printf("[410] %s\n", errors.front().ToString().c_str());
  ASSERT_TRUE(restarted);
  const auto events = log.events();
  // Nothing before the relist: a 410 must not be mistaken for data.
  EXPECT_EQ(events.front().type, WatchEvent::Type::kRestarted);
  bool has_event = false;
  for (const auto& o : events.front().objects) has_event |= o.value("reason", "") == "BeforeRelist";
  EXPECT_TRUE(has_event);
  EXPECT_EQ(watcher.lists(), 1);
  EXPECT_NE(watcher.resource_version(), "1");
}

TEST_F(K8sIntegrationTest, LeaseCreateUpdateConflictAsTheOperator) {
  const KubeClient op = Operator();
  const auto now = std::chrono::system_clock::now();
  json lease = {{"metadata", {{"name", LeaseName()}}},
                {"spec", {{"holderIdentity", "replica-a"}, {"leaseDurationSeconds", 15},
                          {"acquireTime", FormatMicroTime(now)}, {"renewTime", FormatMicroTime(now)}}}};
  auto created = CreateLease(op, "podpilot-system", lease);
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  EXPECT_EQ(CreateLease(op, "podpilot-system", lease).status().code(), StatusCode::kAlreadyExists);

  auto got = GetLease(op, "podpilot-system", LeaseName());
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  json renewed = *got;
  renewed["spec"]["renewTime"] = FormatMicroTime(std::chrono::system_clock::now());
  auto updated = UpdateLease(op, "podpilot-system", renewed);
  ASSERT_TRUE(updated.ok()) << updated.status().ToString();

  // Another replica holding the old copy tries to take over: refused.
  json takeover = *got;
  takeover["spec"]["holderIdentity"] = "replica-b";
  auto stolen = UpdateLease(op, "podpilot-system", takeover);
  EXPECT_TRUE(IsConflict(stolen.status())) << stolen.status().ToString();
  EXPECT_EQ(GetLease(op, "podpilot-system", LeaseName())->at("spec").at("holderIdentity"), "replica-a");
}

TEST_F(K8sIntegrationTest, EventCreate) {
  EnsureDeployment("web");
  auto dep = GetDeployment(*admin_, ns_, "web");
  ASSERT_TRUE(dep.ok());
  EventSpec spec;
  spec.involved_object = *dep;
  spec.reason = "ScaledUp";
  spec.message = "k8s-it: 1 -> 2 replicas (cpu 91% > 70%)";
  auto ev = CreateEvent(Operator(), spec);  // the operator's RBAC allows events create
  ASSERT_TRUE(ev.ok()) << ev.status().ToString();
  auto events = admin_->Get(Events().Path(ns_) + QueryString({{"fieldSelector", "involvedObject.name=web,reason=ScaledUp"}}));
  ASSERT_TRUE(events.ok()) << events.status().ToString();
  ASSERT_EQ((*events)["items"].size(), 1u);
  const json& e = (*events)["items"][0];
  EXPECT_EQ(e["message"], spec.message);
  EXPECT_EQ(e["type"], "Normal");
  EXPECT_EQ(e["count"], 1);
  EXPECT_EQ(e["involvedObject"]["kind"], "Deployment");
  EXPECT_EQ(e["involvedObject"]["uid"], (*dep)["metadata"]["uid"]);
}

TEST_F(K8sIntegrationTest, RestrictedIdentityGetsExactlyItsRbac) {
  EnsureDeployment("web");
  const KubeClient op = Operator();
  EXPECT_EQ(op.default_namespace(), "podpilot-system");
  // Allowed by deploy/rbac (the operator's shipped RBAC).
  EXPECT_TRUE(ListDeployments(op, ns_).ok());
  const Status rescaled = RetryOnConflict([&]() -> Status {
    PP_ASSIGN_OR_RETURN(json scale, GetScale(op, ns_, "web"));
    return UpdateScale(op, ns_, "web", 1, scale["metadata"]["resourceVersion"]).status();
  });
  EXPECT_TRUE(rescaled.ok()) << rescaled.ToString();
  EXPECT_TRUE(ListPods(op, ns_, "app=web").ok());
  // Not allowed.
  auto secrets = op.Get("/api/v1/namespaces/" + ns_ + "/secrets");
  EXPECT_TRUE(IsForbidden(secrets.status())) << secrets.status().ToString();
  EXPECT_THAT(secrets.status().message(), HasSubstr("system:serviceaccount:podpilot-system:podpilot-operator"));
  auto create = op.Post(Deployments().Path(ns_), DeploymentObject("by-operator", 1));
  EXPECT_TRUE(IsForbidden(create.status())) << create.status().ToString();
  auto del = op.Delete(Deployments().Path(ns_, "web"));
  EXPECT_TRUE(IsForbidden(del.status())) << del.status().ToString();
  // Leases only in its own namespace.
  auto lease = CreateLease(op, ns_, {{"metadata", {{"name", "x"}}}, {"spec", json::object()}});
  EXPECT_TRUE(IsForbidden(lease.status())) << lease.status().ToString();
}

TEST_F(K8sIntegrationTest, PodPilotAutoscalerGetListWatchAndStatus) {
  // The CRD (the operator's manifests are not in the repository yet): a minimal schema that
  // keeps unknown fields, with the status subresource the operator writes through.
  const json crd = {
      {"apiVersion", "apiextensions.k8s.io/v1"},
      {"kind", "CustomResourceDefinition"},
      {"metadata", {{"name", std::string("podpilotautoscalers.") + kAutoscalerGroup}}},
      {"spec",
       {{"group", kAutoscalerGroup},
        {"scope", "Namespaced"},
        {"names", {{"plural", "podpilotautoscalers"}, {"singular", "podpilotautoscaler"}, {"kind", kAutoscalerKind}, {"shortNames", {"ppa"}}}},
        {"versions", json::array({{{"name", kAutoscalerVersion}, {"served", true}, {"storage", true},
                                   {"subresources", {{"status", json::object()}}},
                                   {"schema", {{"openAPIV3Schema", {{"type", "object"}, {"x-kubernetes-preserve-unknown-fields", true}}}}}}})}}}};
  const std::string crd_path = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions";
  auto made = admin_->Post(crd_path, crd);
  ASSERT_TRUE(made.ok() || IsAlreadyExists(made.status())) << made.status().ToString();
  // Established within seconds; until then the new API answers 404.
  const auto deadline = Clock::now() + std::chrono::seconds(30);
  StatusOr<json> listed = NotFoundError("not yet");
  while (Clock::now() < deadline) {
    listed = ListAutoscalers(*admin_, ns_);
    if (listed.ok()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();

  const json ppa = {{"apiVersion", PodPilotAutoscalers().ApiVersion()},
                    {"kind", kAutoscalerKind},
                    {"metadata", {{"name", "web"}, {"namespace", ns_}}},
                    {"spec", {{"scaleTargetRef", {{"apiVersion", "apps/v1"}, {"kind", "Deployment"}, {"name", "web"}}},
                              {"minReplicas", 1}, {"maxReplicas", 10}, {"mode", "Shadow"}}}};
  auto created = admin_->Post(PodPilotAutoscalers().Path(ns_), ppa);
  ASSERT_TRUE(created.ok()) << created.status().ToString();

  const KubeClient op = Operator();
  Watcher watcher(op, PodPilotAutoscalers(), "");  // all namespaces, as the operator watches
  EventLog log;
  std::thread runner([&] { watcher.Run([&](const WatchEvent& e) { log.Add(e); }, [&](const Status& s) { log.AddError(s); }); });

  auto got = GetAutoscaler(op, ns_, "web");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ((*got)["spec"]["maxReplicas"], 10);
  ASSERT_EQ(ListAutoscalers(op, "")->at("items").size() >= 1, true);

  json with_status = *got;
  with_status["status"] = {{"currentReplicas", 1}, {"desiredReplicas", 2},
                           {"lastDecision", {{"reason", "cpu 91% > 70%"}}}};
  with_status["spec"]["maxReplicas"] = 99;  // ignored by /status: spec is not written there
  auto updated = UpdateAutoscalerStatus(op, with_status);
  ASSERT_TRUE(updated.ok()) << updated.status().ToString();
  auto after = GetAutoscaler(*admin_, ns_, "web");
  EXPECT_EQ((*after)["status"]["desiredReplicas"], 2);
  EXPECT_EQ((*after)["spec"]["maxReplicas"], 10);
  // A stale status write conflicts; writing the spec is not the operator's to do.
  EXPECT_TRUE(IsConflict(UpdateAutoscalerStatus(op, with_status).status()));
  EXPECT_TRUE(IsForbidden(op.Put(PodPilotAutoscalers().Path(ns_, "web"), *after).status()));
  // Replacing the status by a JSON patch needs no resourceVersion (the stale read above is fine);
  // the uid must be the object's, and the spec is still not written through /status.
  const std::string uid = (*got)["metadata"].value("uid", "");
  json new_status = {{"currentReplicas", 1}, {"desiredReplicas", 3}};
  auto replaced = ReplaceAutoscalerStatus(op, ns_, "web", uid, new_status);
  ASSERT_TRUE(replaced.ok()) << replaced.status().ToString();
  auto after_replace = GetAutoscaler(*admin_, ns_, "web");
  ASSERT_TRUE(after_replace.ok());
  EXPECT_EQ((*after_replace)["status"], new_status);  // lastDecision went: replaced whole
  EXPECT_EQ((*after_replace)["spec"]["maxReplicas"], 10);
  const Status wrong_uid =
      ReplaceAutoscalerStatus(op, ns_, "web", "00000000-0000-0000-0000-000000000000", {{"desiredReplicas", 9}}).status();
  EXPECT_EQ(wrong_uid.code(), StatusCode::kInvalidArgument) << wrong_uid.ToString();
  EXPECT_EQ(GetAutoscaler(*admin_, ns_, "web")->at("status").value("desiredReplicas", 0), 3) << wrong_uid.ToString();
  EXPECT_EQ(ReplaceAutoscalerStatus(op, ns_, "web", "", new_status).status().code(), StatusCode::kInvalidArgument);

  const bool saw = log.WaitFor([&](const auto& ev, const auto&) {
    for (const auto& e : ev) {
      if (e.type == WatchEvent::Type::kApplied && NameOf(e.object) == "web" && e.object.contains("status") &&
          e.object["status"].value("desiredReplicas", 0) == 2) {
        return true;
      }
    }
    return false;
  });
  watcher.Stop();
  runner.join();
  EXPECT_TRUE(saw) << "the watch did not deliver the status update";
  const auto events = log.events();
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.front().type, WatchEvent::Type::kRestarted);
}

TEST_F(K8sIntegrationTest, InlineCredentialsAreSentAsBlobs) {
  const std::string pki = fs::path(Env("PODPILOT_TESTENV_CA_FILE")).parent_path().string();
  KubeConfig cfg;
  cfg.server = Env("PODPILOT_TESTENV_API_URL");
  cfg.ca_data = ReadAll(pki + "/ca.crt");
  cfg.client_cert_data = ReadAll(pki + "/admin.crt");
  cfg.client_key_data = ReadAll(pki + "/admin.key");
  auto client = KubeClient::Create(cfg);
  ASSERT_TRUE(client.ok());
  auto ns = client->Get(Namespaces().Path("", ns_));
  ASSERT_TRUE(ns.ok()) << ns.status().ToString();

  // The same through a kubeconfig with *-data fields.
  auto b64 = [](const std::string& s) {
    static const char* t = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    for (size_t i = 0; i < s.size(); i += 3) {
      const unsigned n = (static_cast<unsigned char>(s[i]) << 16) |
                         (i + 1 < s.size() ? static_cast<unsigned char>(s[i + 1]) << 8 : 0) |
                         (i + 2 < s.size() ? static_cast<unsigned char>(s[i + 2]) : 0);
      out += t[(n >> 18) & 63];
      out += t[(n >> 12) & 63];
      out += i + 1 < s.size() ? t[(n >> 6) & 63] : '=';
      out += i + 2 < s.size() ? t[n & 63] : '=';
    }
    return out;
  };
  const std::string path = tmp_root_.empty() ? "/tmp/k8s-it-inline-" + std::to_string(::getpid()) : tmp_root_ + "/inline.kubeconfig";
  std::ofstream(path) << "clusters:\n- name: c\n  cluster:\n    server: " << cfg.server
                      << "\n    certificate-authority-data: " << b64(cfg.ca_data)
                      << "\nusers:\n- name: u\n  user:\n    client-certificate-data: " << b64(cfg.client_cert_data)
                      << "\n    client-key-data: " << b64(cfg.client_key_data)
                      << "\ncontexts:\n- name: x\n  context:\n    cluster: c\n    user: u\ncurrent-context: x\n";
  auto loaded = LoadKubeconfig(path);
  fs::remove(path);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_TRUE(loaded->ca_file.empty());
  auto c2 = KubeClient::Create(*loaded);
  ASSERT_TRUE(c2.ok());
  EXPECT_TRUE(c2->Get(Namespaces().Path("", ns_)).ok());
  // Without the client certificate the admin identity is gone: anonymous is forbidden.
  cfg.client_cert_data.clear();
  cfg.client_key_data.clear();
  auto anon = KubeClient::Create(cfg)->Get(Namespaces().Path("", ns_));
  EXPECT_TRUE(IsForbidden(anon.status())) << anon.status().ToString();
}

TEST_F(K8sIntegrationTest, WrongCaIsAClearTlsError) {
  // A CA that did not sign the apiserver's certificate.
  std::string dir = fs::temp_directory_path() / "k8s-it-ca.XXXXXX";
  ASSERT_NE(::mkdtemp(dir.data()), nullptr);
  const std::string cmd = "timeout 30 openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 "
                          "-subj /CN=other-ca -keyout '" + dir + "/k' -out '" + dir + "/ca.crt' >/dev/null 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  KubeConfig cfg;
  cfg.server = Env("PODPILOT_TESTENV_API_URL");
  cfg.ca_file = dir + "/ca.crt";
  auto r = KubeClient::Create(cfg)->Get("/version");
  fs::remove_all(dir);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition) << r.status().ToString();
  EXPECT_THAT(r.status().message(), HasSubstr("TLS verification failed"));
  EXPECT_THAT(r.status().message(), HasSubstr(cfg.server + "/version"));
}

TEST_F(K8sIntegrationTest, UnreachableServerIsUnavailableNamingTheUrl) {
  KubeConfig cfg;
  cfg.server = "https://127.0.0.1:1";  // privileged port, nothing listens on it here
  auto r = KubeClient::Create(cfg)->Get("/version");
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable) << r.status().ToString();
  EXPECT_THAT(r.status().message(), HasSubstr("https://127.0.0.1:1/version"));
}

}  // namespace
}  // namespace podpilot::k8s
