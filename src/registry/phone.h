// Contact points of health workers (CSD contactPoint, FHIR telecom) normalised for RapidPro: phone
// numbers to E.164 with libphonenumber 8.12, Telegram chat ids checked.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "registry/csd_types.h"

namespace mhero::registry {

/// Normalises numbers written in local or international format for one default region.
/// Thread-safe (libphonenumber's PhoneNumberUtil is immutable after construction).
class PhoneNormalizer {
 public:
  /// CSD contactPoint codedType codes -> the channel their values reach ([registry]
  /// contact_point_codes). CSD's own code is "BP" (business phone); WhatsApp and Telegram have no
  /// CSD code, so a registry names its local ones.
  using ContactPointCodes = std::map<std::string, Channel, std::less<>>;

  /// `default_region`: ISO 3166-1 alpha-2 region for numbers without a country code, e.g. "LR".
  explicit PhoneNormalizer(std::string default_region, ContactPointCodes codes = {{"BP", Channel::sms}});

  /// True when libphonenumber knows the region.
  bool region_supported() const;
  const std::string& region() const { return region_; }

  /// Parses `raw`. e164 is set when libphonenumber can parse it at all; `valid` when the number
  /// is valid for its region; `mobile` when its type is MOBILE or FIXED_LINE_OR_MOBILE.
  PhoneNumber normalize(std::string_view raw) const;
  /// A contact point of `channel`: sms and whatsapp as normalize(); telegram: `raw` is a chat id,
  /// valid when it is 1-15 digits (no e164).
  PhoneNumber normalize(std::string_view raw, Channel channel) const;

  /// The extension libphonenumber reads in `raw` ("5" of "0881824978 ext 5"), "" when none. An
  /// SMS cannot dial it: the caller warns that it was dropped. Parses `raw` again, so callers ask
  /// only when `raw` holds a letter or '#' (an extension's marker).
  std::string extension(std::string_view raw) const;

  /// The ISO 3166-1 region a valid number in E.164 (`e164`, "+447911123456") belongs to by
  /// libphonenumber's metadata ("SL"); "" when it cannot tell.
  std::string region_of(std::string_view e164) const;

  /// The channel of a CSD contactPoint codedType code: as `codes` says, else a channel's own name
  /// ("whatsapp", as csd_export writes), else nullopt (fax, e-mail, another local code).
  std::optional<Channel> channel_of_code(std::string_view code) const;

 private:
  std::string region_;
  ContactPointCodes codes_;
};

}  // namespace mhero::registry
