#include <catch2/catch.hpp>

#include <capnp/serialize.h>

#include "store/entry.h"
#include "support/entries.h"

using namespace mhero;
using mhero::testing::make_note_entry;
using mhero::testing::test_key;

TEST_CASE("an entry round-trips through its encoded form") {
  NodeKey key = test_key(1);
  Entry e = make_note_entry(key, "national", 1, Hash256{}, "hello", 42);
  auto back = Entry::decode(e.encode());
  REQUIRE(back.ok());
  CHECK(back->id() == e.id());
  CHECK(back->seq() == 1);
  CHECK(back->hlc_time() == 42);
  CHECK(back->feed() == FeedId{key.id(), "national"});
  CHECK(std::string(back->payload().getNote()) == "hello");
  CHECK(back->signature_valid());
  CHECK(back->encoded_size() == e.encode().size());
  CHECK(back->kind_name() == "note");
}

TEST_CASE("decode refuses malformed bytes with the place named") {
  NodeKey key = test_key(1);
  std::string bytes = make_note_entry(key, "national", 1, Hash256{}, "hello").encode();
  auto truncated = Entry::decode(bytes.substr(0, bytes.size() - 8), "stick.raw entry 3");
  REQUIRE_FALSE(truncated.ok());
  CHECK(truncated.status().code() == StatusCode::corruption);
  CHECK_THAT(truncated.status().message(), Catch::StartsWith("stick.raw entry 3"));
  CHECK_FALSE(Entry::decode("abc").ok());
  CHECK_FALSE(Entry::decode(std::string(64, '\xff')).ok());
}

TEST_CASE("a scope that is neither national nor district/<code> is refused") {
  NodeKey key = test_key(1);
  std::string bytes = make_note_entry(key, "district/BONG", 1, Hash256{}, "x").encode();
  auto pos = bytes.find("district/BONG");
  REQUIRE(pos != std::string::npos);
  bytes[pos + 9] = '/';  // "district//ONG"
  auto r = Entry::decode(bytes);
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(r.status().message(), Catch::Contains("scope"));
}

TEST_CASE("the hand-laid encoding is byte-identical to Cap'n Proto's own") {
  for (std::string text : {"", "x", "a longer note that spans several words of the segment"}) {
    Entry e = make_note_entry(test_key(4), "district/LOFA", 3, Hash256{}, text);
    capnp::MallocMessageBuilder message;
    auto root = message.initRoot<schema::SignedEntry>();
    auto body = e.body_bytes();
    auto sig = e.signature();
    root.setBody(capnp::Data::Reader(reinterpret_cast<const kj::byte*>(body.data()), body.size()));
    root.setSignature(capnp::Data::Reader(reinterpret_cast<const kj::byte*>(sig.data()), sig.size()));
    auto flat = capnp::messageToFlatArray(message);
    std::string reference(reinterpret_cast<const char*>(flat.asBytes().begin()), flat.asBytes().size());
    CHECK(e.encode() == reference);
    CHECK(e.encoded_size() == reference.size());
  }
}
