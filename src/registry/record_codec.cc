#include "registry/record_codec.h"

#include <capnp/message.h>
#include <capnp/serialize.h>
#include <kj/exception.h>

#include <cstring>

#include "util/capnp_text.h"

namespace mhero::registry {

namespace {

void set_code(const CodedValue& c, schema::Code::Builder b) {
  b.setCode(c.code);
  b.setCodingScheme(c.coding_scheme);
  b.setLabel(c.label);
}

CodedValue get_code(schema::Code::Reader r) {
  return CodedValue{r.getCode(), r.getCodingScheme(), r.getLabel()};
}

template <typename List>
void set_codes(List list, const std::vector<CodedValue>& codes) {
  for (unsigned i = 0; i < codes.size(); ++i) set_code(codes[i], list[i]);
}

template <typename List>
std::vector<CodedValue> get_codes(List list) {
  std::vector<CodedValue> out;
  out.reserve(list.size());
  for (auto c : list) out.push_back(get_code(c));
  return out;
}

template <typename Record>
struct SchemaOf;
template <>
struct SchemaOf<ProviderRecord> { using Type = schema::Provider; };
template <>
struct SchemaOf<FacilityRecord> { using Type = schema::Facility; };
template <>
struct SchemaOf<OrganizationRecord> { using Type = schema::Organization; };
template <>
struct SchemaOf<CodeList> { using Type = schema::CodeList; };

}  // namespace

void to_capnp(const ProviderRecord& r, schema::Provider::Builder b) {
  b.setEntityId(r.entity_id);
  set_texts(b.initCommonNames(static_cast<unsigned>(r.common_names.size())), r.common_names);
  b.setForename(r.forename);
  b.setSurname(r.surname);
  set_codes(b.initCadres(static_cast<unsigned>(r.cadres.size())), r.cadres);
  set_codes(b.initSkills(static_cast<unsigned>(r.skills.size())), r.skills);
  set_texts(b.initFacilityIds(static_cast<unsigned>(r.facility_ids.size())), r.facility_ids);
  set_texts(b.initOrganizationIds(static_cast<unsigned>(r.organization_ids.size())), r.organization_ids);
  b.setDistrictCode(r.district);
  auto phones = b.initPhones(static_cast<unsigned>(r.phones.size()));
  for (unsigned i = 0; i < r.phones.size(); ++i) {
    phones[i].setRaw(r.phones[i].raw);
    phones[i].setE164(r.phones[i].e164);
    phones[i].setValid(r.phones[i].valid);
    phones[i].setMobile(r.phones[i].mobile);
    phones[i].setChannel(static_cast<schema::Channel>(r.phones[i].channel));
  }
  if (r.preferred_channel) b.setPreferredChannel(std::string(channel_name(*r.preferred_channel)));
  b.setStatus(static_cast<schema::RecordStatus>(r.status));
  b.setUpdated(r.updated);
  b.setRemoved(r.removed);
  b.setSource(r.source);
  b.setCorrection(r.correction);
  b.setSourceDiffers(r.source_differs);
  b.setOrigin(r.origin);
}

void to_capnp(const FacilityRecord& r, schema::Facility::Builder b) {
  b.setEntityId(r.entity_id);
  b.setName(r.name);
  set_texts(b.initOrganizationIds(static_cast<unsigned>(r.organization_ids.size())), r.organization_ids);
  b.setDistrictCode(r.district);
  b.setUpdated(r.updated);
  b.setRemoved(r.removed);
  b.setSource(r.source);
  set_codes(b.initFacilityTypes(static_cast<unsigned>(r.facility_types.size())), r.facility_types);
  b.setOrigin(r.origin);
}

void to_capnp(const OrganizationRecord& r, schema::Organization::Builder b) {
  b.setEntityId(r.entity_id);
  b.setName(r.name);
  b.setParentId(r.parent_id);
  b.setDistrictCode(r.district);
  b.setUpdated(r.updated);
  b.setRemoved(r.removed);
  b.setSource(r.source);
}

void to_capnp(const CodeList& r, schema::CodeList::Builder b) {
  b.setOid(r.oid);
  b.setName(r.name);
  set_codes(b.initCodes(static_cast<unsigned>(r.codes.size())), r.codes);
}

ProviderRecord from_capnp(schema::Provider::Reader r) {
  ProviderRecord p;
  p.entity_id = r.getEntityId();
  p.common_names = texts_from_capnp(r.getCommonNames());
  p.forename = r.getForename();
  p.surname = r.getSurname();
  p.cadres = get_codes(r.getCadres());
  p.skills = get_codes(r.getSkills());
  p.facility_ids = texts_from_capnp(r.getFacilityIds());
  p.organization_ids = texts_from_capnp(r.getOrganizationIds());
  p.district = r.getDistrictCode();
  for (auto ph : r.getPhones()) {
    // A channel this build does not know (a newer node's) is kept as written and reaches nobody
    // here (PhoneNumber::urn).
    p.phones.push_back(PhoneNumber{ph.getRaw(), ph.getE164(), ph.getValid(), ph.getMobile(),
                                   static_cast<Channel>(ph.getChannel())});
  }
  p.preferred_channel = parse_channel(r.getPreferredChannel().cStr());
  auto status = static_cast<uint16_t>(r.getStatus());
  p.status = status <= 2 ? static_cast<RecordStatus>(status) : RecordStatus::unknown;
  p.updated = r.getUpdated();
  p.removed = r.getRemoved();
  p.source = r.getSource();
  p.correction = r.getCorrection();
  p.source_differs = r.getSourceDiffers();
  p.origin = r.getOrigin();
  return p;
}

FacilityRecord from_capnp(schema::Facility::Reader r) {
  FacilityRecord f;
  f.entity_id = r.getEntityId();
  f.name = r.getName();
  f.organization_ids = texts_from_capnp(r.getOrganizationIds());
  f.district = r.getDistrictCode();
  f.updated = r.getUpdated();
  f.removed = r.getRemoved();
  f.source = r.getSource();
  f.origin = r.getOrigin();
  f.facility_types = get_codes(r.getFacilityTypes());
  return f;
}

OrganizationRecord from_capnp(schema::Organization::Reader r) {
  OrganizationRecord o;
  o.entity_id = r.getEntityId();
  o.name = r.getName();
  o.parent_id = r.getParentId();
  o.district = r.getDistrictCode();
  o.updated = r.getUpdated();
  o.removed = r.getRemoved();
  o.source = r.getSource();
  return o;
}

CodeList from_capnp(schema::CodeList::Reader r) {
  return CodeList{r.getOid(), r.getName(), get_codes(r.getCodes())};
}

template <typename Record>
std::string encode_record(const Record& record) {
  capnp::MallocMessageBuilder message(256);
  to_capnp(record, message.initRoot<typename SchemaOf<Record>::Type>());
  kj::Array<capnp::word> words = capnp::messageToFlatArray(message);
  return std::string(reinterpret_cast<const char*>(words.begin()), words.size() * sizeof(capnp::word));
}

template <typename Record>
Result<Record> decode_record(std::string_view bytes) {
  if (bytes.size() % sizeof(capnp::word) != 0 || bytes.empty()) {
    return corruption("registry record of " + std::to_string(bytes.size()) + " bytes is not a message");
  }
  kj::Array<capnp::word> words = kj::heapArray<capnp::word>(bytes.size() / sizeof(capnp::word));
  std::memcpy(words.begin(), bytes.data(), bytes.size());
  Result<Record> out = corruption("registry record does not decode");
  kj::runCatchingExceptions([&] {
    capnp::FlatArrayMessageReader reader(words);
    out = from_capnp(reader.getRoot<typename SchemaOf<Record>::Type>());
  });
  return out;
}

template std::string encode_record(const ProviderRecord&);
template std::string encode_record(const FacilityRecord&);
template std::string encode_record(const OrganizationRecord&);
template std::string encode_record(const CodeList&);
template Result<ProviderRecord> decode_record(std::string_view);
template Result<FacilityRecord> decode_record(std::string_view);
template Result<OrganizationRecord> decode_record(std::string_view);
template Result<CodeList> decode_record(std::string_view);

}  // namespace mhero::registry
