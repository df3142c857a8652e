// Cap'n Proto List(Text) fields <-> std::vector<std::string>, shared by the codecs that map
// records onto schema/*.capnp structs (Cap'n Proto 0.9).
#pragma once

#include <capnp/blob.h>
#include <capnp/list.h>

#include <string>
#include <string_view>
#include <vector>

namespace mhero {

/// The bytes of a Data field, viewed (valid while the message is).
inline std::string_view data_view(capnp::Data::Reader data) {
  return {reinterpret_cast<const char*>(data.begin()), data.size()};
}

/// The texts of a List(Text) reader, in order, each copied whole (all of its bytes, as the
/// single Text fields are copied by the codecs).
template <typename ListReader>
std::vector<std::string> texts_from_capnp(ListReader list) {
  std::vector<std::string> out;
  out.reserve(list.size());
  for (auto t : list) out.emplace_back(t.begin(), t.size());
  return out;
}

/// Writes `texts` into `list`, a List(Text) builder initialised with texts.size() elements
/// (e.g. `set_texts(b.initNames(static_cast<unsigned>(names.size())), names)`).
template <typename ListBuilder>
void set_texts(ListBuilder list, const std::vector<std::string>& texts) {
  for (unsigned i = 0; i < texts.size(); ++i) list.set(i, texts[i]);
}

}  // namespace mhero
