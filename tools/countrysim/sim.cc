#include "countrysim/sim.h"

#include <boost/asio/ssl/context.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "countrysim/links.h"
#include "bundle/exporter.h"
#include "bundle/importer.h"
#include "bundle/peers.h"
#include "emulator.h"
#include "fleet/arrival_log.h"
#include "fleet/node_status_writer.h"
#include "gen_registry.h"
#include "messaging/answer_view.h"
#include "messaging/compose.h"
#include "messaging/message_query.h"
#include "messaging/messaging_service.h"
#include "messaging/registry_directory.h"
#include "net/http_server.h"
#include "node/backup.h"
#include "node/enrollment.h"
#include "node/holding.h"
#include "node/node.h"
#include "node/standard_views.h"
#include "registry/csd_parser.h"
#include "registry/importer.h"
#include "registry/registry_config.h"
#include "replication/peer_session.h"

namespace fs = std::filesystem;

namespace mhero::countrysim {

namespace {

constexpr int64_t kMonth = 30 * kDay;
constexpr int64_t kSeasonStart = 1'799'020'800'000;  // 2027-01-04T00:00:00Z, a Monday.
constexpr const char* kPassphrase = "countrysim: the district's backup passphrase";
constexpr const char* kSurveyFlow = "6a0a7c9e-3b51-4d0c-9f3e-2f1d0c0a1717";
constexpr const char* kToken = "countrysim-token";

// An independent random stream `stream` of the season's seed.
std::mt19937_64 stream_rng(uint64_t seed, uint32_t stream) {
  std::seed_seq seq{static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32), stream};
  return std::mt19937_64(seq);
}

std::string days_text(int days) { return std::to_string(days) + (days == 1 ? " day" : " days"); }

std::string day_text(int64_t t) { return "day " + std::to_string((t - kSeasonStart) / kDay); }

uint64_t dir_bytes(const fs::path& dir) {
  uint64_t total = 0;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    if (it->is_regular_file(ec)) total += it->file_size(ec);
  }
  return total;
}

template <typename T>
T value_or_throw(Result<T> r, const std::string& what) {
  if (!r.ok()) throw std::runtime_error(what + ": " + r.status().to_string());
  return std::move(r).value();
}

void ok_or_throw(const Status& s, const std::string& what) {
  if (!s.ok()) throw std::runtime_error(what + ": " + s.to_string());
}

// A real node directory opened as `mhero run` opens it: the standard views, its sync config, TLS
// contexts, the arrival log (sessions and bundles, as the console shows them) and its nodeStatus
// writer.
struct SimNode {
  fs::path dir;
  std::vector<std::unique_ptr<View>> views;
  std::unique_ptr<Node> node;
  SyncConfig sync;
  std::unique_ptr<boost::asio::ssl::context> client_tls, server_tls;
  std::unique_ptr<fleet::ArrivalLog> arrivals;
  std::unique_ptr<fleet::NodeStatusWriter> status;
  std::unique_ptr<SyncContext> ctx;

  void open(const Clock& clock) {
    views = make_standard_views();
    std::vector<View*> raw;
    for (auto& v : views) raw.push_back(v.get());
    node = value_or_throw(Node::open(NodePaths{dir}, clock, raw), "opening the node in " + dir.string());
    sync = value_or_throw(SyncConfig::from(node->config()), "sync config of " + dir.string());
    // Turn by turn: the simulated link charges half a round trip per change of direction
    // (links.h), which pipelined acks would multiply by the host's scheduling. Real nodes keep a
    // window in flight, so the season's link times are an upper bound.
    sync.window_min_bytes = sync.window_max_bytes = 0;
    auto tls = value_or_throw(make_tls_contexts(node->key()), "TLS contexts of " + dir.string());
    client_tls = std::move(tls.first);
    server_tls = std::move(tls.second);
    arrivals = std::make_unique<fleet::ArrivalLog>(node->store());
    status = std::make_unique<fleet::NodeStatusWriter>(*node, fleet::kDefaultStatusInterval, fleet::FirstRun::write);
    ctx = std::make_unique<SyncContext>(SyncContext{node->store(), node->key(), node->config(), sync, clock,
                                                    *client_tls, *server_tls, nullptr, nullptr, arrivals.get()});
  }
  void close() {
    ctx.reset();
    status.reset();
    arrivals.reset();
    node.reset();
    views.clear();
  }
  LogStore& store() { return node->store(); }
};

struct District {
  std::string code;
  const LinkKind* kind = nullptr;
  LinkSchedule schedule;
  SimNode sim;
  uint64_t bytes_until_cut = UINT64_MAX;
  int pending_routine = 0;       // Routine texts due but not yet written (held writes).
  int routine_count = 0;
  int64_t next_trip_ms = 0;      // USB districts.
  int64_t last_trip_return_ms = 0;
  DistrictFigures figures;
};

struct MessageTrack {
  std::string id;
  int district = -1;  // -1: written by the central node.
  int64_t written_ms = 0, expires_ms = 0, at_central_ms = 0;
};

class Season {
 public:
  explicit Season(const SimOptions& options)
      : options_(options),
        s_(options.scenario),
        rng_(s_.seed),
        cuts_rng_(stream_rng(s_.seed, 2)),
        clock_(std::chrono::milliseconds(kSeasonStart - kDay)),
        emulator_(clock_, emulator_options()),
        server_({}, [this](const net::HttpRequest& r) { return emulator_.handle(r); }) {}

  SeasonReport run();

 private:
  rapidpro_emulator::EmulatorOptions emulator_options() const {
    rapidpro_emulator::EmulatorOptions o;
    o.token = kToken;
    o.flows = {{kSurveyFlow, "Stock survey"}};
    o.flow_answers = {{"stock", "12"}, {"expiry", "2027-09"}};
    o.answer_delay = std::chrono::hours(s_.answer_delay_hours);
    o.answer_share = s_.answer_share;
    o.answer_spread = std::chrono::hours(s_.answer_delay_hours);  // Answers over [delay, 2 delay].

    return o;
  }
  void say(const std::string& line) {
    if (options_.progress) options_.progress(line);
  }
  int64_t now() const { return clock_.now().count(); }

  void set_up();
  void make_registry();
  void pull_registry(bool churn);
  void churn_registry();
  void write_routine(District& d);
  void write_central_message(bool urgent);
  void dispatch_pass();
  void sessions_at(int64_t t);
  struct SessionOutcome {
    bool moved = false;  // Entries went one way or the other.
    int64_t done_ms = 0;  // Simulated end of the session.
  };
  // One sync session of district i through its link at time `at`, within window `w` (unlimited:
  // the season's end, no cut and no charge).
  SessionOutcome session(size_t i, int64_t at, const Window& w, bool unlimited);
  struct Stick {
    std::vector<fs::path> files;
    uint64_t bytes = 0;
  };
  Stick export_stick(Node& from, const Node& to, const std::string& name);
  void start_trip(size_t i);
  void last_trips();
  void import_at_central(const std::vector<fs::path>& files, size_t for_district);
  void bring_home(size_t i, const std::vector<fs::path>& files);
  void after_district_contact(size_t i, int64_t at);
  void after_central_contact(int64_t at);
  void write_statuses();
  void sample_lag();
  void backup_district();
  void restore_district();
  void replace_revoked_district(size_t i);
  void drain();
  void check(SeasonReport& report);
  void daily(int64_t t);

  const SimOptions& options_;
  const Scenario& s_;
  std::mt19937_64 rng_;       // Links' schedules, churn, sticks.
  std::mt19937_64 cuts_rng_;  // Where sessions are cut: a stream of its own, so that fewer bytes
                              // on the wire (a protocol change) do not reshuffle the rest.
  ManualClock clock_;
  rapidpro_emulator::Emulator emulator_;
  net::BackgroundHttpServer server_;
  SimNode central_;
  std::vector<District> districts_;
  std::unique_ptr<MessagingService> messaging_;
  boost::asio::io_context io_;
  std::unique_ptr<boost::asio::ip::tcp::acceptor> central_acceptor_;
  SimulatedLink link_;
  registry::CsdDocument source_;  // The registry as iHRIS/OpenInfoMan holds it.
  std::unique_ptr<registry::PhoneNormalizer> phones_;
  uint64_t next_worker_ = 0, next_phone_ = 0;
  std::vector<MessageTrack> messages_;
  std::vector<AlertFigures> alerts_;
  std::vector<uint64_t> alert_seqs_;
  std::vector<std::string> events_;
  std::multimap<int64_t, std::function<void()>> agenda_;  // USB legs, by when they arrive.
  bool central_up_ = true, rapidpro_up_ = true;
  std::vector<std::pair<int64_t, int64_t>> outages_;  // Central or RapidPro down: [from, to).
  bool revoke_due_ = false;
  int trips_started_ = 0;
  fs::path backup_file_;
  std::vector<int64_t> alert_days_;
  std::map<std::string, double> wall_;  // Seconds of wall time per part of the loop.
};

// Adds the wall time of its scope to a part of the loop.
class Timed {
 public:
  Timed(std::map<std::string, double>& wall, const char* part)
      : wall_(wall), part_(part), started_(std::chrono::steady_clock::now()) {}
  ~Timed() { wall_[part_] += std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count(); }

 private:
  std::map<std::string, double>& wall_;
  const char* part_;
  std::chrono::steady_clock::time_point started_;
};

// --- Setting up ----------------------------------------------------------------------------

void Season::set_up() {
  fs::create_directories(options_.work_dir);
  if (!fs::is_empty(options_.work_dir)) {
    throw std::runtime_error("the work directory " + options_.work_dir.string() + " is not empty");
  }
  fs::create_directories(options_.work_dir / "sticks");
  ok_or_throw(server_.start().status(), "starting the RapidPro emulator");
  central_.dir = options_.work_dir / "central";
  auto central_id = value_or_throw(Node::init(NodePaths{central_.dir}, Role::central, "", std::nullopt),
                                   "mhero init (central)");
  central_.open(clock_);
  central_acceptor_ = std::make_unique<boost::asio::ip::tcp::acceptor>(
      io_, boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0));

  districts_.resize(s_.districts());
  for (size_t i = 0; i < districts_.size(); ++i) {
    District& d = districts_[i];
    d.code = tools::generated_district_code(i);
    d.kind = &s_.link(s_.district_links[i]);
    d.schedule = LinkSchedule(*d.kind, kSeasonStart, s_.days, rng_);
    d.sim.dir = options_.work_dir / d.code;
    auto id = value_or_throw(Node::init(NodePaths{d.sim.dir}, Role::district, d.code, central_id),
                             "mhero init (" + d.code + ")");
    value_or_throw(enroll_key(central_.store(), central_.node->key(), central_.node->config(), id, d.code,
                              d.code + " district server"),
                   "mhero enroll " + d.code);
    d.sim.open(clock_);
    if (d.kind->cut_kb > 0) {
      d.bytes_until_cut = static_cast<uint64_t>(std::exponential_distribution<double>(1.0 / d.kind->cut_kb)(cuts_rng_) * 1024) + 1;
    }
    d.next_trip_ms = kSeasonStart + static_cast<int64_t>((i * 3) % std::max(1, s_.usb_trip_days) + 1) * kDay + 8 * kHour;
    d.figures.code = d.code;
    d.figures.link = d.kind->name;
    d.figures.up_share = d.schedule.up_share();
    d.figures.bytes_by_month.assign(static_cast<size_t>((s_.days + 29) / 30), 0);
  }

  RapidProConfig rp;
  rp.url = server_.base_url();
  rp.token = kToken;
  rp.timeout = std::chrono::seconds(10);
  rp.max_attempts = 2;
  rp.backoff_initial = std::chrono::milliseconds(1);
  rp.backoff_max = std::chrono::milliseconds(1);
  messaging_ = std::make_unique<MessagingService>(
      central_.store(), central_.node->key(), clock_, rp,
      std::make_unique<RegistryDirectory>(central_.store().views()),
      [](std::chrono::milliseconds) {});  // RapidPro's backoff: the next tick retries instead.
  make_registry();
  for (int k = 0; k < s_.urgent_alerts; ++k) alert_days_.push_back(s_.days * (2 * k + 1) / (2 * s_.urgent_alerts));
}

void Season::make_registry() {
  tools::GenRegistryOptions g;
  g.providers = s_.workers;
  g.districts = s_.districts();
  g.seed = s_.seed;
  std::ostringstream xml;
  tools::generate_registry(g, xml);
  auto config = value_or_throw(registry::RegistryConfig::from(central_.node->config()), "[registry] of central");
  phones_ = std::make_unique<registry::PhoneNormalizer>(config.normalizer());
  source_ = value_or_throw(registry::parse_csd_text(xml.str(), "countrysim-registry.xml", *phones_),
                           "parsing the generated registry");
}

// --- The registry ---------------------------------------------------------------------------

std::string iso_date(int64_t ms) {
  std::string t = iso_time_ms(ms);  // "2027-01-04T02:00:00Z"
  return t.substr(0, 19) + "+00:00";
}

registry::PhoneNumber fresh_phone(const registry::PhoneNormalizer& phones, uint64_t n) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "+23188%07llu", static_cast<unsigned long long>(5'000'000 + n % 5'000'000));
  return phones.normalize(buf);
}

void Season::churn_registry() {
  auto& providers = source_.providers;
  size_t changes = static_cast<size_t>(static_cast<double>(providers.size()) * s_.monthly_churn);
  std::uniform_int_distribution<size_t> pick(0, providers.size() - 1);
  std::string updated = iso_date(now());
  size_t added = 0, phones = 0, statuses = 0, moves = 0;
  for (size_t c = 0; c < changes; ++c) {
    switch (c % 4) {
      case 0: {  // A new worker, like an existing one.
        registry::ProviderRecord p = providers[pick(rng_)];
        char id[64];
        std::snprintf(id, sizeof id, "urn:uuid:00000000-0000-4000-8000-%012llu",
                      static_cast<unsigned long long>(++next_worker_));
        p.entity_id = id;
        p.forename = "New" + std::to_string(next_worker_);
        p.phones = {fresh_phone(*phones_, next_phone_++)};
        p.status = registry::RecordStatus::active;
        p.updated = updated;
        providers.push_back(std::move(p));
        ++added;
        break;
      }
      case 1: {  // A new phone number.
        auto& p = providers[pick(rng_)];
        p.phones = {fresh_phone(*phones_, next_phone_++)};
        p.updated = updated;
        ++phones;
        break;
      }
      case 2: {  // Leaves or comes back.
        auto& p = providers[pick(rng_)];
        p.status = p.status == registry::RecordStatus::inactive ? registry::RecordStatus::active
                                                                : registry::RecordStatus::inactive;
        p.updated = updated;
        ++statuses;
        break;
      }
      case 3: {  // Moves to another worker's facility (another district, most of the time).
        auto& p = providers[pick(rng_)];
        const auto& q = providers[pick(rng_)];
        if (q.facility_ids.empty()) break;
        p.facility_ids = q.facility_ids;
        p.organization_ids = q.organization_ids;
        p.updated = updated;
        ++moves;
        break;
      }
    }
  }
  events_.push_back(day_text(now()) + ": registry churn: " + std::to_string(added) + " new workers, " +
                    std::to_string(phones) + " phone changes, " + std::to_string(statuses) + " status changes, " +
                    std::to_string(moves) + " moves");
}

void Season::pull_registry(bool churn) {
  if (churn) churn_registry();
  auto config = value_or_throw(registry::RegistryConfig::from(central_.node->config()), "[registry] of central");
  registry::ImportOptions o;
  o.full = true;
  o.rules = config.rules;
  o.chunk_records = config.chunk_records;
  o.max_moved_percent = 100;
  o.started = clock_.now();
  o.import_id = "countrysim-" + std::to_string(now());
  auto report = value_or_throw(registry::import_records(central_.store(), central_.node->key(), source_, o),
                               "registry import at the central node");
  say(day_text(now()) + ": registry pull: " + std::to_string(report.added) + " added, " +
      std::to_string(report.changed) + " changed, " + std::to_string(report.moved) + " moved, " +
      std::to_string(report.entries_written()) + " entries");
  after_central_contact(now());
}

// --- Traffic --------------------------------------------------------------------------------

void Season::write_routine(District& d) {
  MessageRecord m;
  m.texts = {{"", "Routine notice " + std::to_string(d.routine_count + 1) + " from " + d.code +
                      ": submit the weekly report by Friday."}};
  m.target.cadres = {d.routine_count % 2 == 0 ? "RN" : "CHA"};
  m.expires_at_ms = now() + s_.routine_expiry_days * kDay;
  m.author = "countrysim";
  Status prepared = prepare_message(m, Role::district, d.code, clock_.now());
  ok_or_throw(prepared, "composing a routine text at " + d.code);
  auto written = write_message(d.sim.store(), d.sim.node->key(), "district/" + d.code, m);
  if (!written.ok()) {  // A restored node holds its writes until it learned its heads.
    ++d.figures.writes_held;
    return;
  }
  --d.pending_routine;
  ++d.routine_count;
  messages_.push_back({m.id, static_cast<int>(&d - districts_.data()), now(), m.expires_at_ms, 0});
}

void Season::write_central_message(bool urgent) {
  MessageRecord m;
  if (urgent) {
    m.texts = {{"", "URGENT: suspected cholera cases reported. Report any case of acute watery diarrhoea today."}};
    m.target.cadres = {"CHA"};
    m.urgent = true;
  } else {
    m.flow_uuid = kSurveyFlow;
    m.flow_name = "Stock survey";
    m.target.cadres = {"PH"};
    m.expires_at_ms = now() + 10 * kDay;
  }
  m.author = "countrysim";
  ok_or_throw(prepare_message(m, Role::central, "", clock_.now()), "composing at the central node");
  auto entry = value_or_throw(write_message(central_.store(), central_.node->key(), "national", m),
                              "writing a message at the central node");
  messages_.push_back({m.id, -1, now(), m.expires_at_ms, now()});
  if (!urgent) return;
  AlertFigures a;
  a.message_id = m.id;
  a.written_ms = now();
  a.arrived_ms.assign(districts_.size(), 0);
  a.goal_ms.assign(districts_.size(), 0);
  for (size_t i = 0; i < districts_.size(); ++i) {
    District& d = districts_[i];
    if (d.kind->pattern == LinkKind::Pattern::none) {
      int64_t trip = d.next_trip_ms;  // The next trip out; its stick comes home two legs later.
      a.goal_ms[i] = trip + 2 * s_.usb_leg_days * kDay;
      continue;
    }
    for (int64_t from = now();;) {  // The first window with at least 10 minutes of it left.
      auto w = d.schedule.next_window(from);
      if (!w) break;
      if (w->end_ms - std::max(w->start_ms, now()) >= 10 * kMinute) {
        a.goal_ms[i] = w->end_ms;
        break;
      }
      from = w->end_ms;
    }
  }
  alerts_.push_back(std::move(a));
  alert_seqs_.push_back(entry.seq());
  events_.push_back(day_text(now()) + ": urgent national alert written at the central node (" +
                    m.id.substr(0, 8) + ")");
}

void Season::dispatch_pass() {
  if (!central_up_) return;
  // As MessagingService::run_once (the daemon's loop body) does, except that the delivery poll
  // (RapidPro's per-SMS status of recent broadcasts) runs every 6 simulated hours rather than
  // every tick: polled every tick for its 3 days, it would take most of the simulation's time
  // without changing what the season measures. RapidPro down: the next tick retries (the
  // dispatcher keeps its state in the log).
  (void)messaging_->dispatcher().run_once();
  (void)messaging_->poller().run_once();
  if ((now() - kSeasonStart) % (6 * kHour) == 0) (void)messaging_->delivery().run_once();
  for (AlertFigures& a : alerts_) {
    if (a.dispatched_ms) continue;
    auto st = message_state(central_.store().views(), a.message_id);
    if (st.ok() && st->state() == "dispatched") a.dispatched_ms = now();
  }
}

// --- Contact: sync sessions and USB trips -------------------------------------------------------

void Season::after_district_contact(size_t i, int64_t at) {
  District& d = districts_[i];
  FeedId national{central_.node->id(), "national"};
  uint64_t held = d.sim.store().head_seq(national);
  for (size_t k = 0; k < alerts_.size(); ++k) {
    if (!alerts_[k].arrived_ms[i] && held >= alert_seqs_[k]) alerts_[k].arrived_ms[i] = at;
  }
}

void Season::after_central_contact(int64_t at) {
  for (MessageTrack& m : messages_) {
    if (m.at_central_ms) continue;
    if (message_state(central_.store().views(), m.id).ok()) m.at_central_ms = at;
  }
}

Season::SessionOutcome Season::session(size_t i, int64_t at, const Window& w, bool unlimited) {
  District& d = districts_[i];
  LinkBudget budget{d.kind->kbit_s, d.kind->rtt_ms, unlimited ? UINT64_MAX : d.bytes_until_cut,
                    unlimited ? INT64_MAX : w.end_ms - at};
  uint16_t central_port = central_acceptor_->local_endpoint().port();
  std::thread serve([&] {
    auto io = std::make_unique<boost::asio::io_context>();
    boost::asio::ip::tcp::socket socket(*io);
    boost::system::error_code ec;
    central_acceptor_->accept(socket, ec);
    if (!ec) serve_accepted(*central_.ctx, std::move(io), std::move(socket));
  });
  LinkUse use;
  std::thread carry([&] { use = link_.carry(central_port, budget); });
  sync::SessionResult r = sync_with(*d.sim.ctx, "127.0.0.1:" + std::to_string(link_.port()));
  carry.join();
  serve.join();
  if (!unlimited) {
    ++d.figures.sessions;
    if (use.cut) ++d.figures.sessions_cut;
    size_t month = std::min(d.figures.bytes_by_month.size() - 1, static_cast<size_t>((at - kSeasonStart) / kMonth));
    d.figures.bytes_by_month[month] += use.total();
    if (d.bytes_until_cut != UINT64_MAX) {
      if (use.total() >= d.bytes_until_cut) {
        d.bytes_until_cut =
            static_cast<uint64_t>(std::exponential_distribution<double>(1.0 / d.kind->cut_kb)(cuts_rng_) * 1024) + 1;
      } else {
        d.bytes_until_cut -= use.total();
      }
    }
  }
  int64_t done = at + use.elapsed_ms;
  after_district_contact(i, done);
  after_central_contact(done);
  if (revoke_due_ && i == s_.events.revoke_district && r.ok()) replace_revoked_district(i);
  return SessionOutcome{r.ok() && (r.entries_sent > 0 || r.entries_received > 0), done};
}

void Season::sessions_at(int64_t t) {
  int64_t tick = s_.tick_minutes * kMinute;
  for (size_t i = 0; i < districts_.size(); ++i) {
    District& d = districts_[i];
    if (d.kind->pattern == LinkKind::Pattern::none) continue;
    auto w = d.schedule.next_window(t);
    if (!w || w->start_ms >= t + tick) continue;  // Down for this whole tick.
    int64_t at = std::max(t, w->start_ms);
    if (!central_up_) {  // The district dials, nobody answers.
      ++d.figures.sessions_failed;
      continue;
    }
    // A session cut by the link is dialled again after the daemon's first backoff
    // ([sync] retry_initial_ms, 1 s), while the window lasts and within this tick.
    for (int redial = 0; redial < 20 && at < std::min(w->end_ms, t + tick); ++redial) {
      uint64_t cuts = d.figures.sessions_cut;
      at = session(i, at, *w, false).done_ms + kSecond;
      if (d.figures.sessions_cut == cuts) break;
    }
  }
}

void Season::import_at_central(const std::vector<fs::path>& files, size_t for_district) {
  if (files.empty()) return;
  bundle::ImportOptions o;
  o.arrivals = central_.arrivals.get();
  auto reports = bundle::import_bundles(*central_.node, files, o);
  if (!reports.ok()) {
    events_.push_back(day_text(now()) + ": the central node refused " + districts_[for_district].code +
                      "'s stick: " + reports.status().to_string());
    return;
  }
  after_central_contact(now());
}

void Season::bring_home(size_t i, const std::vector<fs::path>& files) {
  District& d = districts_[i];
  bundle::ImportOptions o;
  o.arrivals = d.sim.arrivals.get();
  auto reports = bundle::import_bundles(*d.sim.node, files, o);
  if (!reports.ok()) {
    events_.push_back(day_text(now()) + ": " + d.code + " refused the central node's bundle: " +
                      reports.status().to_string());
    return;
  }
  d.last_trip_return_ms = now();
  after_district_contact(i, now());
}

// What a stick carries from node `from` to `to`: the bundle's parts and the bundles `from` keeps
// for relay.
Season::Stick Season::export_stick(Node& from, const Node& to, const std::string& name) {
  auto recipient = value_or_throw(bundle::resolve_peer(from, to.id()), name + ": the recipient");
  bundle::ExportOptions o;
  o.recipient = recipient;
  o.out = options_.work_dir / "sticks" / (name + ".mhb");
  auto exported = value_or_throw(bundle::export_bundle(from, o), "bundle export " + name);
  Stick stick{exported.parts, exported.bytes};
  for (const fs::path& f : exported.relayed) {
    stick.files.push_back(f);
    stick.bytes += fs::file_size(f);
  }
  return stick;
}

// A driver's trip: the district's bundle goes to the central node (or to a neighbour's server,
// or is lost); the central node's bundle for the district comes back a leg later.
void Season::start_trip(size_t i) {
  District& d = districts_[i];
  std::string n = std::to_string(++trips_started_);
  Stick up = export_stick(*d.sim.node, *central_.node, d.code + "-" + n + "-up");
  ++d.figures.trips;
  std::uniform_real_distribution<double> unit(0, 1);
  int64_t leg = s_.usb_leg_days * kDay;
  if (unit(rng_) < s_.stick_lost) {
    ++d.figures.sticks_lost;
    d.figures.bundle_bytes.push_back(up.bytes);
    for (const fs::path& f : up.files) fs::remove(f);
    events_.push_back(day_text(now()) + ": " + d.code + "'s stick was lost on the way (" + std::to_string(up.bytes) +
                      " bytes); the next trip carries it all again");
    return;
  }
  std::vector<size_t> neighbours;
  for (size_t k = 0; k < districts_.size(); ++k) {
    if (k != i && districts_[k].kind->pattern == LinkKind::Pattern::none) neighbours.push_back(k);
  }
  if (!neighbours.empty() && unit(rng_) < s_.stick_via_neighbour) {
    // The stick is left at a neighbour's server, which keeps what is not for it for relay (and
    // sets aside a bundle it wrote itself, if the stick carries one).
    size_t k = neighbours[std::uniform_int_distribution<size_t>(0, neighbours.size() - 1)(rng_)];
    ++d.figures.via_neighbour;
    d.figures.bundle_bytes.push_back(up.bytes);
    agenda_.emplace(now() + leg, [this, k, files = up.files] {
      bundle::ImportOptions io;
      io.arrivals = districts_[k].sim.arrivals.get();
      auto r = bundle::import_bundles(*districts_[k].sim.node, files, io);
      if (!r.ok()) events_.push_back(day_text(now()) + ": relay refused at " + districts_[k].code + ": " + r.status().to_string());
    });
    return;
  }
  agenda_.emplace(now() + leg, [this, i, up, n, leg] {
    import_at_central(up.files, i);
    District& d = districts_[i];
    Stick down = export_stick(*central_.node, *d.sim.node, d.code + "-" + n + "-down");
    d.figures.bundle_bytes.push_back(up.bytes + down.bytes);
    agenda_.emplace(now() + leg, [this, i, files = down.files] { bring_home(i, files); });
  });
}

// The season's last sticks, all at once: every USB district's stick reaches the central node
// before any comes back, so each carries home the receipts of the others' imports too.
void Season::last_trips() {
  std::vector<std::pair<size_t, Stick>> ups;
  for (size_t i = 0; i < districts_.size(); ++i) {
    District& d = districts_[i];
    if (d.kind->pattern != LinkKind::Pattern::none) continue;
    ups.emplace_back(i, export_stick(*d.sim.node, *central_.node, d.code + "-last-up-" + std::to_string(++trips_started_)));
  }
  for (auto& [i, up] : ups) import_at_central(up.files, i);
  for (auto& [i, up] : ups) {
    District& d = districts_[i];
    Stick down = export_stick(*central_.node, *d.sim.node, d.code + "-last-down-" + std::to_string(trips_started_));
    bring_home(i, down.files);
  }
}

// --- Events ---------------------------------------------------------------------------------

void Season::backup_district() {
  District& d = districts_[s_.events.restore_district];
  backup_file_ = options_.work_dir / (d.code + "-backup.mhbak");
  auto summary = value_or_throw(write_backup(*d.sim.node, backup_file_, kPassphrase), "mhero backup at " + d.code);
  events_.push_back(day_text(now()) + ": " + d.code + " backed up (" + std::to_string(summary.entries) + " entries)");
}

void Season::restore_district() {
  District& d = districts_[s_.events.restore_district];
  uint64_t before = d.sim.store().entry_count();
  d.sim.close();
  fs::remove_all(d.sim.dir);
  auto summary = value_or_throw(restore_backup(backup_file_, d.sim.dir, kPassphrase, clock_), "mhero restore at " + d.code);
  d.sim.open(clock_);
  events_.push_back(day_text(now()) + ": " + d.code + "'s server was restored from its " +
                    std::to_string((now() - summary.made_at_ms) / kDay) + "-day-old backup (" +
                    std::to_string(summary.entries) + " entries; it held " + std::to_string(before) +
                    "); it holds its writes until it learned its own heads from the central node");
}

// The ministry revokes the district server's key right after a sync that left nothing of its
// own behind, sets up a new server with a new key and enrolls it for the same district.
void Season::replace_revoked_district(size_t i) {
  District& d = districts_[i];
  FeedId own{d.sim.node->id(), "district/" + d.code};
  if (central_.store().head_seq(own) < d.sim.store().head_seq(own)) return;  // Wait for a sync that carries it all.
  revoke_due_ = false;
  NodeId old_id = d.sim.node->id();
  value_or_throw(revoke_key(central_.store(), central_.node->key(), central_.node->config(), old_id,
                            "server replaced (countrysim)"),
                 "mhero revoke " + d.code);
  d.sim.close();
  fs::remove_all(d.sim.dir);
  auto id = value_or_throw(Node::init(NodePaths{d.sim.dir}, Role::district, d.code, central_.node->id()),
                           "mhero init (new " + d.code + " server)");
  value_or_throw(enroll_key(central_.store(), central_.node->key(), central_.node->config(), id, d.code,
                            d.code + " district server (replacement)"),
                 "mhero enroll (new " + d.code + " server)");
  d.sim.open(clock_);
  events_.push_back(day_text(now()) + ": " + d.code + "'s key " + old_id.short_hex() +
                    " revoked; a new server (key " + id.short_hex() + ") enrolled for " + d.code);
}

void Season::write_statuses() {
  if (central_up_) (void)central_.status->run_once();
  for (District& d : districts_) (void)d.sim.status->run_once();  // A held node's fails: it tries again.
}

void Season::sample_lag() {
  Frontier c = central_.store().frontier();
  for (District& d : districts_) {
    Frontier f = d.sim.store().frontier();
    int64_t behind = 0, ahead = 0;
    for (const auto& [feed, seq] : c.feeds()) {
      if (!may_hold(Role::district, d.code, feed)) continue;
      uint64_t have = f.get(feed);
      if (seq > have) behind += static_cast<int64_t>(seq - have);
    }
    for (const auto& [feed, seq] : f.feeds()) {
      if (feed.author != d.sim.node->id()) continue;
      uint64_t there = c.get(feed);
      if (seq > there) ahead += static_cast<int64_t>(seq - there);
    }
    d.figures.behind_by_day.push_back(behind);
    d.figures.ahead_by_day.push_back(ahead);
  }
}

void Season::daily(int64_t t) {
  int day = static_cast<int>((t - kSeasonStart) / kDay);
  int64_t minute = (t - kSeasonStart) % kDay / kMinute;
  const Events& e = s_.events;
  if (minute == 0) {
    sample_lag();
    if (day == e.central_down_day) {
      central_up_ = false;
      outages_.push_back({t, t + e.central_down_days * kDay});
      events_.push_back(day_text(t) + ": the central node is off for " + days_text(e.central_down_days));
    }
    if (e.central_down_day >= 0 && day == e.central_down_day + e.central_down_days) {
      central_up_ = true;
      events_.push_back(day_text(t) + ": the central node is back");
    }
    if (day == e.rapidpro_down_day) {
      rapidpro_up_ = false;
      emulator_.fail_next(1 << 30, 503);
      outages_.push_back({t, t + e.rapidpro_down_days * kDay});
      events_.push_back(day_text(t) + ": RapidPro answers 503 for " + days_text(e.rapidpro_down_days));
    }
    if (e.rapidpro_down_day >= 0 && day == e.rapidpro_down_day + e.rapidpro_down_days) {
      rapidpro_up_ = true;
      emulator_.fail_next(0, 503);
      events_.push_back(day_text(t) + ": RapidPro is back");
    }
    if (day % 7 == 0) say(day_text(t) + " …");
  }
  if (minute == 2 * 60) {
    if (day == e.backup_day) backup_district();
    if (day == e.restore_day) restore_district();
    if (day == e.revoke_day) revoke_due_ = true;
    if (day > 0 && day % s_.pull_every_days == 0 && central_up_) pull_registry(true);
  }
  if (minute == 9 * 60 && central_up_ && s_.survey_every_days > 0 && day % s_.survey_every_days == 3) {
    write_central_message(false);
  }
  if (minute == 10 * 60) {
    for (size_t i = 0; i < districts_.size(); ++i) {
      if (day % s_.routine_every_days == static_cast<int>(i % static_cast<size_t>(s_.routine_every_days))) {
        ++districts_[i].pending_routine;
      }
    }
    if (central_up_ && std::count(alert_days_.begin(), alert_days_.end(), day)) write_central_message(true);
  }
  for (District& d : districts_) {
    if (d.pending_routine > 0) write_routine(d);
    if (d.kind->pattern == LinkKind::Pattern::none && t >= d.next_trip_ms) {
      d.next_trip_ms += s_.usb_trip_days * kDay;
      start_trip(static_cast<size_t>(&d - districts_.data()));
    }
  }
}

// --- The end --------------------------------------------------------------------------------

void Season::drain() {
  say("end of the season: every link up once more, a last stick for the districts without one");
  central_up_ = true;
  emulator_.fail_next(0, 503);
  auto run_agenda = [this] {
    while (!agenda_.empty()) {
      auto action = std::move(agenda_.begin()->second);
      agenda_.erase(agenda_.begin());
      action();
    }
  };
  run_agenda();
  // Rounds: the sticks travel (there and back at once), RapidPro's answers are collected, the
  // links come up; then time passes for the last answers. The online districts sync last, so
  // they also receive what the sticks' imports wrote at the central node (its receipts).
  for (int round = 0; round < 3; ++round) {
    last_trips();
    (void)messaging_->run_once();  // RapidPro is up again; what failed shows in the check.
    for (size_t i = 0; i < districts_.size(); ++i) {
      if (districts_[i].kind->pattern == LinkKind::Pattern::none) continue;
      for (int k = 0; k < 50 && session(i, now(), Window{now(), INT64_MAX}, true).moved; ++k) {
      }
    }
    if (round < 2) clock_.advance(std::chrono::hours(s_.answer_delay_hours + 1));
  }
}

void Season::check(SeasonReport& report) {
  auto& v = report.violations;
  Frontier c = central_.store().frontier();
  for (District& d : districts_) {
    Frontier f = d.sim.store().frontier();
    // The receipt a USB district wrote when the last stick came home rides the next trip, as
    // every receipt does: its own feed may be one receipt ahead of the central node.
    auto last_receipt = [&](const FeedId& feed, uint64_t seq, uint64_t there) {
      if (d.kind->pattern != LinkKind::Pattern::none || feed.author != d.sim.node->id() || there + 1 != seq) {
        return false;
      }
      auto last = d.sim.store().get(feed, seq);
      return last.ok() && last->kind_name() == "receipt";
    };
    for (const auto& [feed, seq] : c.feeds()) {
      if (may_hold(Role::district, d.code, feed) && f.get(feed) != seq && !last_receipt(feed, f.get(feed), seq)) {
        v.push_back(d.code + " holds " + feed.to_string() + " to seq " + std::to_string(f.get(feed)) +
                    ", the central node to " + std::to_string(seq));
      }
    }
    for (const auto& [feed, seq] : f.feeds()) {
      uint64_t there = c.get(feed);
      if (there < seq && !last_receipt(feed, seq, there)) {
        v.push_back("the central node holds " + feed.to_string() + " to seq " + std::to_string(there) + ", " +
                    d.code + " to " + std::to_string(seq));
      }
    }
  }
  for (const MessageTrack& m : messages_) {
    auto st = message_state(central_.store().views(), m.id);
    std::string who = m.district < 0 ? "central" : districts_[static_cast<size_t>(m.district)].code;
    if (!st.ok()) {
      v.push_back("message " + m.id + " from " + who + " never reached the central node");
      continue;
    }
    std::string state = st->state();
    if (state == "dispatched") {
      ++report.messages_dispatched;
      if (st->sent_count() != st->targeted_count()) {
        v.push_back("message " + m.id + " from " + who + ": " + st->describe() + " (recipients lost)");
      }
    } else if (state == "expired") {
      ++report.messages_expired;
      bool outage = false;
      for (auto [from, to] : outages_) outage |= from < m.expires_ms && to > m.at_central_ms;
      if (m.at_central_ms && m.at_central_ms + s_.tick_minutes * kMinute < m.expires_ms && !outage) {
        v.push_back("message " + m.id + " from " + who + " expired although it reached the central node " +
                    day_text(m.at_central_ms) + ", before its expiry");
      }
    } else {
      v.push_back("message " + m.id + " from " + who + " is " + state);
    }
  }
  report.messages_written = messages_.size();
  // Exactly once, from RapidPro's side: every delivery the emulator made belongs to a broadcast
  // or flow start some message's dispatch recorded, and no worker got one message twice.
  std::map<std::string, std::string> message_of;  // Broadcast / flow start uuid -> message id.
  for (const MessageTrack& m : messages_) {
    auto st = message_state(central_.store().views(), m.id);
    if (!st.ok()) continue;
    for (const BatchRecord& b : st->batches) {
      for (const std::string& u : b.broadcast_uuids) message_of[u] = m.id;
      for (const std::string& u : b.flow_start_uuids) message_of[u] = m.id;
    }
  }
  std::map<std::pair<std::string, std::string>, int> per_worker;
  size_t unknown = 0;
  for (const auto& d : emulator_.deliveries()) {
    ++report.deliveries;
    auto it = message_of.find(d.source_uuid);
    if (it == message_of.end()) {
      ++unknown;
      continue;
    }
    if (++per_worker[{it->second, d.urn}] == 2) ++report.duplicates;
  }
  if (report.duplicates) v.push_back(std::to_string(report.duplicates) + " workers got a message twice from RapidPro");
  if (unknown) v.push_back(std::to_string(unknown) + " RapidPro deliveries belong to no dispatch the log recorded");
  // Each answer by its source id, with the entry that carries it.
  auto answers_of = [](LogStore& store, const std::string& district) {
    std::map<std::string, std::string> out;
    Status s = scan_answers(store.views(), AnswerFilter{"", district}, "", [&](const ResponseRecord& r, const std::string&) {
      auto entry = answer_entry(store.views(), r.source_id);
      out[r.source_id] = entry.ok() && *entry ? **entry : "?";
      return true;
    });
    if (!s.ok()) out["(scan failed: " + s.to_string() + ")"] = "";
    return out;
  };
  auto first_missing = [](const std::map<std::string, std::string>& a, const std::map<std::string, std::string>& b) {
    for (const auto& [id, entry] : a) {
      if (!b.count(id)) return id + " (in entry " + entry + ")";
    }
    return std::string();
  };
  report.responses = answers_of(central_.store(), "").size();
  for (District& d : districts_) {
    auto there = answers_of(central_.store(), d.code);
    auto here = answers_of(d.sim.store(), d.code);
    size_t all_here = answers_of(d.sim.store(), "").size();
    // The same answers by source id (a shared phone's answer may be carried by another
    // district's copy at the central node, so the entries may differ).
    auto same_ids = std::equal(here.begin(), here.end(), there.begin(), there.end(),
                               [](const auto& a, const auto& b) { return a.first == b.first; });
    if (!same_ids) {
      std::string only_here = first_missing(here, there), only_there = first_missing(there, here);
      v.push_back(d.code + " holds " + std::to_string(here.size()) + " answers of its workers, the central node " +
                  std::to_string(there.size()) + (only_here.empty() ? "" : "; only at " + d.code + ": " + only_here) +
                  (only_there.empty() ? "" : "; only at the central node: " + only_there));
    }
    if (all_here != here.size()) {
      v.push_back(d.code + " holds " + std::to_string(all_here - here.size()) + " answers of other districts");
    }
  }
  auto verify = [&](SimNode& n, const std::string& name) {
    for (const VerifyFault& f : n.store().verify_all()) v.push_back("log verify at " + name + ": " + f.location + ": " + f.problem);
    for (const ForkRecord& f : n.store().forks()) {
      v.push_back("fork at " + name + ": " + f.feed.to_string() + " seq " + std::to_string(f.seq));
    }
  };
  verify(central_, "central");
  for (District& d : districts_) verify(d.sim, d.code);
}

SeasonReport Season::run() {
  auto started = std::chrono::steady_clock::now();
  SeasonReport report;
  report.scenario = s_;
  report.season_start_ms = kSeasonStart;
  set_up();
  say("set up: central node and " + std::to_string(districts_.size()) + " districts, " + std::to_string(s_.workers) +
      " workers");
  clock_.set(std::chrono::milliseconds(kSeasonStart + 2 * kHour));
  pull_registry(false);
  int64_t tick = s_.tick_minutes * kMinute;
  for (int64_t t = kSeasonStart; t < kSeasonStart + s_.days * kDay; t += tick) {
    clock_.set(std::chrono::milliseconds(t));
    while (!agenda_.empty() && agenda_.begin()->first <= t) {
      if (!central_up_) break;  // Sticks wait for the central node (trips home start from there).
      auto action = std::move(agenda_.begin()->second);
      agenda_.erase(agenda_.begin());
      action();
    }
    {
      Timed timed(wall_, "events, traffic and USB trips");
      daily(t);
    }
    {
      Timed timed(wall_, "central messaging (RapidPro)");
      dispatch_pass();
    }
    {
      Timed timed(wall_, "sync sessions");
      sessions_at(t);
    }
    {
      Timed timed(wall_, "nodeStatus writers");
      write_statuses();
    }
  }
  clock_.set(std::chrono::milliseconds(kSeasonStart + s_.days * kDay));
  drain();
  check(report);
  for (District& d : districts_) {
    d.figures.entries_end = d.sim.store().entry_count();
    d.figures.store_bytes_end = dir_bytes(d.sim.dir / "db");
    auto cursor = d.sim.store().entries_after(Frontier{}, [&](const FeedId& f) { return f.author == d.sim.node->id(); });
    while (auto e = cursor->next()) {
      if (!e.ok() || !e->has_value()) break;
      d.figures.own_entry_bytes += (*e)->encoded_size();
      if ((*e)->kind_name() == "nodeStatus") d.figures.own_status_bytes += (*e)->encoded_size();
    }
    report.districts.push_back(d.figures);
  }
  report.central_entries_end = central_.store().entry_count();
  report.central_store_bytes_end = dir_bytes(central_.dir / "db");
  auto cursor = central_.store().entries_after(Frontier{}, [&](const FeedId& f) { return f.author == central_.node->id(); });
  while (auto e = cursor->next()) {
    if (!e.ok() || !e->has_value()) break;
    report.central_entry_bytes += (*e)->encoded_size();
    if ((*e)->kind_name() == "nodeStatus") report.central_status_bytes += (*e)->encoded_size();
  }
  report.alerts = alerts_;
  report.wall_by_part = wall_;
  report.events = events_;
  report.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return report;
}

}  // namespace

SeasonReport run_season(const SimOptions& options) {
  ok_or_throw(check_scenario(options.scenario), "scenario");
  auto season = std::make_unique<Season>(options);
  return season->run();
}

}  // namespace mhero::countrysim
