#include "console/certificate.h"

#include <fcntl.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <memory>

#include "identity/crypto.h"

namespace mhero::console {

namespace {

template <typename T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const { Free(p); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using X509Ptr = std::unique_ptr<X509, Deleter<X509, X509_free>>;

std::string fingerprint_of(X509* cert) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  X509_digest(cert, EVP_sha256(), md, &n);
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned i = 0; i < n; ++i) {
    if (i) out += ':';
    out += kHex[md[i] >> 4];
    out += kHex[md[i] & 15];
  }
  return out;
}

// Opens `path` for writing with `mode` (created; replaced if present) as a stdio stream.
FILE* open_for_write(const std::filesystem::path& path, mode_t mode) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return nullptr;
  ::fchmod(fd, mode);
  FILE* f = ::fdopen(fd, "w");
  if (!f) ::close(fd);
  return f;
}

Status generate(const std::filesystem::path& cert_path, const std::filesystem::path& key_path,
                const std::string& hostname) {
  PkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  X509Ptr x(X509_new());
  if (!key || !x) return failed_precondition("OpenSSL could not generate the console's TLS key");
  X509_set_version(x.get(), 2);
  unsigned char serial[16];
  random_bytes(serial, sizeof serial);
  serial[0] &= 0x7F;  // A positive serial number (RFC 5280 4.1.2.2).
  BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x.get()));
  BN_free(bn);
  X509_gmtime_adj(X509_getm_notBefore(x.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(x.get()), 825L * 24 * 3600);
  X509_set_pubkey(x.get(), key.get());
  X509_NAME* name = X509_get_subject_name(x.get());
  std::string cn = hostname.empty() ? "localhost" : hostname;
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>("mHero sync node"),
                             -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(cn.c_str()), -1,
                             -1, 0);
  X509_set_issuer_name(x.get(), name);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, x.get(), x.get(), nullptr, nullptr, 0);
  std::string san = "DNS:localhost,IP:127.0.0.1,IP:::1";
  if (!hostname.empty() && hostname != "localhost") san = "DNS:" + hostname + "," + san;
  const std::pair<int, std::string> extensions[] = {{NID_subject_alt_name, san},
                                                    {NID_basic_constraints, "critical,CA:FALSE"},
                                                    {NID_key_usage, "critical,digitalSignature"},
                                                    {NID_ext_key_usage, "serverAuth"}};
  for (const auto& [nid, value] : extensions) {
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
    if (!ext) return failed_precondition("OpenSSL refused certificate extension " + value);
    X509_add_ext(x.get(), ext, -1);
    X509_EXTENSION_free(ext);
  }
  if (X509_sign(x.get(), key.get(), EVP_sha256()) == 0) {
    return failed_precondition("OpenSSL could not sign the console certificate");
  }
  FILE* kf = open_for_write(key_path, 0600);
  if (!kf) return failed_precondition("cannot write " + key_path.string());
  bool key_ok = PEM_write_PrivateKey(kf, key.get(), nullptr, nullptr, 0, nullptr, nullptr) == 1;
  key_ok = std::fclose(kf) == 0 && key_ok;
  FILE* cf = open_for_write(cert_path, 0600);
  if (!key_ok || !cf) return failed_precondition("cannot write " + (key_ok ? cert_path : key_path).string());
  bool cert_ok = PEM_write_X509(cf, x.get()) == 1;
  cert_ok = std::fclose(cf) == 0 && cert_ok;
  if (!cert_ok) return failed_precondition("cannot write " + cert_path.string());
  return {};
}

}  // namespace

Result<std::string> certificate_fingerprint(const std::filesystem::path& path) {
  FILE* f = std::fopen(path.c_str(), "r");
  if (!f) return not_found("cannot read the console certificate " + path.string());
  X509Ptr x(PEM_read_X509(f, nullptr, nullptr, nullptr));
  std::fclose(f);
  if (!x) return invalid_argument(path.string() + " holds no PEM certificate");
  return fingerprint_of(x.get());
}

Result<ConsoleCertificate> ensure_self_signed(const std::filesystem::path& dir, const std::string& hostname) {
  ConsoleCertificate out{dir / "console.crt", dir / "console.key", "", false};
  std::error_code ec;
  if (!std::filesystem::exists(out.cert, ec) || !std::filesystem::exists(out.key, ec)) {
    MHERO_RETURN_IF_ERROR(generate(out.cert, out.key, hostname));
    out.generated = true;
  }
  MHERO_ASSIGN_OR_RETURN(out.sha256_fingerprint, certificate_fingerprint(out.cert));
  return out;
}

}  // namespace mhero::console
