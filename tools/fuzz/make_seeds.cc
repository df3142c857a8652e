// fuzz-seeds OUTDIR: writes the generated seed inputs of the fuzz targets into OUTDIR/<target>/
// (tools/fuzz.sh adds the real files of ../shared/data and the committed seeds/). Everything is
// built with this program's own writers — the same bytes the node sends, stores and exports —
// from the fixed keys of fuzz_support.h, so the seeds are deterministic but for the bundles'
// fresh body keys.
#include <capnp/message.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "body_seal.h"
#include "bundle/body_writer.h"
#include "bundle/header.h"
#include "bundle/record_codec.h"
#include "node/config.h"
#include "replication/batch.h"
#include "replication/messages.h"

namespace fs = std::filesystem;
using namespace mhero;

namespace {

fs::path out_dir;

void put(const std::string& target, const std::string& name, std::string_view bytes) {
  fs::create_directories(out_dir / target);
  std::ofstream(out_dir / target / name, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

std::vector<Entry> note_chain(const NodeKey& key, const std::string& scope, int count) {
  std::vector<Entry> out;
  Hash256 prev{};
  for (int i = 1; i <= count; ++i) {
    capnp::MallocMessageBuilder message;
    message.initRoot<schema::Payload>().setNote("note " + std::to_string(i) + " for " + scope);
    out.push_back(Entry::create(key, scope, static_cast<uint64_t>(i), prev, 1000u + static_cast<uint64_t>(i),
                                message.getRoot<schema::Payload>().asReader()));
    prev = out.back().id();
  }
  return out;
}

std::string frame(const sync::Message& m) {
  std::string body = sync::encode(m);
  std::string out(4, '\0');
  for (int i = 0; i < 4; ++i) out[static_cast<size_t>(i)] = static_cast<char>((body.size() >> (24 - 8 * i)) & 0xff);
  return out + body;
}

// The plaintext of a body written by BodyWriter (opened with the fixed recipient key).
std::string body_plaintext(const std::vector<Entry>& entries, uint32_t format) {
  std::ostringstream sealed;
  auto writer = bundle::BodyWriter::start(fuzz::recipient_key().id(), sealed, 3, format);
  for (const Entry& e : entries) (void)(*writer)->add(e);
  (void)(*writer)->finish();
  std::string body = sealed.str();
  auto secret = fuzz::recipient_key().x25519_secret();
  auto pub = *x25519_public(fuzz::recipient_key().id());
  unsigned char key[crypto_secretstream_xchacha20poly1305_KEYBYTES];
  auto* p = reinterpret_cast<const unsigned char*>(body.data());
  if (crypto_box_seal_open(key, p, crypto_box_SEALBYTES + sizeof key, pub.data(), secret.data()) != 0) return {};
  size_t pos = crypto_box_SEALBYTES + sizeof key;
  crypto_secretstream_xchacha20poly1305_state state;
  if (crypto_secretstream_xchacha20poly1305_init_pull(&state, p + pos, key) != 0) return {};
  pos += crypto_secretstream_xchacha20poly1305_HEADERBYTES;
  std::string zstd;
  while (pos + 4 <= body.size()) {
    size_t len = (size_t{p[pos]} << 24) | (size_t{p[pos + 1]} << 16) | (size_t{p[pos + 2]} << 8) | p[pos + 3];
    pos += 4;
    std::string plain(len, '\0');
    unsigned long long n = 0;
    unsigned char tag = 0;
    crypto_secretstream_xchacha20poly1305_pull(&state, reinterpret_cast<unsigned char*>(plain.data()), &n, &tag,
                                               p + pos, len, nullptr, 0);
    pos += len;
    zstd.append(plain.data(), n);
  }
  std::string out;
  ZSTD_DCtx* d = ZSTD_createDCtx();
  ZSTD_inBuffer in{zstd.data(), zstd.size(), 0};
  std::string buf(1 << 16, '\0');
  while (in.pos < in.size) {
    ZSTD_outBuffer o{buf.data(), buf.size(), 0};
    if (ZSTD_isError(ZSTD_decompressStream(d, &o, &in))) break;
    out.append(buf.data(), o.pos);
  }
  ZSTD_freeDCtx(d);
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: fuzz-seeds OUTDIR\n");
    return 2;
  }
  out_dir = argv[1];
  const NodeKey& sender = fuzz::sender_key();
  auto national = note_chain(sender, "national", 5);
  auto district = note_chain(sender, "district/D01", 3);

  // Entries (stored/wire form).
  for (size_t i = 0; i < 3; ++i) put("entry", "note-" + std::to_string(i), national[i].encode());
  put("entry", "district-note", district[0].encode());

  // Sync messages and a receiving session's stream.
  sync::Hello hello;
  hello.node = sender.id();
  hello.district = "D01";
  hello.version = sync::protocol_version();
  hello.scopes = {"national", "district/D01"};
  hello.frontier.set(national[0].feed(), 5);
  BatchCompressor compressor(3);
  std::string raw = pack_entries(national);
  sync::Batch batch{1, static_cast<uint32_t>(national.size()), static_cast<uint32_t>(raw.size()),
                    compressor.compress(raw)};
  sync::Ack ack{1, hello.frontier};
  sync::Done done{5};
  sync::Error error{"bad_prev", "entry 3 does not follow entry 2"};
  // A batch in the records encoding, as decompressed (sync_records).
  for (const auto* chain : {&national, &district}) {
    std::string records;
    bundle::RecordEncoder encoder([&](std::string_view bytes, bool) {
      records += bytes;
      return Status{};
    });
    for (const Entry& e : *chain) (void)encoder.add(e);
    (void)encoder.flush();
    put("sync_records", chain == &national ? "national-run" : "district-run", records);
  }
  put("sync_message", "hello", sync::encode(hello));
  put("sync_message", "batch", sync::encode(batch));
  put("sync_message", "ack", sync::encode(ack));
  put("sync_message", "done", sync::encode(done));
  put("sync_message", "error", sync::encode(error));
  std::string raw2 = pack_entries(district);
  sync::Batch batch2{2, static_cast<uint32_t>(district.size()), static_cast<uint32_t>(raw2.size()),
                     compressor.compress(raw2)};
  put("sync_frame", "session", frame(hello) + frame(batch) + frame(batch2) + frame(done));
  put("sync_frame", "refused", frame(hello) + frame(error));

  // Bundle fronts and body plaintexts.
  bundle::Header header;
  header.sender = sender.id();
  header.recipient = fuzz::recipient_key().id();
  header.created_at_ms = 1'700'000'000'000;
  header.covers.set(national[0].feed(), 5);
  header.entry_count = 5;
  header.ranges = {{national[0].feed(), 1, 5}};
  put("bundle_header", "v2-one-feed", bundle::encode_front(header, sender));
  header.format_version = 1;
  header.part_count = 2;
  header.ranges.push_back({district[0].feed(), 1, 3});
  put("bundle_header", "v1-two-parts", bundle::encode_front(header, sender));
  std::vector<Entry> all = national;
  all.insert(all.end(), district.begin(), district.end());
  put("bundle_body", "v1", std::string(1, '\0') + body_plaintext(all, 1));
  put("bundle_body", "v2", std::string(1, '\1') + body_plaintext(all, 2));

  // config.toml as `mhero init` writes it.
  put("config", "district", NodeConfig::initial_text(Role::district, "D01", sender.id()));
  put("config", "central", NodeConfig::initial_text(Role::central, "", sender.id()));
  return 0;
}
