#include "replication/session.h"

#include <nlohmann/json.hpp>

#include <array>
#include <chrono>
#include <cstdlib>
#include <deque>
#include <optional>
#include <set>

#include <spdlog/spdlog.h>

#include "node/enrollment.h"
#include "node/holding.h"
#include "replication/batch.h"
#include "replication/frame.h"
#include "replication/send_window.h"
#include "store/scope.h"
#include "store/signature_check.h"

namespace mhero::sync {

namespace {

constexpr size_t kMaxRawBatchBytes = 64u * 1024 * 1024;  // Decompressed batch cap.

// How long a stopping node waits for the peer to read its last frame (the peer closes its side
// then): behind a full send window of 64 KiB that takes 5.5 s at 96 kbit/s (2G).
constexpr std::chrono::milliseconds kStoppingFrameWait{6000};

// A pipelining sender reads acks only when its window is full, so the acks of the batches in
// flight must fit in the socket buffers meanwhile (Linux gives at least 128 KiB of receive
// buffer), or both sides would block writing. An ack carries the new head of each feed its batch
// touched: about 80 bytes a feed, packed.
constexpr size_t kAckBytesInFlightMax = 32 * 1024;
size_t ack_bytes_estimate(const std::vector<Entry>& entries) {
  std::set<FeedId> feeds;
  for (const Entry& e : entries) feeds.insert(e.feed());
  return 32 + 80 * feeds.size();
}

Status from_peer_error(const Error& e) {
  std::string message = "peer ended the session: " + e.message;
  if (e.revoked_at_ms != 0) message = "peer refused this node as revoked: " + e.message;
  for (StatusCode code : {StatusCode::invalid_argument, StatusCode::not_found, StatusCode::already_exists,
                          StatusCode::unavailable, StatusCode::aborted, StatusCode::failed_precondition,
                          StatusCode::corruption, StatusCode::permission_denied,
                          StatusCode::resource_exhausted}) {
    if (e.code == status_code_name(code)) return Status(code, message);
  }
  return unavailable(message);
}

class Session {
 public:
  Session(Side side, ByteStream& stream, LogStore& store, const NodeId& self, const NodeConfig& config,
          const SessionOptions& options)
      : side_(side), channel_(stream, options.frame_bytes_max), store_(store), self_(self), config_(config),
        options_(options) {}

  SessionResult run() {
    Status s = run_steps();
    if (s.ok()) s = learn_own_heads();
    if (!s.ok() && (stopping() || channel_.stream().interrupted())) s = end_as_stopping();
    result_.status = s;
    result_.bytes_read = channel_.stream().bytes_read();
    result_.bytes_written = channel_.stream().bytes_written();
    result_.frames_sent = channel_.frames_sent();
    result_.frames_received = channel_.frames_received();
    return std::move(result_);
  }

 private:
  Status run_steps() {
    if (options_.authenticated_peer) MHERO_RETURN_IF_ERROR(local(identify(*options_.authenticated_peer)));
    if (side_ == Side::dialer) {
      hello_sent_ms_ = now_ms();
      Hello hello = my_hello();
      my_hello_frontier_ = hello.frontier;
      MHERO_RETURN_IF_ERROR(channel_.send(hello));
      MHERO_RETURN_IF_ERROR(receive_hello());
      MHERO_RETURN_IF_ERROR(send_all());
      return receive_all();
    }
    MHERO_RETURN_IF_ERROR(receive_hello());
    MHERO_ASSIGN_OR_RETURN(auto planner, local_r(plan_for_peer()));
    if (peer_early_done_ && planner->remaining() == 0 && evidence_for_peer().empty()) {
      // Nothing for the dialer, which accepts an early done: this side's `done` goes with its
      // hello, one record and half a round trip less for a no-op.
      std::array<Message, 2> flight{my_hello(), Done{0}};
      MHERO_RETURN_IF_ERROR(channel_.send(flight));
      return receive_all();
    }
    MHERO_RETURN_IF_ERROR(channel_.send(my_hello()));
    MHERO_RETURN_IF_ERROR(receive_all());
    return send_all();
  }

  // The entries the peer lacks and may hold (its hello's frontier, raised by its acks).
  Result<std::unique_ptr<BatchPlanner>> plan_for_peer() {
    return BatchPlanner::plan(store_, result_.peer_frontier, [this](const FeedId& f) {
      return peer_may_hold(f) && !store_.frozen(f);  // Nothing after a fork.
    });
  }

  bool stopping() const { return options_.stop && options_.stop->load(); }

  // The peer ended the session with an error frame (a refusal, or its stop): not a cut link.
  Status peer_error(const Error& e) {
    result_.peer_ended = true;
    return from_peer_error(e);
  }

  void report_progress() {
    if (!options_.on_progress) return;
    options_.on_progress(SessionProgress{result_.entries_sent, result_.entries_received,
                                         channel_.stream().bytes_written(), channel_.stream().bytes_read()});
  }

  // This node is stopping (`mhero run` got SIGTERM: a service stop or restart) and the session
  // ended between frames: the peer is told why, so that it does not report a cut link, and the
  // stream ends in order (ByteStream::end_after_last_frame) so that the frame reaches it.
  Status end_as_stopping() {
    std::string who = config_.role == Role::central ? "the central node" : "district node " + config_.district;
    std::string message = who + " is stopping (its service was stopped or restarted); it keeps every batch it "
                          "acknowledged, and the next sync continues from there";
    if (!channel_.send(Error{status_code_name(StatusCode::unavailable), message}).ok()) {
      return aborted("this node is stopping: the session ended (the link was already down, so the peer was not told)");
    }
    if (!channel_.stream().end_after_last_frame(kStoppingFrameWait)) {
      return aborted("this node is stopping: the session ended between batches; the reason was sent, but the link "
                     "was too slow for the peer to read it before the stop");
    }
    return aborted("this node is stopping: the session ended between batches, and the peer was told");
  }

  // A failure found here: tell the peer (best effort) and return it.
  Status local(Status s) {
    if (!s.ok() && s.code() != StatusCode::unavailable) {
      (void)channel_.send(Error{status_code_name(s.code()), s.message()});
    }
    return s;
  }

  Status identify(const NodeId& peer) {
    if (peer == self_) return permission_denied("the peer presents this node's own key " + peer.hex());
    std::optional<CentralKeyRecord> central;  // The pin or a key linked to it by hand-overs.
    if (config_.central_key) {
      MHERO_ASSIGN_OR_RETURN(central, central_key_status(store_.views(), *config_.central_key, peer));
    }
    if (central && central->retired) return permission_denied("peer " + peer.hex() + " is a retired central key");
    if (central) {
      peer_role_ = Role::central;
      peer_district_.clear();
    } else {
      MHERO_ASSIGN_OR_RETURN(auto enrolled, find_enrolled(store_.views(), peer));
      if (!enrolled) return permission_denied("peer " + peer.hex() + " is neither the pinned central key nor enrolled");
      if (enrolled->revoked) return refuse_revoked(*enrolled);
      peer_role_ = Role::district;
      peer_district_ = enrolled->district;
    }
    result_.peer = peer;
    result_.peer_role = *peer_role_;
    result_.peer_district = peer_district_;
    return {};
  }

  // A revoked peer is told so (when, by which central key, what to do) before the session ends.
  Status refuse_revoked(const EnrolledKey& k) {
    std::string message =
        "key " + k.key.hex() + (k.district.empty() ? "" : " of district " + k.district) + " was revoked" +
        (k.revoked_ms ? " at " + iso_time_ms(k.revoked_ms) : "") +
        (k.revoked_by ? " by central key " + k.revoked_by->hex() : "") +
        (k.retired ? " (retired after a key rotation)" : "") +
        ": the central node refuses its sessions and its new entries. Revocation is final: make a new key "
        "(`mhero init` in a new directory) and have the central node enroll it (`mhero enroll --key NEW-KEY "
        "--district " + (k.district.empty() ? std::string("CODE") : k.district) + "`)";
    Error e{status_code_name(StatusCode::permission_denied), message, 0, k.revoked_ms ? k.revoked_ms : 1, k.revoked_by};
    (void)channel_.send(e);
    return permission_denied(message);
  }

  bool peer_may_hold(const FeedId& feed) const {
    if (!peer_role_) return true;
    if (!may_hold(*peer_role_, peer_district_, feed)) return false;
    return peer_scopes_.empty() || peer_scopes_.count(feed.scope) > 0;
  }

  Hello my_hello() const {
    Hello h;
    h.node = self_;
    h.role = config_.role;
    h.district = config_.role == Role::district ? config_.district : "";
    h.version = protocol_version();
    h.sent_at_ms = options_.clock ? options_.clock->now().count() : 0;
    h.scopes = scopes_wanted(config_);
    h.early_done = side_ == Side::dialer;
    h.record_batches = !options_.entry_batches_only;
    Frontier mine = store_.frontier();
    for (const auto& [feed, seq] : mine.feeds()) {
      if (peer_may_hold(feed)) h.frontier.set(feed, seq);
    }
    if (side_ == Side::dialer) {
      h.frontier_delta = !options_.entry_batches_only;
    } else if (peer_frontier_delta_) {  // Only where this side differs from the dialer's hello.
      Frontier full = std::move(h.frontier);
      h.frontier = Frontier{};
      for (const auto& [feed, seq] : full.feeds()) {
        if (peer_hello_frontier_.get(feed) != seq) h.frontier.set(feed, seq);
      }
      for (const auto& [feed, seq] : peer_hello_frontier_.feeds()) {
        if (full.get(feed) == 0) h.frontier_lacks.push_back(feed);
      }
      h.frontier_delta = true;
    }
    return h;
  }

  // The dialer: the listener's frontier, from its hello (a delta against this side's hello when
  // it says so). Errors: corruption (a delta this side did not ask for).
  Result<Frontier> listener_frontier(const Hello& h) const {
    if (side_ == Side::listener || !h.frontier_delta) return h.frontier;
    if (options_.entry_batches_only) return corruption("hello: a frontier delta that this node did not ask for");
    Frontier full = my_hello_frontier_;
    for (const FeedId& feed : h.frontier_lacks) full.set(feed, 0);
    for (const auto& [feed, seq] : h.frontier.feeds()) full.set(feed, seq);
    return full;
  }

  Status receive_hello() {
    MHERO_ASSIGN_OR_RETURN(Message m, channel_.receive());
    int64_t arrived_ms = now_ms();
    if (auto* e = std::get_if<Error>(&m)) {
      if (e->retry_after_ms != 0) result_.retry_after = std::chrono::milliseconds(e->retry_after_ms);
      return peer_error(*e);
    }
    auto* h = std::get_if<Hello>(&m);
    if (!h) return local(corruption(std::string("expected hello, got ") + message_name(m)));
    if (h->version != protocol_version()) {
      return local(failed_precondition("protocol version mismatch: the peer speaks version " +
                                       std::to_string(h->version) + ", this node version " +
                                       std::to_string(protocol_version()) + "; upgrade the older node"));
    }
    if (options_.authenticated_peer && h->node != *options_.authenticated_peer) {
      return local(permission_denied("hello names node " + h->node.hex() + " but TLS authenticated " +
                                     options_.authenticated_peer->hex()));
    }
    if (!options_.authenticated_peer) MHERO_RETURN_IF_ERROR(local(identify(h->node)));
    if (h->role != *peer_role_ || (h->role == Role::district && h->district != peer_district_)) {
      return local(permission_denied("peer " + h->node.hex() + " says it is " + role_name(h->role) + " " +
                                     h->district + " but this node knows it as " + role_name(*peer_role_) +
                                     " " + peer_district_));
    }
    if (side_ == Side::listener && options_.admit) {
      if (std::optional<Error> refusal = options_.admit(h->node)) {
        (void)channel_.send(*refusal);
        return Status(refusal->code == status_code_name(StatusCode::resource_exhausted) ? StatusCode::resource_exhausted
                                                                                         : StatusCode::unavailable,
                      refusal->message);
      }
    }
    peer_scopes_ = std::set<std::string>(h->scopes.begin(), h->scopes.end());
    peer_early_done_ = side_ == Side::listener && h->early_done;
    peer_record_batches_ = h->record_batches && !options_.entry_batches_only;
    peer_arrival_ = {{"via", "session"}, {"peer", h->node.hex()}, {"peer_role", role_name(h->role)},
                     {"peer_district", h->district}, {"dialed", side_ == Side::dialer}};
    peer_frontier_delta_ = side_ == Side::listener && h->frontier_delta && !options_.entry_batches_only;
    MHERO_ASSIGN_OR_RETURN(Frontier peer_frontier, local_r(listener_frontier(*h)));
    result_.peer_frontier = peer_frontier;
    peer_hello_frontier_ = std::move(peer_frontier);
    if (options_.clock && h->sent_at_ms != 0) {
      int64_t here = side_ == Side::dialer ? hello_sent_ms_ + (arrived_ms - hello_sent_ms_) / 2 : arrived_ms;
      result_.clock_offset_ms = here - h->sent_at_ms;
      int64_t skew = *result_.clock_offset_ms;
      if (options_.max_clock_skew.count() > 0 && std::abs(skew) > options_.max_clock_skew.count()) {
        return local(failed_precondition(
            clock_skew_message(skew, here, options_.max_clock_skew, config_.role, h->role)));
      }
    }
    return {};
  }

  int64_t now_ms() const { return options_.clock ? options_.clock->now().count() : 0; }

  // The peer caught this node up on its own feeds (a restored or copied node learns its heads
  // this way: store/write_hold.cc): every feed this node signed that the peer announced is now
  // held here at least as far. A central peer holds every scope; a district its two.
  Status learn_own_heads() {
    if (!store_.write_hold() || !peer_role_) return {};
    for (const auto& [feed, seq] : peer_hello_frontier_.feeds()) {
      if (feed.author == self_ && store_.head_seq(feed) < seq) return {};
    }
    std::vector<std::string> scopes = {"*"};
    if (*peer_role_ == Role::district) scopes = {std::string(kNationalScope), district_scope(peer_district_)};
    std::string from = std::string("a sync session with ") + role_name(*peer_role_) + (peer_district_.empty() ? "" : " " + peer_district_) +
                       " (" + result_.peer->hex() + ")" + (options_.clock ? " at " + iso_time_ms(now_ms()) : std::string());
    Status s = store_.learned_heads(scopes, from);
    if (!s.ok()) return s;
    spdlog::info("learned this node's own heads from {}", from);
    if (config_.role == Role::central) {  // A restored central node learns district by district.
      auto ended = end_central_hold_when_learned(store_, from);
      if (!ended.ok()) return ended.status();
      if (*ended) spdlog::info("write hold ended: every enrolled district and national gave back this node's heads");
    }
    return {};
  }

  // Fork evidence this node holds about feeds the peer holds up to the fork: sent first, so the
  // peer records the fork too (its ingest finds the two entries) and freezes the feed.
  std::vector<Entry> evidence_for_peer() const {
    std::vector<Entry> out;
    for (ForkRecord& fork : store_.forks()) {
      if (!peer_may_hold(fork.feed) || result_.peer_frontier.get(fork.feed) < fork.seq) continue;
      for (Entry& e : fork.entries) out.push_back(std::move(e));
    }
    return out;
  }

  // A batch sent and not yet acknowledged.
  struct InFlight {
    uint64_t number;
    size_t entries;
    size_t bytes;      // Compressed.
    size_t ack_bytes;  // Estimated size of its ack.
    SendWindow::Time sent_at;
  };

  // Batches go out without waiting for each ack while the window allows (replication/
  // send_window.h); the peer ingests and acknowledges them in order. A cut loses at most what
  // was in flight.
  Status send_all() {
    MHERO_ASSIGN_OR_RETURN(auto planner, local_r(plan_for_peer()));
    BatchCompressor compressor;
    SendWindow window(options_.window_min_bytes, options_.window_max_bytes);
    std::deque<InFlight> in_flight;
    size_t in_flight_bytes = 0, ack_bytes_in_flight = 0;
    std::optional<SendWindow::Time> first_sent_at;
    std::optional<Batch> next;  // Built, waiting for room in the window.
    size_t next_entries = 0, next_ack_bytes = 0;
    bool planned_all = false;
    uint64_t number = 0;
    std::vector<Entry> evidence = evidence_for_peer();
    while (true) {
      while (true) {  // Fill the window.
        if (!next && !planned_all) {
          if (stopping()) return aborted("this node is stopping");  // run() tells the peer.
          std::vector<Entry> entries;
          if (!evidence.empty()) {
            entries = std::move(evidence);
            evidence.clear();
          } else {
            MHERO_ASSIGN_OR_RETURN(entries, local_r(planner->next(options_.batch_bytes)));
          }
          if (entries.empty()) {
            planned_all = true;
          } else {
            next = pack(++number, entries, compressor);
            next_entries = entries.size();
            next_ack_bytes = ack_bytes_estimate(entries);
          }
        }
        if (!next || !window.admits(in_flight_bytes, in_flight.size(), next->zstd.size())) break;
        if (!in_flight.empty() && ack_bytes_in_flight + next_ack_bytes > kAckBytesInFlightMax) break;
        auto sent_at = SendWindow::Clock::now();
        ++result_.batches_begun;
        if (Status s = channel_.send(*next); !s.ok()) return after_cut(std::move(s), in_flight);
        if (!first_sent_at) first_sent_at = sent_at;
        in_flight.push_back({next->number, next_entries, next->zstd.size(), next_ack_bytes, sent_at});
        in_flight_bytes += next->zstd.size();
        ack_bytes_in_flight += next_ack_bytes;
        result_.batches_in_flight_max = std::max<uint64_t>(result_.batches_in_flight_max, in_flight.size());
        next.reset();
      }
      if (in_flight.empty()) break;
      MHERO_ASSIGN_OR_RETURN(Message m, channel_.receive());
      if (side_ == Side::dialer && !peer_done_ && std::holds_alternative<Done>(m)) {
        peer_done_ = true;  // The listener had nothing to send (hello's earlyDone): the ack follows.
        MHERO_ASSIGN_OR_RETURN(m, channel_.receive());
      }
      const InFlight oldest = in_flight.front();
      MHERO_RETURN_IF_ERROR(take_ack(m, oldest.number, oldest.entries));
      auto acked_at = SendWindow::Clock::now();
      window.acked(oldest.bytes, oldest.sent_at, acked_at);
      result_.batch_bytes_acked += oldest.bytes;
      result_.sending_time = std::chrono::duration_cast<std::chrono::microseconds>(acked_at - *first_sent_at);
      in_flight.pop_front();
      in_flight_bytes -= oldest.bytes;
      ack_bytes_in_flight -= oldest.ack_bytes;
    }
    return channel_.send(Done{result_.entries_sent});
  }

  Batch pack(uint64_t number, const std::vector<Entry>& entries, BatchCompressor& compressor) const {
    Batch batch{number, static_cast<uint32_t>(entries.size()), 0, {}};
    if (peer_record_batches_) {  // Each entry about its payload and its signature.
      batch.encoding = kBatchRecords;
      batch.zstd = compressor.compress_records(entries, batch.raw_bytes);
    } else {
      std::string raw = pack_entries(entries);
      batch.raw_bytes = static_cast<uint32_t>(raw.size());
      batch.zstd = compressor.compress(raw);
    }
    return batch;
  }

  // `m` should acknowledge batch `number` of `entries` entries.
  Status take_ack(const Message& m, uint64_t number, size_t entries) {
    if (auto* e = std::get_if<Error>(&m)) return peer_error(*e);
    auto* ack = std::get_if<Ack>(&m);
    if (!ack || ack->number != number) return local(corruption("expected ack of batch " + std::to_string(number)));
    result_.peer_frontier.merge(ack->frontier);
    result_.entries_sent += entries;  // (Evidence entries included.)
    ++result_.batches_sent;
    report_progress();
    return {};
  }

  // A batch could not be written: the peer may have refused an earlier one and ended the
  // session. Its error frame, if it reached this side, says why better than the broken stream;
  // the acks before it still count.
  Status after_cut(Status write_failed, std::deque<InFlight>& in_flight) {
    for (int frames = 0; frames < static_cast<int>(SendWindow::kMaxBatchesInFlight) + 2; ++frames) {
      Result<Message> m = channel_.receive();
      if (!m.ok()) break;
      if (auto* e = std::get_if<Error>(&*m)) return peer_error(*e);
      if (std::holds_alternative<Done>(*m)) continue;  // The listener's early done.
      if (in_flight.empty() || !take_ack(*m, in_flight.front().number, in_flight.front().entries).ok()) break;
      in_flight.pop_front();
    }
    return write_failed;
  }

  // A batch received whole, its signatures being checked, not yet committed nor acknowledged.
  struct Received {
    uint64_t number = 0;
    std::vector<Entry> entries;
    std::set<FeedId> touched;
    std::unique_ptr<SignatureCheck> signatures;  // Of `entries`, started on arrival.
  };

  // Batches are committed and acknowledged whole and in order. Each batch's signatures are
  // checked from its arrival, so that batch n+1 is verified while batch n commits (its fsync).
  // A batch waits for its commit only while bytes of the next frame are already here: a sender
  // that waits for each ack (turn by turn, an older node) is never kept waiting. What arrived
  // whole is kept even when the frame after it is bad or the link breaks.
  Status receive_all() {
    if (peer_done_) return {};  // Its done came early, with nothing before it.
    BatchDecompressor decompressor;
    uint64_t expected = 1;
    std::optional<Received> held;
    while (true) {
      if (held && !channel_.stream().readable_now()) MHERO_RETURN_IF_ERROR(commit(held));
      Result<Message> m = channel_.receive();
      auto* batch = m.ok() ? std::get_if<Batch>(&*m) : nullptr;
      if (batch == nullptr) {
        Status kept = commit(held);
        // A broken link or the peer's error says more than a failed ack after it.
        if (!kept.ok() && kept.code() != StatusCode::unavailable) return kept;
        if (!m.ok()) return m.status();
        if (auto* e = std::get_if<Error>(&*m)) return peer_error(*e);
        MHERO_RETURN_IF_ERROR(kept);
        if (std::holds_alternative<Done>(*m)) return {};
        return local(corruption(std::string("expected batch or done, got ") + message_name(*m)));
      }
      Result<Received> next = unpack(*batch, expected++, decompressor);
      if (!next.ok()) {
        MHERO_RETURN_IF_ERROR(commit(held));
        return local(next.status());
      }
      next->signatures = store_.check_signatures(next->entries);
      Status committed = commit(held);  // While `next` is being checked.
      held = std::move(*next);
      if (!committed.ok()) {
        if (committed.code() == StatusCode::unavailable) (void)commit(held);  // The ack could not go out.
        return committed;
      }
    }
  }

  // Decodes batch `expected` and checks that this node may hold every feed in it.
  Result<Received> unpack(const Batch& batch, uint64_t expected, BatchDecompressor& decompressor) {
    std::string where = "batch " + std::to_string(batch.number);
    if (batch.number != expected) return corruption(where + ": expected batch " + std::to_string(expected));
    MHERO_ASSIGN_OR_RETURN(std::string raw, decompressor.decompress(batch.zstd, batch.raw_bytes, kMaxRawBatchBytes));
    if (batch.encoding != kBatchEntries && batch.encoding != kBatchRecords) {
      return corruption(where + ": encoding " + std::to_string(batch.encoding) + " is not one this node reads (0 or 1)");
    }
    Received r{batch.number, {}, {}, nullptr};
    MHERO_ASSIGN_OR_RETURN(r.entries, batch.encoding == kBatchRecords ? unpack_records(raw, where)
                                                                      : unpack_entries(raw, where));
    if (r.entries.size() != batch.entry_count) {
      return corruption(where + ": holds " + std::to_string(r.entries.size()) + " entries, announced " +
                        std::to_string(batch.entry_count));
    }
    for (const Entry& e : r.entries) {
      if (!may_hold(config_.role, config_.district, e.feed())) {
        return permission_denied(where + ": feed " + e.feed().to_string() +
                                 " may not be held by this node; nothing of the batch was kept");
      }
      r.touched.insert(e.feed());
    }
    return r;
  }

  // Ingests the held batch, if any, and acknowledges it. `held` is empty after.
  Status commit(std::optional<Received>& held) {
    if (!held) return {};
    Received r = std::move(*held);
    held.reset();
    std::string where = "batch " + std::to_string(r.number);
    nlohmann::json arrival = peer_arrival_;
    arrival["at_ms"] = now_ms();
    IngestResult ingested = store_.ingest(r.entries, arrival.dump(), r.signatures.get());
    if (!ingested.ok() && ingested.status.code() == StatusCode::resource_exhausted) {
      // Whole batches only: the ones acknowledged before are kept, this one is not.
      return local(resource_exhausted(
          where + " (" + std::to_string(r.entries.size()) + " entries) was not kept: the disk is full (" +
          ingested.status.message() + "). This session kept " + std::to_string(result_.entries_received) +
          " entries in " + std::to_string(result_.batches_received) + " whole batches before it. Free disk space "
          "there; the next sync continues where this one stopped (`mhero run` retries by itself)"));
    }
    if (!ingested.ok()) {
      return local(ingested.status.with_context(where + " refused (" + ingest_fault_name(ingested.fault) +
                                                "; nothing of the batch was kept)"));
    }
    Ack ack{r.number, {}};
    for (const FeedId& f : r.touched) ack.frontier.set(f, store_.head_seq(f));
    result_.entries_received += ingested.added;
    ++result_.batches_received;
    Status sent = channel_.send(ack);
    report_progress();
    return sent;
  }

  template <typename T>
  Result<T> local_r(Result<T> r) {
    if (!r.ok()) return local(r.status());
    return r;
  }

  Side side_;
  FrameChannel channel_;
  LogStore& store_;
  NodeId self_;
  const NodeConfig& config_;
  const SessionOptions& options_;
  std::optional<Role> peer_role_;
  std::string peer_district_;
  std::set<std::string> peer_scopes_;
  Frontier peer_hello_frontier_;  // As the peer's hello announced it (acks do not raise it).
  bool peer_early_done_ = false;  // Listener: the dialer accepts an early done (Hello::early_done).
  bool peer_record_batches_ = false;  // The peer reads batches in the records encoding.
  bool peer_done_ = false;        // Dialer: the listener's done already came.
  bool peer_frontier_delta_ = false;  // Listener: the dialer asked for a frontier delta.
  Frontier my_hello_frontier_;    // Dialer: the frontier its hello announced.
  SessionResult result_;
  int64_t hello_sent_ms_ = 0;
  nlohmann::json peer_arrival_;  // How entries of this session arrive (LogStore::ingest arrival).
};

}  // namespace

std::string human_skew(int64_t ms) {
  uint64_t a = ms < 0 ? static_cast<uint64_t>(-(ms + 1)) + 1 : static_cast<uint64_t>(ms);
  constexpr uint64_t s = 1000, m = 60 * s, h = 60 * m, d = 24 * h;
  if (a >= d) return std::to_string(a / d) + " d " + std::to_string(a % d / h) + " h";
  if (a >= h) return std::to_string(a / h) + " h " + std::to_string(a % h / m) + " min";
  if (a >= m) return std::to_string(a / m) + " min " + std::to_string(a % m / s) + " s";
  if (a >= s) return std::to_string(a / s) + " s";
  return std::to_string(a) + " ms";
}

std::string clock_skew_message(int64_t offset_ms, int64_t my_now_ms, std::chrono::milliseconds bound,
                               Role self_role, Role peer_role) {
  // offset = this node's clock minus the peer's: positive when the peer's clock is behind.
  auto name = [](Role r) { return r == Role::central ? std::string("central node") : std::string("district node"); };
  std::string me = name(self_role), peer = name(peer_role);
  if (me == peer) peer = "other " + peer;
  return "clock skew: the " + me + "'s clock reads " + iso_time_ms(my_now_ms) + ", the " + peer + "'s " +
         iso_time_ms(my_now_ms - offset_ms) + ": the " + peer + "'s clock is " + human_skew(offset_ms) +
         (offset_ms > 0 ? " behind" : " ahead") + ", more than [sync] max_clock_skew_ms (" +
         std::to_string(bound.count()) + " ms); nothing was exchanged. The central node's clock is the "
         "reference: set the wrong clock right (`timedatectl set-ntp true`, or `date -u -s` with the correct "
         "UTC time), then sync again";
}

std::vector<std::string> scopes_wanted(const NodeConfig& config) {
  if (config.role == Role::central) return {};  // Everything.
  return {std::string(kNationalScope), district_scope(config.district)};
}

SessionResult run_session(Side side, ByteStream& stream, LogStore& store, const NodeId& self,
                          const NodeConfig& config, const SessionOptions& options) {
  return Session(side, stream, store, self, config, options).run();
}

}  // namespace mhero::sync
