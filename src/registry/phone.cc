#include "registry/phone.h"

#include <phonenumbers/phonenumber.pb.h>
#include <phonenumbers/phonenumberutil.h>

namespace mhero::registry {

using i18n::phonenumbers::PhoneNumberUtil;

PhoneNormalizer::PhoneNormalizer(std::string default_region) : region_(std::move(default_region)) {}

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
