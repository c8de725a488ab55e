#include "k8s/kube_config.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <system_error>

#include "common/file_util.h"

namespace podpilot::k8s {

namespace fs = std::filesystem;

namespace {

std::string Trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  const auto e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

// Field access on one kubeconfig node, remembering its path ("users[0].user") so that every
// error names the file and the field.
class Node {
 public:
  Node(YAML::Node n, const std::string* file, std::string path) : n_(std::move(n)), file_(file), path_(std::move(path)) {}

  std::string Where(const std::string& key) const {
    return fmt::format("{}: {}", *file_, path_.empty() ? key : (key.empty() ? path_ : path_ + "." + key));
  }
  Status Invalid(const std::string& key, const std::string& what) const { return InvalidArgumentError(Where(key) + ": " + what); }

  bool Has(const std::string& key) const { return n_.IsMap() && n_[key] && !n_[key].IsNull(); }

  // A string field; "" when absent. InvalidArgument when present but not a scalar.
  StatusOr<std::string> Str(const std::string& key) const {
    if (!Has(key)) return std::string();
    YAML::Node v = n_[key];
    if (!v.IsScalar()) return Invalid(key, "must be a string");
    return v.Scalar();
  }
  StatusOr<bool> Bool(const std::string& key) const {
    if (!Has(key)) return false;
    YAML::Node v = n_[key];
    bool b = false;
    if (!v.IsScalar() || !YAML::convert<bool>::decode(v, b)) return Invalid(key, fmt::format("must be true or false"));
    return b;
  }
  // A map child (InvalidArgument if present but not a map; an empty map node when absent).
  StatusOr<Node> Map(const std::string& key) const {
    if (!Has(key)) return Node(YAML::Node(YAML::NodeType::Map), file_, Join(key));
    if (!n_[key].IsMap()) return Invalid(key, "must be a mapping");
    return Node(n_[key], file_, Join(key));
  }
  // Finds the entry of the list `key` whose "name" is `name`; NotFound naming both.
  StatusOr<Node> Named(const std::string& key, const std::string& name) const {
    if (!Has(key)) return NotFoundError(fmt::format("{}: no {} (looking for \"{}\")", *file_, key, name));
    YAML::Node list = n_[key];
    if (!list.IsSequence()) return Invalid(key, "must be a list");
    for (size_t i = 0; i < list.size(); ++i) {
      Node entry(list[i], file_, fmt::format("{}[{}]", Join(key), i));
      if (!list[i].IsMap()) return entry.Invalid("", "must be a mapping");
      auto entry_name = entry.Str("name");
      if (!entry_name.ok()) return entry_name.status();
      if (*entry_name == name) return entry;
    }
    return NotFoundError(fmt::format("{}: {}: no entry named \"{}\"", *file_, key, name));
  }

 private:
  std::string Join(const std::string& key) const { return path_.empty() ? key : path_ + "." + key; }
  YAML::Node n_;
  const std::string* file_;
  std::string path_;
};

// Reads the pair (file field, -data field) into file/data. At most one may be set; a file path is
// resolved against `base_dir` and must exist.
Status FileOrData(const Node& n, const std::string& file_key, const fs::path& base_dir, std::string* file,
                  std::string* data) {
  PP_ASSIGN_OR_RETURN(std::string f, n.Str(file_key));
  PP_ASSIGN_OR_RETURN(std::string d64, n.Str(file_key + "-data"));
  if (!f.empty() && !d64.empty()) {
    return n.Invalid(file_key, fmt::format("both {} and {}-data are set; keep one", file_key, file_key));
  }
  if (!d64.empty()) {
    auto decoded = DecodeBase64(d64);
    if (!decoded.ok()) return n.Invalid(file_key + "-data", decoded.status().message());
    if (decoded->empty()) return n.Invalid(file_key + "-data", "decodes to nothing");
    *data = std::move(decoded).value();
    return Status::Ok();
  }
  if (!f.empty()) {
    fs::path p(f);
    if (p.is_relative()) p = base_dir / p;
    std::error_code ec;
    if (!fs::is_regular_file(p, ec)) return NotFoundError(n.Where(file_key) + fmt::format(": \"{}\" is not a readable file", p.string()));
    *file = p.string();
  }
  return Status::Ok();
}

Status CheckServer(const Node& cluster, const std::string& server) {
  if (server.empty()) return cluster.Invalid("server", "missing");
  if (server.rfind("https://", 0) != 0 && server.rfind("http://", 0) != 0) {
    return cluster.Invalid("server", fmt::format("\"{}\" is not an http(s):// URL", server));
  }
  if (server.find_first_of("?# ") != std::string::npos) {
    return cluster.Invalid("server", fmt::format("\"{}\" must not have a query, fragment or spaces", server));
  }
  return Status::Ok();
}

}  // namespace

StatusOr<std::string> DecodeBase64(const std::string& text) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  std::string out;
  unsigned buffer = 0;
  int bits = 0;
  size_t symbols = 0;  // non-whitespace characters, padding included
  size_t padding = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == ' ' || c == '\n' || c == '\r' || c == '\t') continue;
    ++symbols;
    if (c == '=') {
      ++padding;
      if (padding > 2) return InvalidArgumentError(fmt::format("not base64 (too much padding at {})", i));
      continue;
    }
    const int v = value(c);
    if (v < 0 || padding > 0) {
      return InvalidArgumentError(fmt::format("not base64 (bad character at {})", i));
    }
    buffer = (buffer << 6) | static_cast<unsigned>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((buffer >> bits) & 0xFF));
    }
  }
  if (symbols % 4 != 0) return InvalidArgumentError(fmt::format("not base64 (length {} is not a multiple of 4)", symbols));
  return out;
}

StatusOr<std::string> TokenSource::Token() {
  std::lock_guard<std::mutex> lock(mu_);
  const auto now = std::chrono::steady_clock::now();
  std::error_code ec;
  const auto mtime = fs::last_write_time(path_, ec);
  const bool fresh = !token_.empty() && !ec && mtime == mtime_ && now - read_at_ < max_age_;
  if (fresh) return token_;
  auto text = ReadFile(path_);
  std::string token = text.ok() ? Trim(*text) : "";
  if (!text.ok() || token.empty()) {
    // Keep serving the old token while a rotation is half-done; fail only if there is none.
    if (!token_.empty()) return token_;
    if (!text.ok()) return text.status().WithPrefix("token file");
    return InvalidArgumentError(fmt::format("token file {}: empty", path_));
  }
  token_ = std::move(token);
  mtime_ = ec ? fs::file_time_type{} : mtime;
  read_at_ = now;
  return token_;
}

std::string DefaultKubeconfigPath() {
  if (const char* env = std::getenv("KUBECONFIG"); env != nullptr && *env != '\0') {
    std::string list(env);
    return list.substr(0, list.find(':'));
  }
  const char* home = std::getenv("HOME");
  return std::string(home != nullptr ? home : "") + "/.kube/config";
}

StatusOr<KubeConfig> LoadKubeconfig(const std::string& path, const std::string& context) {
  auto text = ReadFile(path);
  if (!text.ok()) return text.status().code() == StatusCode::kNotFound ? text.status() : text.status().WithPrefix("kubeconfig");
  YAML::Node root;
  try {
    root = YAML::Load(*text);
  } catch (const YAML::Exception& e) {
    return InvalidArgumentError(fmt::format("{}: line {}: not YAML: {}", path, e.mark.line + 1, e.msg));
  }
  if (!root.IsMap()) return InvalidArgumentError(path + ": not a kubeconfig (top level must be a mapping)");
  const Node top(root, &path, "");
  const fs::path base_dir = fs::path(path).parent_path();

  PP_ASSIGN_OR_RETURN(std::string context_name, top.Str("current-context"));
  if (!context.empty()) context_name = context;
  if (context_name.empty()) return InvalidArgumentError(path + ": current-context: not set and no context given");

  PP_ASSIGN_OR_RETURN(Node ctx_entry, top.Named("contexts", context_name));
  PP_ASSIGN_OR_RETURN(Node ctx, ctx_entry.Map("context"));
  PP_ASSIGN_OR_RETURN(std::string cluster_name, ctx.Str("cluster"));
  PP_ASSIGN_OR_RETURN(std::string user_name, ctx.Str("user"));
  if (cluster_name.empty()) return ctx.Invalid("cluster", "missing");

  KubeConfig cfg;
  cfg.origin = fmt::format("{} context {}", path, context_name);
  PP_ASSIGN_OR_RETURN(std::string ns, ctx.Str("namespace"));
  if (!ns.empty()) cfg.default_namespace = ns;

  PP_ASSIGN_OR_RETURN(Node cluster_entry, top.Named("clusters", cluster_name));
  PP_ASSIGN_OR_RETURN(Node cluster, cluster_entry.Map("cluster"));
  PP_ASSIGN_OR_RETURN(cfg.server, cluster.Str("server"));
  PP_RETURN_IF_ERROR(CheckServer(cluster, cfg.server));
  while (cfg.server.size() > 1 && cfg.server.back() == '/') cfg.server.pop_back();
  PP_RETURN_IF_ERROR(FileOrData(cluster, "certificate-authority", base_dir, &cfg.ca_file, &cfg.ca_data));
  PP_ASSIGN_OR_RETURN(cfg.insecure_skip_tls_verify, cluster.Bool("insecure-skip-tls-verify"));
  if (cluster.Has("tls-server-name")) return cluster.Invalid("tls-server-name", "not supported by podpilot");
  if (cfg.insecure_skip_tls_verify && (!cfg.ca_file.empty() || !cfg.ca_data.empty())) {
    // kubectl refuses this combination too: it is almost always a mistake.
    return cluster.Invalid("insecure-skip-tls-verify", "cannot be combined with certificate-authority(-data)");
  }

  if (user_name.empty()) return cfg;  // anonymous
  PP_ASSIGN_OR_RETURN(Node user_entry, top.Named("users", user_name));
  PP_ASSIGN_OR_RETURN(Node user, user_entry.Map("user"));
  for (const char* unsupported : {"exec", "auth-provider", "username", "password"}) {
    if (user.Has(unsupported)) {
      return user.Invalid(unsupported, "not supported by podpilot; use a client certificate, token or tokenFile");
    }
  }
  PP_RETURN_IF_ERROR(FileOrData(user, "client-certificate", base_dir, &cfg.client_cert_file, &cfg.client_cert_data));
  PP_RETURN_IF_ERROR(FileOrData(user, "client-key", base_dir, &cfg.client_key_file, &cfg.client_key_data));
  const bool has_cert = !cfg.client_cert_file.empty() || !cfg.client_cert_data.empty();
  const bool has_key = !cfg.client_key_file.empty() || !cfg.client_key_data.empty();
  if (has_cert != has_key) {
    return user.Invalid(has_cert ? "client-key" : "client-certificate",
                        has_cert ? "missing (client-certificate is set)" : "missing (client-key is set)");
  }
  PP_ASSIGN_OR_RETURN(cfg.token, user.Str("token"));
  PP_ASSIGN_OR_RETURN(std::string token_file, user.Str("tokenFile"));
  if (!cfg.token.empty() && !token_file.empty()) return user.Invalid("tokenFile", "both token and tokenFile are set; keep one");
  if (!token_file.empty()) {
    fs::path p(token_file);
    if (p.is_relative()) p = base_dir / p;
    std::error_code ec;
    if (!fs::is_regular_file(p, ec)) return NotFoundError(user.Where("tokenFile") + fmt::format(": \"{}\" is not a readable file", p.string()));
    cfg.token_source = std::make_shared<TokenSource>(p.string());
  }
  return cfg;
}

StatusOr<KubeConfig> InClusterConfig(const std::string& root) {
  const char* host = std::getenv("KUBERNETES_SERVICE_HOST");
  const char* port = std::getenv("KUBERNETES_SERVICE_PORT");
  if (host == nullptr || *host == '\0' || port == nullptr || *port == '\0') {
    return FailedPreconditionError(
        "in-cluster config: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be set (not running in a pod?)");
  }
  KubeConfig cfg;
  cfg.origin = "in-cluster (" + root + ")";
  const std::string h(host);
  cfg.server = h.find(':') != std::string::npos ? fmt::format("https://[{}]:{}", h, port) : fmt::format("https://{}:{}", h, port);
  const std::string token_path = root + "/token";
  const std::string ca_path = root + "/ca.crt";
  std::error_code ec;
  if (!fs::is_regular_file(token_path, ec)) return NotFoundError("in-cluster config: " + token_path + " does not exist");
  if (!fs::is_regular_file(ca_path, ec)) return NotFoundError("in-cluster config: " + ca_path + " does not exist");
  cfg.token_source = std::make_shared<TokenSource>(token_path);
  PP_RETURN_IF_ERROR(cfg.token_source->Token().status());  // fail now, not at the first request
  cfg.ca_file = ca_path;
  auto ns = ReadFile(root + "/namespace");
  if (ns.ok() && !Trim(*ns).empty()) cfg.default_namespace = Trim(*ns);
  return cfg;
}

}  // namespace podpilot::k8s
