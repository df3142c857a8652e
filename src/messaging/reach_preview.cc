#include "messaging/reach_preview.h"

#include <algorithm>
#include <map>
#include <set>

#include "registry/csd_types.h"

namespace mhero {

PhoneSharing phone_sharing(const std::vector<Worker>& workers) {
  std::map<std::string, size_t> by_phone;
  for (const auto& w : workers) ++by_phone[w.send_urn.empty() ? w.e164 : w.send_urn];
  PhoneSharing s;
  s.workers = workers.size();
  s.phones = by_phone.size();
  for (const auto& [phone, n] : by_phone) {
    if (n < 2) continue;
    ++s.shared_phones;
    s.min_sharing = s.min_sharing == 0 ? n : std::min(s.min_sharing, n);
    s.max_sharing = std::max(s.max_sharing, n);
  }
  return s;
}

std::string sharing_text(const PhoneSharing& s) {
  auto plural = [](size_t n, const char* one, const char* many) { return std::to_string(n) + " " + (n == 1 ? one : many); };
  std::string out = plural(s.workers, "worker", "workers") + ", " + plural(s.phones, "phone", "phones");
  if (s.shared_phones == 0) return out;
  std::string range = s.min_sharing == s.max_sharing ? std::to_string(s.min_sharing)
                                                     : std::to_string(s.min_sharing) + "\u2013" + std::to_string(s.max_sharing);
  return out + ": " + plural(s.shared_phones, "phone is", "phones are") + " shared by " + range + " workers";
}

ReachPreview preview_reach(const Reach& reach, const MessageRecord& m) {
  ReachPreview p;
  p.sharing = phone_sharing(reach.workers);
  p.excluded_inactive = reach.excluded_inactive;
  p.excluded_no_mobile = reach.excluded_no_mobile;
  p.excluded_unassigned = reach.excluded_unassigned;
  p.excluded_no_channel = reach.excluded_no_channel;
  std::map<registry::Channel, size_t> workers_by_channel;
  std::set<std::string> sms;
  for (const auto& w : reach.workers) {
    auto c = registry::channel_of_urn(w.send_urn).value_or(registry::Channel::sms);
    ++workers_by_channel[c];
    if (c == registry::Channel::sms) sms.insert(w.send_urn.empty() ? w.e164 : w.send_urn);
  }
  for (auto [c, n] : workers_by_channel) p.by_channel.emplace_back(registry::channel_name(c), n);
  p.sms_phones = sms.size();
  size_t most = 0;
  for (const auto& [lang, text] : m.texts) {
    TextCost t{lang, sms_cost(text), ""};
    if (t.cost.encoding == SmsEncoding::ucs2) {
      std::string gsm = gsm7_form(text);
      if (gsm != text) t.gsm7 = gsm;
    }
    most = std::max(most, t.cost.segments);
    p.texts.push_back(std::move(t));
  }
  p.total_segments = most * p.sms_phones;
  return p;
}

std::vector<std::string> preview_lines(const ReachPreview& p) {
  std::vector<std::string> out;
  out.push_back("Reach: " + sharing_text(p.sharing) + " (one message per phone).");
  std::string channels;
  for (const auto& [name, n] : p.by_channel) channels += (channels.empty() ? "" : ", ") + std::to_string(n) + " by " + name;
  if (!channels.empty()) out.push_back("Channels: " + channels + (p.by_channel.size() == 1 ? "." : " (workers)."));
  for (const auto& t : p.texts) {
    const SmsCost& c = t.cost;
    std::string line = "Text" + (t.lang.empty() ? std::string() : " (" + t.lang + ")") + ": " +
                       std::to_string(c.characters) + " characters, " + sms_encoding_name(c.encoding) + ", " +
                       std::to_string(c.segments) + (c.segments == 1 ? " segment" : " segments") + " (" +
                       std::to_string(c.units) + (c.encoding == SmsEncoding::gsm7 ? " septets" : " UTF-16 units") +
                       (c.segments > 0 ? ", " + std::to_string(c.per_segment) + " per segment" : std::string()) + ").";
    out.push_back(line);
    if (c.encoding == SmsEncoding::ucs2) {
      std::string chars;
      for (const auto& u : c.forcing_ucs2) {
        if (!chars.empty()) chars += ", ";
        chars += u.text + " " + u.code + (u.name.empty() ? "" : " " + u.name);
      }
      out.push_back("  UCS-2 because of: " + chars + ".");
      if (!t.gsm7.empty()) {
        SmsCost g = sms_cost(t.gsm7);
        out.push_back("  GSM-7 form (" + std::string(sms_encoding_name(g.encoding)) + ", " + std::to_string(g.segments) +
                      (g.segments == 1 ? " segment" : " segments") + "): " + t.gsm7);
      }
    }
  }
  if (!p.texts.empty()) {
    out.push_back("Total: " + std::to_string(p.total_segments) + " SMS segments for " + std::to_string(p.sms_phones) +
                  (p.sms_phones == 1 ? " phone" : " phones") +
                  (p.sms_phones != p.sharing.phones ? " (WhatsApp and Telegram are not counted in segments)" : "") +
                  (p.texts.size() > 1 ? " (at most: the longest language)." : "."));
  }
  return out;
}

}  // namespace mhero
