#include "replication/tls.h"

#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <spdlog/spdlog.h>

namespace mhero {

namespace {

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};

std::optional<NodeId> key_of(X509* cert) {
  EVP_PKEY* pkey = cert ? X509_get0_pubkey(cert) : nullptr;
  if (!pkey || EVP_PKEY_get_id(pkey) != EVP_PKEY_ED25519) return std::nullopt;
  NodeId id;
  size_t len = id.bytes.size();
  if (EVP_PKEY_get_raw_public_key(pkey, id.bytes.data(), &len) != 1 || len != id.bytes.size()) return std::nullopt;
  return id;
}

int client_hello_flag_index() {
  static const int index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return index;
}

int on_client_hello(SSL* ssl, int*, void*) {
  if (auto* flag = static_cast<std::atomic<bool>*>(SSL_get_ex_data(ssl, client_hello_flag_index()))) *flag = true;
  return SSL_CLIENT_HELLO_SUCCESS;
}

}  // namespace

void watch_client_hello(SSL* ssl, std::atomic<bool>* flag) { SSL_set_ex_data(ssl, client_hello_flag_index(), flag); }

Result<std::unique_ptr<boost::asio::ssl::context>> make_tls_context(const NodeKey& key, bool server) {
  namespace ssl = boost::asio::ssl;
  auto ctx = std::make_unique<ssl::context>(server ? ssl::context::tls_server : ssl::context::tls_client);
  SSL_CTX* native = ctx->native_handle();
  if (SSL_CTX_set_min_proto_version(native, TLS1_3_VERSION) != 1) {
    return failed_precondition("OpenSSL: cannot require TLS 1.3");
  }
  auto seed = key.seed();
  std::unique_ptr<EVP_PKEY, PkeyFree> pkey(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, seed.data(), seed.size()));
  std::fill(seed.begin(), seed.end(), 0);
  if (!pkey) return failed_precondition("OpenSSL: EVP_PKEY_new_raw_private_key(ED25519) failed");
  std::unique_ptr<X509, X509Free> cert(X509_new());
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -24L * 3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 20L * 365 * 24 * 3600);
  X509_set_pubkey(cert.get(), pkey.get());
  X509_NAME* name = X509_get_subject_name(cert.get());
  std::string cn = "mhero " + key.id().short_hex();
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  X509_set_issuer_name(cert.get(), name);
  if (X509_sign(cert.get(), pkey.get(), nullptr) == 0) return failed_precondition("OpenSSL: X509_sign(Ed25519) failed");
  if (SSL_CTX_use_certificate(native, cert.get()) != 1 || SSL_CTX_use_PrivateKey(native, pkey.get()) != 1 ||
      SSL_CTX_check_private_key(native) != 1) {
    return failed_precondition("OpenSSL: cannot install the node certificate");
  }
  if (server) SSL_CTX_set_client_hello_cb(native, on_client_hello, nullptr);
  SSL_CTX_set_num_tickets(native, 0);  // No resumption: every session proves its key; saves bytes.
  ctx->set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert);
  return ctx;
}

void verify_peer_with(TlsSocket& socket, PeerCheck check, PeerVerdict* verdict, std::string where) {
  socket.set_verify_callback([check = std::move(check), verdict, where = std::move(where)](
                                 bool, boost::asio::ssl::verify_context& ctx) {
    X509_STORE_CTX* store = ctx.native_handle();
    if (X509_STORE_CTX_get_error_depth(store) != 0) return true;  // Only the leaf matters.
    auto key = key_of(X509_STORE_CTX_get_current_cert(store));
    if (!key) {
      verdict->refused = true;
      spdlog::warn("refused TLS peer {}: its certificate key is not Ed25519", where);
      return false;
    }
    if (verdict->accepted == key) return true;  // Already accepted (OpenSSL may call back more than once).
    Result<bool> allowed = check(*key);
    if (!allowed.ok()) {
      verdict->refused = true;
      spdlog::error("refused TLS peer {} ({}): {}", where, key->hex(), allowed.status().to_string());
      return false;
    }
    if (!*allowed) {
      verdict->refused = true;
      spdlog::warn("refused TLS peer {}: key {} is neither the pinned central key nor enrolled (or it was revoked)",
                   where, key->hex());
      return false;
    }
    verdict->accepted = *key;
    return true;
  });
}

}  // namespace mhero
