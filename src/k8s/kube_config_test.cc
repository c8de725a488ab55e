// Kubeconfig parsing (every supported variant and the errors), in-cluster config from a fake
// service-account directory, and bearer-token rotation. Files are real, in a temporary directory.
#include "k8s/kube_config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace podpilot::k8s {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "k8s_config_test.XXXXXX").string();
    path_ = ::mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }
  std::string Write(const std::string& name, const std::string& text) const {
    const std::string p = path_ + "/" + name;
    std::ofstream(p) << text;
    return p;
  }

 private:
  std::string path_;
};

// base64 of "-----BEGIN CERTIFICATE-----\n" (the tests below also use "aGVsbG8=" = "hello").
constexpr const char* kCertB64 = "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCg==";

std::string Kubeconfig(const std::string& cluster_extra, const std::string& user_extra, const std::string& ctx_extra = "") {
  return "apiVersion: v1\nkind: Config\n"
         "clusters:\n- name: c1\n  cluster:\n    server: https://127.0.0.1:6443/\n" + cluster_extra +
         "- name: other\n  cluster:\n    server: https://10.9.9.9\n"
         "users:\n- name: u1\n  user:\n" + user_extra +
         "contexts:\n- name: ctx1\n  context:\n    cluster: c1\n    user: u1\n" + ctx_extra +
         "- name: ctx2\n  context:\n    cluster: other\n    user: u1\n"
         "current-context: ctx1\n";
}

TEST(KubeconfigTest, FilesRelativeToTheKubeconfigAndCurrentContext) {
  TempDir dir;
  dir.Write("ca.crt", "CA");
  dir.Write("admin.crt", "CERT");
  dir.Write("admin.key", "KEY");
  const auto path = dir.Write("config", Kubeconfig("    certificate-authority: ca.crt\n",
                                                   "    client-certificate: admin.crt\n    client-key: " + dir.path() + "/admin.key\n",
                                                   "    namespace: shop\n"));
  auto cfg = LoadKubeconfig(path);
  ASSERT_TRUE(cfg.ok()) << cfg.status().ToString();
  EXPECT_EQ(cfg->server, "https://127.0.0.1:6443");  // trailing '/' dropped
  EXPECT_EQ(cfg->ca_file, dir.path() + "/ca.crt");
  EXPECT_EQ(cfg->client_cert_file, dir.path() + "/admin.crt");
  EXPECT_EQ(cfg->client_key_file, dir.path() + "/admin.key");
  EXPECT_EQ(cfg->default_namespace, "shop");
  EXPECT_FALSE(cfg->insecure_skip_tls_verify);
  EXPECT_THAT(cfg->origin, HasSubstr("ctx1"));

  auto other = LoadKubeconfig(path, "ctx2");
  ASSERT_TRUE(other.ok()) << other.status().ToString();
  EXPECT_EQ(other->server, "https://10.9.9.9");
  EXPECT_EQ(other->default_namespace, "default");
}

TEST(KubeconfigTest, InlineDataIsDecoded) {
  TempDir dir;
  const auto path = dir.Write("config", Kubeconfig(std::string("    certificate-authority-data: ") + kCertB64 + "\n",
                                                   "    client-certificate-data: aGVsbG8=\n    client-key-data: |\n      a2V5\n      Ymxv\n      Yg==\n"));
  auto cfg = LoadKubeconfig(path);
  ASSERT_TRUE(cfg.ok()) << cfg.status().ToString();
  EXPECT_EQ(cfg->ca_data, "-----BEGIN CERTIFICATE-----\n");
  EXPECT_EQ(cfg->client_cert_data, "hello");
  EXPECT_EQ(cfg->client_key_data, "keyblob");  // wrapped lines joined
  EXPECT_TRUE(cfg->ca_file.empty());
}

TEST(KubeconfigTest, TokenTokenFileAndInsecure) {
  TempDir dir;
  auto cfg = LoadKubeconfig(dir.Write("a", Kubeconfig("    insecure-skip-tls-verify: true\n", "    token: abc.def\n")));
  ASSERT_TRUE(cfg.ok()) << cfg.status().ToString();
  EXPECT_TRUE(cfg->insecure_skip_tls_verify);
  EXPECT_EQ(cfg->token, "abc.def");
  EXPECT_EQ(cfg->token_source, nullptr);

  dir.Write("tok", "  file-token\n");
  auto from_file = LoadKubeconfig(dir.Write("b", Kubeconfig("", "    tokenFile: tok\n")));
  ASSERT_TRUE(from_file.ok()) << from_file.status().ToString();
  ASSERT_NE(from_file->token_source, nullptr);
  auto token = from_file->token_source->Token();
  ASSERT_TRUE(token.ok()) << token.status().ToString();
  EXPECT_EQ(*token, "file-token");
}

struct BadCase {
  const char* name;
  std::string cluster_extra;
  std::string user_extra;
  StatusCode code;
  std::string expected;  // substring of the message (after the file name)
};

TEST(KubeconfigTest, ErrorsNameTheFileAndTheField) {
  const std::vector<BadCase> cases = {
      {"bad base64", "", "    client-certificate-data: 'not*base64'\n    client-key-data: a2V5\n", StatusCode::kInvalidArgument,
       "users[0].user.client-certificate-data: not base64"},
      {"ca file and data", "    certificate-authority: ca.crt\n    certificate-authority-data: aGVsbG8=\n", "    token: t\n",
       StatusCode::kInvalidArgument, "clusters[0].cluster.certificate-authority: both"},
      {"missing ca file", "    certificate-authority: nope.crt\n", "    token: t\n", StatusCode::kNotFound,
       "clusters[0].cluster.certificate-authority: \""},
      {"cert without key", "", "    client-certificate-data: aGVsbG8=\n", StatusCode::kInvalidArgument,
       "users[0].user.client-key: missing"},
      {"exec plugin", "", "    exec:\n      command: aws\n", StatusCode::kInvalidArgument, "users[0].user.exec: not supported"},
      {"insecure not bool", "    insecure-skip-tls-verify: maybe\n", "    token: t\n", StatusCode::kInvalidArgument,
       "clusters[0].cluster.insecure-skip-tls-verify: must be true or false"},
      {"insecure with ca", "    insecure-skip-tls-verify: true\n    certificate-authority-data: aGVsbG8=\n", "    token: t\n",
       StatusCode::kInvalidArgument, "clusters[0].cluster.insecure-skip-tls-verify: cannot be combined"},
      {"token and tokenFile", "", "    token: t\n    tokenFile: f\n", StatusCode::kInvalidArgument,
       "users[0].user.tokenFile: both token and tokenFile"},
      {"token not a string", "", "    token: [1, 2]\n", StatusCode::kInvalidArgument, "users[0].user.token: must be a string"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    TempDir dir;
    const auto path = dir.Write("config", Kubeconfig(c.cluster_extra, c.user_extra));
    auto cfg = LoadKubeconfig(path);
    ASSERT_FALSE(cfg.ok());
    EXPECT_EQ(cfg.status().code(), c.code) << cfg.status().ToString();
    EXPECT_THAT(cfg.status().message(), HasSubstr(path + ": " + c.expected));
  }
}

TEST(KubeconfigTest, StructuralErrors) {
  TempDir dir;
  auto missing = LoadKubeconfig(dir.path() + "/none");
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);

  auto not_yaml = LoadKubeconfig(dir.Write("a", "clusters: [\n"));
  EXPECT_EQ(not_yaml.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(not_yaml.status().message(), HasSubstr("line"));

  auto no_ctx = LoadKubeconfig(dir.Write("b", Kubeconfig("", "    token: t\n")), "nope");
  EXPECT_EQ(no_ctx.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(no_ctx.status().message(), HasSubstr("contexts: no entry named \"nope\""));

  auto bad_server = LoadKubeconfig(dir.Write("c",
      "clusters:\n- name: c\n  cluster:\n    server: ftp://x\nusers: []\ncontexts:\n- name: x\n  context:\n    cluster: c\ncurrent-context: x\n"));
  EXPECT_EQ(bad_server.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(bad_server.status().message(), HasSubstr("clusters[0].cluster.server: \"ftp://x\" is not an http(s):// URL"));

  auto clusters_not_list = LoadKubeconfig(dir.Write("d", "clusters: {a: 1}\ncontexts:\n- name: x\n  context:\n    cluster: a\ncurrent-context: x\n"));
  EXPECT_THAT(clusters_not_list.status().message(), HasSubstr("clusters: must be a list"));

  auto no_current = LoadKubeconfig(dir.Write("e", "clusters: []\n"));
  EXPECT_THAT(no_current.status().message(), HasSubstr("current-context: not set"));
}

TEST(Base64Test, DecodesAndRejects) {
  EXPECT_EQ(*DecodeBase64("aGVsbG8="), "hello");
  EXPECT_EQ(*DecodeBase64("aGVs\nbG8h"), "hello!");
  EXPECT_EQ(*DecodeBase64(""), "");
  EXPECT_FALSE(DecodeBase64("aGVsbG8").ok());   // length not a multiple of 4
  EXPECT_FALSE(DecodeBase64("aGV$bG8=").ok());  // bad character
  EXPECT_FALSE(DecodeBase64("aG=sbG8=").ok());  // data after padding
}

// Sets environment variables for one test and restores them.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value) ::setenv(name, value, 1);
    else ::unsetenv(name);
  }
  ~ScopedEnv() {
    if (old_) ::setenv(name_, old_->c_str(), 1);
    else ::unsetenv(name_);
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

TEST(InClusterConfigTest, ReadsTheServiceAccountMount) {
  TempDir root;
  root.Write("token", "tok-1\n");
  root.Write("ca.crt", "CA");
  root.Write("namespace", "podpilot-system");
  ScopedEnv host("KUBERNETES_SERVICE_HOST", "10.96.0.1");
  ScopedEnv port("KUBERNETES_SERVICE_PORT", "443");
  auto cfg = InClusterConfig(root.path());
  ASSERT_TRUE(cfg.ok()) << cfg.status().ToString();
  EXPECT_EQ(cfg->server, "https://10.96.0.1:443");
  EXPECT_EQ(cfg->ca_file, root.path() + "/ca.crt");
  EXPECT_EQ(cfg->default_namespace, "podpilot-system");
  ASSERT_NE(cfg->token_source, nullptr);
  EXPECT_EQ(*cfg->token_source->Token(), "tok-1");

  ScopedEnv v6("KUBERNETES_SERVICE_HOST", "fd00::1");
  EXPECT_EQ(InClusterConfig(root.path())->server, "https://[fd00::1]:443");
}

TEST(InClusterConfigTest, Errors) {
  TempDir root;
  {
    ScopedEnv host("KUBERNETES_SERVICE_HOST", nullptr);
    auto cfg = InClusterConfig(root.path());
    EXPECT_EQ(cfg.status().code(), StatusCode::kFailedPrecondition);
    EXPECT_THAT(cfg.status().message(), HasSubstr("KUBERNETES_SERVICE_HOST"));
  }
  ScopedEnv host("KUBERNETES_SERVICE_HOST", "10.96.0.1");
  ScopedEnv port("KUBERNETES_SERVICE_PORT", "443");
  auto no_token = InClusterConfig(root.path());
  EXPECT_EQ(no_token.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(no_token.status().message(), HasSubstr(root.path() + "/token"));
  root.Write("token", "t");
  auto no_ca = InClusterConfig(root.path());
  EXPECT_THAT(no_ca.status().message(), HasSubstr(root.path() + "/ca.crt"));
  root.Write("ca.crt", "CA");
  EXPECT_EQ(InClusterConfig(root.path())->default_namespace, "default");  // no namespace file
}

TEST(TokenSourceTest, RereadsWhenTheFileChanges) {
  TempDir dir;
  const auto path = dir.Write("token", "old");
  TokenSource source(path, std::chrono::seconds(3600));
  EXPECT_EQ(*source.Token(), "old");
  // Rotation: new content and a new mtime (set explicitly: two writes within the file system's
  // timestamp granularity would otherwise look unchanged).
  dir.Write("token", "new");
  fs::last_write_time(path, fs::last_write_time(path) + std::chrono::seconds(5));
  EXPECT_EQ(*source.Token(), "new");

  // Same mtime and within max_age: the cached token is served (no re-read).
  const auto mtime = fs::last_write_time(path);
  dir.Write("token", "sneaky");
  fs::last_write_time(path, mtime);
  EXPECT_EQ(*source.Token(), "new");
}

TEST(TokenSourceTest, RereadsAfterMaxAgeAndKeepsTheOldTokenOnAFailedRead) {
  TempDir dir;
  const auto path = dir.Write("token", "one");
  TokenSource source(path, std::chrono::seconds(0));  // every call is past max_age
  EXPECT_EQ(*source.Token(), "one");
  const auto mtime = fs::last_write_time(path);
  dir.Write("token", "two");
  fs::last_write_time(path, mtime);
  EXPECT_EQ(*source.Token(), "two");
  fs::remove(path);  // mid-rotation
  EXPECT_EQ(*source.Token(), "two");

  TokenSource missing(dir.path() + "/none");
  EXPECT_EQ(missing.Token().status().code(), StatusCode::kNotFound);
  dir.Write("empty", "\n");
  EXPECT_EQ(TokenSource(dir.path() + "/empty").Token().status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace podpilot::k8s
