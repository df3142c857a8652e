// The console's TLS certificate: either the operator's ([console] tls_cert / tls_key, PEM) or a
// self-signed one generated once with OpenSSL in the node directory: an ECDSA P-256 key
// (console.key, mode 0600) and an X.509 v3 certificate (console.crt) valid 825 days with
// subjectAltName = the host name, localhost, 127.0.0.1 and ::1. Staff check it by its SHA-256
// fingerprint, which `mhero run` prints.
#pragma once

#include <filesystem>
#include <string>

#include "util/status.h"

namespace mhero::console {

struct ConsoleCertificate {
  std::filesystem::path cert;      // PEM certificate chain.
  std::filesystem::path key;       // PEM private key.
  std::string sha256_fingerprint;  // "AB:CD:…" (32 bytes, upper-case hex, colon-separated).
  bool generated = false;          // True when this call created the files.
};

/// The certificate at dir/console.crt + dir/console.key, generated first when either is
/// missing. Errors: failed_precondition naming the file that cannot be written or read.
Result<ConsoleCertificate> ensure_self_signed(const std::filesystem::path& dir, const std::string& hostname);

/// SHA-256 fingerprint of the first certificate in PEM file `path`. Errors: invalid_argument
/// naming the file when it holds no PEM certificate; not_found when it is absent.
Result<std::string> certificate_fingerprint(const std::filesystem::path& path);

}  // namespace mhero::console
