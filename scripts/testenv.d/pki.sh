# Certificates and kubeconfigs for `scripts/testenv up`, made with openssl. Sourced, not run.
# Everything is ECDSA P-256 (fast to generate; accepted by every component, including as the
# service-account signing key) and valid for 30 days: a test environment lives for minutes.
# shellcheck shell=bash

PKI_DAYS=30

# pki_ca NAME CN: self-signed CA NAME.crt / NAME.key in $PKI.
pki_ca() {
  openssl ecparam -name prime256v1 -genkey -noout -out "$PKI/$1.key" 2>/dev/null
  openssl req -x509 -new -key "$PKI/$1.key" -sha256 -days "$PKI_DAYS" -subj "/CN=$2" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign,digitalSignature" \
    -out "$PKI/$1.crt" 2>/dev/null
}

# pki_cert CA NAME SUBJECT USAGE [SAN]: key NAME.key and certificate NAME.crt signed by CA.
# USAGE is serverAuth or clientAuth; SAN (e.g. "IP:127.0.0.1,DNS:localhost") for serving certs.
pki_cert() {
  local ca=$1 name=$2 subj=$3 usage=$4 san=${5:-} ext
  ext=$(mktemp)
  {
    echo "basicConstraints=critical,CA:FALSE"
    echo "keyUsage=critical,digitalSignature"
    echo "extendedKeyUsage=$usage"
    [[ -n "$san" ]] && echo "subjectAltName=$san"
  } >"$ext"
  openssl ecparam -name prime256v1 -genkey -noout -out "$PKI/$name.key" 2>/dev/null
  openssl req -new -key "$PKI/$name.key" -subj "$subj" -out "$PKI/$name.csr" 2>/dev/null
  openssl x509 -req -in "$PKI/$name.csr" -CA "$PKI/$ca.crt" -CAkey "$PKI/$ca.key" \
    -CAcreateserial -days "$PKI_DAYS" -sha256 -extfile "$ext" -out "$PKI/$name.crt" 2>/dev/null
  rm -f "$ext" "$PKI/$name.csr"
}

# make_pki: the whole PKI of one environment.
#   ca            signs serving certs and client certs (apiserver --client-ca-file)
#   serving       apiserver, controller-manager, scheduler, KWOK's fake kubelet endpoint and
#                 metrics-server. metrics-server.kube-system.svc is the name the aggregator checks
#                 when it proxies metrics.k8s.io to the ExternalName service.
#   admin / kube-controller-manager / kube-scheduler / kwok / metrics-server: client certs, all in
#                 system:masters (as kwokctl runs them); the CN names the component in audit logs.
#   front-proxy-ca / front-proxy-client: the aggregator's identity towards metrics-server.
#   sa.key / sa.pub: service-account token signing pair.
make_pki() {
  require_cmd openssl "apt-get install openssl"
  mkdir -p "$PKI"
  chmod 700 "$PKI"
  pki_ca ca podpilot-testenv-ca
  pki_ca front-proxy-ca podpilot-testenv-front-proxy-ca
  pki_cert ca serving "/CN=podpilot-testenv" serverAuth \
    "IP:127.0.0.1,DNS:localhost,DNS:metrics-server.kube-system.svc,DNS:kubernetes.default.svc"
  local who
  for who in admin kube-controller-manager kube-scheduler kwok metrics-server; do
    local cn=$who
    [[ $who == kube-* ]] && cn="system:$who"
    pki_cert ca "$who" "/O=system:masters/CN=$cn" clientAuth
  done
  pki_cert front-proxy-ca front-proxy-client "/CN=front-proxy-client" clientAuth
  openssl ecparam -name prime256v1 -genkey -noout -out "$PKI/sa.key" 2>/dev/null
  openssl ec -in "$PKI/sa.key" -pubout -out "$PKI/sa.pub" 2>/dev/null
  rm -f "$PKI"/*.srl
}

# write_kubeconfig FILE USER: kubeconfig for client cert USER against the apiserver.
write_kubeconfig() {
  local file=$1 user=$2
  cat >"$file" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: podpilot-testenv
  cluster:
    server: https://127.0.0.1:$APISERVER_PORT
    certificate-authority: $PKI/ca.crt
users:
- name: $user
  user:
    client-certificate: $PKI/$user.crt
    client-key: $PKI/$user.key
contexts:
- name: $user@podpilot-testenv
  context:
    cluster: podpilot-testenv
    user: $user
current-context: $user@podpilot-testenv
EOF
  chmod 600 "$file"
}

# write_token_kubeconfig FILE USER TOKEN NAMESPACE: kubeconfig for a bearer token (the restricted
# ServiceAccount identity).
write_token_kubeconfig() {
  local file=$1 user=$2 token=$3 ns=$4
  cat >"$file" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: podpilot-testenv
  cluster:
    server: https://127.0.0.1:$APISERVER_PORT
    certificate-authority: $PKI/ca.crt
users:
- name: $user
  user:
    token: $token
contexts:
- name: $user@podpilot-testenv
  context:
    cluster: podpilot-testenv
    user: $user
    namespace: $ns
current-context: $user@podpilot-testenv
EOF
  chmod 600 "$file"
}
