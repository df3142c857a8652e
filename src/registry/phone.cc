#include "registry/phone.h"

#include <phonenumbers/phonenumber.pb.h>
#include <phonenumbers/phonenumberutil.h>

#include <algorithm>

namespace mhero::registry {

using i18n::phonenumbers::PhoneNumberUtil;

PhoneNormalizer::PhoneNormalizer(std::string default_region, ContactPointCodes codes)
    : region_(std::move(default_region)), codes_(std::move(codes)) {}

std::optional<Channel> PhoneNormalizer::channel_of_code(std::string_view code) const {
  auto it = codes_.find(code);
  if (it != codes_.end()) return it->second;
  return parse_channel(code);  // "sms", "whatsapp", "telegram" name themselves (csd_export writes them).
}

PhoneNumber PhoneNormalizer::normalize(std::string_view raw, Channel channel) const {
  if (channel != Channel::telegram) {
    PhoneNumber out = normalize(raw);
    out.channel = channel;
    return out;
  }
  PhoneNumber out;
  out.raw = std::string(raw);
  out.channel = Channel::telegram;
  out.valid = !raw.empty() && raw.size() <= 15 &&
              std::all_of(raw.begin(), raw.end(), [](char c) { return c >= '0' && c <= '9'; });
  return out;
}

std::string PhoneNormalizer::extension(std::string_view raw) const {
  i18n::phonenumbers::PhoneNumber parsed;
  const PhoneNumberUtil& util = *PhoneNumberUtil::GetInstance();
  if (util.Parse(std::string(raw), region_, &parsed) != PhoneNumberUtil::NO_PARSING_ERROR) return "";
  return parsed.extension();
}

std::string PhoneNormalizer::region_of(std::string_view e164) const {
  i18n::phonenumbers::PhoneNumber parsed;
  const PhoneNumberUtil& util = *PhoneNumberUtil::GetInstance();
  if (util.Parse(std::string(e164), region_, &parsed) != PhoneNumberUtil::NO_PARSING_ERROR) return "";
  std::string region;
  util.GetRegionCodeForNumber(parsed, &region);
  return region == "ZZ" ? "" : region;  // ZZ: libphonenumber's unknown region.
}

bool PhoneNormalizer::region_supported() const {
  return PhoneNumberUtil::GetInstance()->GetCountryCodeForRegion(region_) != 0;
}

PhoneNumber PhoneNormalizer::normalize(std::string_view raw) const {
  PhoneNumber out;
  out.raw = std::string(raw);
  const PhoneNumberUtil& util = *PhoneNumberUtil::GetInstance();
  i18n::phonenumbers::PhoneNumber parsed;
  if (util.Parse(out.raw, region_, &parsed) != PhoneNumberUtil::NO_PARSING_ERROR) return out;
  util.Format(parsed, PhoneNumberUtil::E164, &out.e164);
  // GetNumberType is UNKNOWN exactly when IsValidNumber is false (both test the national
  // number against the metadata of the number's own region); one call instead of two.
  auto type = util.GetNumberType(parsed);
  out.valid = type != PhoneNumberUtil::UNKNOWN;
  out.mobile = type == PhoneNumberUtil::MOBILE || type == PhoneNumberUtil::FIXED_LINE_OR_MOBILE;
  return out;
}

}  // namespace mhero::registry
