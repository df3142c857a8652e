#include "replication/tls.h"

#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <spdlog/spdlog.h>

#include <map>
#include <mutex>

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

// The client context's sessions: the latest one granted per address (each holds a reference).
struct SessionCache {
  std::mutex mu;
  std::map<std::string, SSL_SESSION*> by_address;
  ~SessionCache() {
    for (auto& [address, session] : by_address) SSL_SESSION_free(session);
  }
};

void free_session_cache(void*, void* ptr, CRYPTO_EX_DATA*, int, long, void*) {
  delete static_cast<SessionCache*>(ptr);
}
void free_address(void*, void* ptr, CRYPTO_EX_DATA*, int, long, void*) { delete static_cast<std::string*>(ptr); }

int session_cache_index() {  // On the client SSL_CTX: its SessionCache, freed with it.
  static const int index = SSL_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, free_session_cache);
  return index;
}
int dialed_address_index() {  // On a client SSL: the address it dialed, freed with it.
  static const int index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, free_address);
  return index;
}

// OpenSSL hands over each session the server grants (a TLS 1.3 ticket arrives after the
// handshake, with the first data read): kept as the address's latest. Returning 1 keeps the
// reference OpenSSL gives.
int on_new_session(SSL* ssl, SSL_SESSION* session) {
  auto* address = static_cast<std::string*>(SSL_get_ex_data(ssl, dialed_address_index()));
  auto* cache = static_cast<SessionCache*>(SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), session_cache_index()));
  if (!address || !cache) return 0;
  std::lock_guard lock(cache->mu);
  SSL_SESSION*& slot = cache->by_address[*address];
  if (slot) SSL_SESSION_free(slot);
  slot = session;
  return 1;
}

// The verify callback's judgement of a peer key, shared with resumed handshakes.
bool judge(const std::optional<NodeId>& key, const PeerCheck& check, PeerVerdict* verdict, const std::string& where) {
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
  // Only what two mhero nodes use, so every handshake is short (a 2G district pays per byte):
  // no middlebox compatibility mode (RFC 8446 D.4: the sync port is ours, not HTTPS's; its fake
  // session id and ChangeCipherSpec records cost ~80 bytes), one key exchange group (X25519), one
  // signature algorithm (Ed25519, the node keys'), no TLS 1.2-only extensions.
  SSL_CTX_clear_options(native, SSL_OP_ENABLE_MIDDLEBOX_COMPAT);
  SSL_CTX_set_options(native, SSL_OP_NO_ENCRYPT_THEN_MAC | SSL_OP_NO_EXTENDED_MASTER_SECRET | SSL_OP_NO_TICKET);
  if (SSL_CTX_set1_groups_list(native, "X25519") != 1 || SSL_CTX_set1_sigalgs_list(native, "ed25519") != 1 ||
      SSL_CTX_set_ciphersuites(native, "TLS_AES_128_GCM_SHA256:TLS_CHACHA20_POLY1305_SHA256") != 1) {
    return failed_precondition("OpenSSL: cannot restrict TLS 1.3 to X25519, Ed25519 and AES-128-GCM/ChaCha20");
  }
  if (server) {
    SSL_CTX_set_client_hello_cb(native, on_client_hello, nullptr);
    // Resumption: one stateful ticket per handshake, sessions in this process's memory for a day.
    static const unsigned char kSessionContext[] = "mhero-sync";
    SSL_CTX_set_session_id_context(native, kSessionContext, sizeof kSessionContext - 1);
    SSL_CTX_set_session_cache_mode(native, SSL_SESS_CACHE_SERVER);
    SSL_CTX_set_timeout(native, 24 * 3600);
    SSL_CTX_set_num_tickets(native, 1);
  } else {
    SSL_CTX_set_ex_data(native, session_cache_index(), new SessionCache);
    SSL_CTX_set_session_cache_mode(native, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
    SSL_CTX_sess_set_new_cb(native, on_new_session);
  }
  ctx->set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert);
  return ctx;
}

void offer_session(SSL* ssl, const std::string& address) {
  SSL_set_ex_data(ssl, dialed_address_index(), new std::string(address));
  auto* cache = static_cast<SessionCache*>(SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), session_cache_index()));
  if (!cache) return;
  std::lock_guard lock(cache->mu);
  auto it = cache->by_address.find(address);
  if (it == cache->by_address.end()) return;
  // A TLS 1.3 session is for one connection (OpenSSL's client marks it spent; RFC 8446 C.4): it
  // leaves the cache, and the ticket this connection gets replaces it.
  if (SSL_SESSION_is_resumable(it->second)) SSL_set_session(ssl, it->second);  // Takes its own reference.
  SSL_SESSION_free(it->second);
  cache->by_address.erase(it);
}

void mark_clean_end(SSL* ssl) { SSL_set_shutdown(ssl, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN); }

void verify_resumed_peer(SSL* ssl, const PeerCheck& check, PeerVerdict* verdict, const std::string& where) {
  judge(key_of(SSL_get0_peer_certificate(ssl)), check, verdict, where);
}

void verify_peer_with(TlsSocket& socket, PeerCheck check, PeerVerdict* verdict, std::string where) {
  socket.set_verify_callback([check = std::move(check), verdict, where = std::move(where)](
                                 bool, boost::asio::ssl::verify_context& ctx) {
    X509_STORE_CTX* store = ctx.native_handle();
    if (X509_STORE_CTX_get_error_depth(store) != 0) return true;  // Only the leaf matters.
    return judge(key_of(X509_STORE_CTX_get_current_cert(store)), check, verdict, where);
  });
}

}  // namespace mhero
