// Phone numbers from CSD contactPoint (code "BP") normalised to E.164 with libphonenumber 8.12.
#pragma once

#include <string>
#include <string_view>

#include "registry/csd_types.h"

namespace mhero::registry {

/// Normalises numbers written in local or international format for one default region.
/// Thread-safe (libphonenumber's PhoneNumberUtil is immutable after construction).
class PhoneNormalizer {
 public:
  /// `default_region`: ISO 3166-1 alpha-2 region for numbers without a country code, e.g. "LR".
  explicit PhoneNormalizer(std::string default_region);

  /// True when libphonenumber knows the region.
  bool region_supported() const;
  const std::string& region() const { return region_; }

  /// Parses `raw`. e164 is set when libphonenumber can parse it at all; `valid` when the number
  /// is valid for its region; `mobile` when its type is MOBILE or FIXED_LINE_OR_MOBILE.
  PhoneNumber normalize(std::string_view raw) const;

 private:
  std::string region_;
};

}  // namespace mhero::registry
