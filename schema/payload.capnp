# Payload kinds carried by entries (DESIGN.md "Payload kinds"). One union; a node that meets a
# union member it does not know (written by a newer node) verifies, stores and forwards the entry
# unchanged. Field numbers are never changed or reused.
@0xd6a3a5c1c2b5e0f1;

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("mhero::schema");

struct Payload {
  union {
    note @0 :Text;                            # Free text for tests and operators' annotations.
    registrySnapshot @1 :RegistryChunk;       # Full state of a slice of the registry.
    registryDelta @2 :RegistryChunk;          # Changed, added or removed records since the last one.
    registryCorrection @3 :RegistryCorrection;
    outgoingMessage @4 :OutgoingMessage;
    dispatch @5 :Dispatch;
    response @6 :Response;
    enrollment @7 :Enrollment;
    revocation @8 :Revocation;
    nodeStatus @9 :NodeStatus;
    receipt @10 :Receipt;
    audit @11 :AuditEvent;                    # A console/CLI staff action (schema/README.md "Console").
    messageCancel @12 :MessageCancel;         # An operator stops a message not yet fully dispatched.
    flowList @13 :FlowList;                   # RapidPro's flows, shared by the central node (national).
    deliveryReport @14 :DeliveryReport;       # RapidPro's delivery status of one message's sends.
    correctionDecision @15 :CorrectionDecision;  # The central node accepts or rejects a
                                                 # registryCorrection (schema/README.md "Corrections").
    keyRotation @16 :KeyRotation;             # A node hands its identity over to a new key
                                              # (schema/README.md "Key rotation").
  }
}

# ---------------------------------------------------------------------------------------------
# Registry (CSD 1.0, urn:ihe:iti:csd:2013)

# A coded value as in CSD `codedType` (e.g. provider type, specialty, credential).
struct Code {
  code @0 :Text;
  codingScheme @1 :Text;   # OID or URN of the value set, e.g. "1.3.6.1.4.1.21367.200.103".
  label @2 :Text;          # Human-readable display name, may be empty.
}

# A contact point of a health worker as found in CSD `contactPoint` or FHIR `telecom`: a phone
# number with its E.164 normalisation (SMS, WhatsApp), or a Telegram chat id.
struct Phone {
  raw @0 :Text;            # As written in the source document.
  e164 @1 :Text;           # "+231770123456", empty when the number could not be parsed (and for
                           # telegram, whose address is a chat id, not a number).
  valid @2 :Bool;          # libphonenumber says the number is valid for its region (telegram: the
                           # chat id is 1-15 digits).
  mobile @3 :Bool;         # libphonenumber classifies it as mobile (or fixed-line-or-mobile).
  # Field 4 was added with channels (issue 20); every contact point before it is sms.
  channel @4 :Channel;     # How RapidPro reaches it: the urn scheme of the contact point.
}

# A messaging channel and its RapidPro urn scheme (RapidPro API v2 contacts `urns`).
enum Channel {
  sms @0;                  # "tel:+231770123456" (SMS).
  whatsapp @1;             # "whatsapp:231770123456" (E.164 digits without the "+").
  telegram @2;             # "telegram:123456789" (Telegram chat id).
}

enum RecordStatus {
  unknown @0;              # The source gave no status.
  active @1;               # "Active" or code 106-001.
  inactive @2;             # "Inactive" or code 106-002.
}

# A health worker: CSD `provider`.
struct Provider {
  entityId @0 :Text;               # CSD provider/@entityID (or @urn in some iHRIS exports).
  commonNames @1 :List(Text);      # demographic/name/commonName, in document order.
  forename @2 :Text;
  surname @3 :Text;
  cadres @4 :List(Code);           # provider/codedType.
  skills @5 :List(Code);           # specialty and credential codes.
  facilityIds @6 :List(Text);      # facilities/facility/@entityID.
  organizationIds @7 :List(Text);  # organizations/organization/@entityID.
  districtCode @8 :Text;           # Resolved district; empty when unassigned.
  phones @9 :List(Phone);          # contactPoint codedType code "BP".
  status @10 :RecordStatus;
  updated @11 :Text;               # record/@updated exactly as in the source (may be invalid).
  removed @12 :Bool;               # True in a delta: the record left the registry.
  source @13 :Text;                # Where the record came from: "csd:<document or file name>"
                                   # or "mcsd:<FHIR base URL>"; empty in records written before.
  correction @14 :Text;            # Id of the accepted registryCorrection whose values this record
                                   # carries over the source's ("" = the source's values only).
  sourceDiffers @15 :Bool;         # With `correction`: the source registry still carries another
                                   # value for a corrected field (the overlay is active).
  origin @16 :Text;                # How this version reached the registry (provenance): "file <name>
                                   # sha256:<hex>" (CSD file import), "openinfoman <document> pulled
                                   # <xsd:dateTime>", "mcsd <url> pulled <xsd:dateTime>", "correction
                                   # <id> accepted by <reviewer>"; "" before issue 13. Not compared
                                   # when deciding whether a record changed.
  preferredChannel @17 :Text;      # The health worker's preferred channel as the source gives it
                                   # (FHIR telecom with the lowest `rank`): "sms", "whatsapp",
                                   # "telegram"; "" = none given ([rapidpro] channel_order decides).
}

# A place of care: CSD `facility`.
struct Facility {
  entityId @0 :Text;
  name @1 :Text;                   # primaryName.
  organizationIds @2 :List(Text);
  districtCode @3 :Text;
  updated @4 :Text;
  removed @5 :Bool;
  facilityTypes @6 :List(Code);    # facility/codedType (mCSD: Location.type codings).
  source @7 :Text;                 # As Provider.source.
  origin @8 :Text;                 # As Provider.origin.
}

# An administrative or managing body: CSD `organization`.
struct Organization {
  entityId @0 :Text;
  name @1 :Text;
  parentId @2 :Text;               # parent/@entityID, empty for a root.
  districtCode @3 :Text;
  updated @4 :Text;
  removed @5 :Bool;
  source @6 :Text;                 # As Provider.source.
}

# Hundreds of registry records in one entry (never one entry per record).
struct RegistryChunk {
  importId @0 :Text;               # Groups the chunks of one import run.
  chunkIndex @1 :UInt32;           # 0-based position within the import run.
  chunkCount @2 :UInt32;           # Number of chunks of the import run in this feed.
  providers @3 :List(Provider);
  facilities @4 :List(Facility);
  organizations @5 :List(Organization);
  codeLists @6 :List(CodeList);    # Value sets (national feed only).
}

# An SVS value set, e.g. provider types (1.3.6.1.4.1.21367.200.105).
struct CodeList {
  oid @0 :Text;
  name @1 :Text;
  codes @2 :List(Code);
}

# A district's proposed change to a record, settled at the reconciliation console.
struct RegistryCorrection {
  entityId @0 :Text;               # Provider the correction is about.
  basedOnUpdated @1 :Text;         # record/@updated of the version the district saw.
  kind @2 :CorrectionKind;
  newPhone @3 :Text;               # E.164, for kind = phone.
  newFacilityId @4 :Text;          # For kind = transfer.
  note @5 :Text;                   # Free text from the district officer.
  # Fields 6-15 were added with the review queue (issue 13); older corrections leave them empty.
  basedOnAuthor @6 :Data;          # Base version: author (32-byte node id) of the registry entry
                                   # that wrote the record as the proposer saw it.
  basedOnScope @7 :Text;           # That entry's scope.
  basedOnSeq @8 :UInt64;           # That entry's seq (0 = unknown base: an old correction).
  proposerUser @9 :Text;           # Staff user (console) or OS user (CLI) who proposed it; the
                                   # proposer node is the entry's author.
  byWorker @10 :Bool;              # Proposed on the health worker's behalf (a validation flow's
                                   # answer), not by district staff.
  newPhones @11 :List(Text);       # E.164 numbers replacing the provider's BP numbers (field "phone").
  newDistrict @12 :Text;           # Destination district code of a transfer (field "district").
  newStatus @13 :Text;             # "active", "inactive" or "left" (left post; field "status").
  newCadre @14 :Text;              # Cadre code replacing provider/codedType (field "cadre").
  fields @15 :List(Text);          # The fields this correction changes, of "phone", "facility",
                                   # "district", "status", "cadre"; several in one correction.
  enum CorrectionKind {
    phone @0;
    transfer @1;
    leftPost @2;
    other @3;
  }
}

# The central node's decision on one registryCorrection, written into the correction's scope so
# the proposer learns it by sync or bundle. Ingest refuses one not written by the pinned central
# key or naming a correction the node does not hold (node/admission.h).
struct CorrectionDecision {
  correctionAuthor @0 :Data;       # The correction's entry: author (32-byte node id),
  correctionScope @1 :Text;        # scope
  correctionSeq @2 :UInt64;        # and seq.
  outcome @3 :Outcome;
  comment @4 :Text;                # The reviewer's reason (required for a rejection).
  reviewer @5 :Text;               # Staff user name of the reviewer.
  conflict @6 :Text;               # "", "soft" or "hard": the conflict the reviewer saw and chose
                                   # through explicitly.
  decidedAtMs @7 :Int64;           # Unix ms (the central node's clock).
  enum Outcome {
    accepted @0;
    rejected @1;
  }
}

# ---------------------------------------------------------------------------------------------
# Messaging (RapidPro API v2)

struct LocalizedText {
  lang @0 :Text;                   # ISO 639-3 as RapidPro uses ("eng", "fra"); empty = default.
  text @1 :Text;
}

# Who a message is for. Values within one list are OR-ed; non-empty lists are AND-ed.
struct Target {
  cadres @0 :List(Text);           # Cadre codes.
  districts @1 :List(Text);        # District codes.
  facilities @2 :List(Text);       # Facility entityIDs.
  skills @3 :List(Text);           # Skill (specialty/credential) codes.
  entityIds @4 :List(Text);        # Explicit provider entityIDs.
}

enum Priority {
  routine @0;
  urgent @1;
}

struct OutgoingMessage {
  messageId @0 :Text;              # Globally unique (author-chosen UUID).
  texts @1 :List(LocalizedText);   # Text message; empty when flowUuid is set.
  flowUuid @2 :Text;               # RapidPro flow to start; empty for a text message.
  target @3 :Target;
  priority @4 :Priority;
  notBeforeMs @5 :Int64;           # Unix ms; 0 = send as soon as possible.
  expiresAtMs @6 :Int64;           # Unix ms; 0 = never expires.
  author @7 :Text;                 # Free-form author label (role, not a personal name).
  # Fields 8-11 were added with the console's compose page (issue 12); older entries leave them
  # at their defaults.
  staffUser @8 :Text;              # Console staff user who composed it; "" from `mhero send`.
  authorNode @9 :Data;             # Node id (32 bytes) of the composing node: the feed author,
                                   # repeated so an exported message record stands alone.
  flowName @10 :Text;              # RapidPro flow name when picked (from the held flowList); "" else.
  previewedCount @11 :UInt32;      # Health workers the author's preview reached at confirmation
                                   # (0 = no preview recorded).
  # Field 12 was added with channels (issue 20).
  channels @12 :List(Text);        # Only these channels may carry it ("sms", "whatsapp",
                                   # "telegram"): each worker gets it on the first of them in its
                                   # urn order; a worker with none of them is not reached. Empty =
                                   # any channel (the worker's preferred one).
}

# The central node's record of handing a message to RapidPro.
struct Dispatch {
  messageId @0 :Text;
  phase @1 :Phase;
  attempt @2 :UInt32;              # Increments on each new intent for the same message.
  broadcastUuids @3 :List(Text);   # RapidPro broadcasts created (outcome).
  flowStartUuids @4 :List(Text);   # RapidPro flow starts created (outcome).
  recipientCount @5 :UInt32;       # Health workers the message was handed to.
  targetedCount @6 :UInt32;        # Health workers the target resolved to.
  error @7 :Text;                  # RapidPro's error text, for phase = failed.
  recipients @8 :List(Text);       # entityIDs covered by this record (intent: planned).
  batch @9 :UInt32;                # 0-based send batch (<= 100 contacts, one RapidPro call);
                                   # 0xFFFFFFFF = the message summary (final state of the message).
  contactUuids @10 :List(Text);    # RapidPro contact uuids of the batch, same order as recipients.
  calledAtMs @11 :Int64;           # Unix ms of the intent: reconciliation looks for sends after it.
  # Fields 12-13 and enumerant `cancelled` were added with shared phones and cancel (issue 12).
  phoneCount @12 :UInt32;          # Distinct phone numbers (RapidPro contacts) of the batch, or
                                   # of every sent batch in the summary: one SMS per phone. Several
                                   # workers on one phone share one contact (recipientCount counts
                                   # workers). 0 in records written before: read as recipientCount.
  sharedPhoneCount @13 :UInt32;    # Of those phones, how many are shared by 2 or more workers.
  urns @14 :List(Text);            # The urns the batch was sent to, when its message is limited to
                                   # channels (RapidPro `urns`, one per phone, same order as the
                                   # distinct contactUuids); empty: sent to contactUuids, each
                                   # contact on its own first urn. (Was a Void placeholder.)
  reservedCompose15 @15 :Void;     # Placeholder (capnp needs ordinals without holes): allotted to
                                   # the compose branch of issue 12, unused; free for a new field.
  broadcastIds @16 :List(Int64);   # RapidPro's integer ids of broadcastUuids, same order (outcome;
                                   # messages.json?broadcast= takes the id). Empty in records written
                                   # before issue 12 or when RapidPro's reply had no id.
  enum Phase {
    intent @0;                     # About to call RapidPro.
    sent @1;                       # RapidPro accepted it.
    failed @2;                     # RapidPro refused it; see error.
    expired @3;                    # Not sent: expired before it could be.
    cancelled @4;                  # Summary only: an operator cancelled it; the batches before
                                   # the cancel was seen stay sent.
  }
}

struct KeyValue {
  key @0 :Text;
  value @1 :Text;
}

# A health worker's answer.
struct Response {
  messageId @0 :Text;              # Message the answer belongs to; empty if unmatched.
  entityId @1 :Text;               # CSD entityID of the health worker.
  answeredAtMs @2 :Int64;          # Unix ms.
  values @3 :List(KeyValue);       # RapidPro run values (result name -> value).
  rawText @4 :Text;                # Incoming message text, if any.
  sourceId @5 :Text;               # RapidPro run uuid or message id (deduplication key).
  districtCode @6 :Text;
  # Fields 7-9 were added with shared phones (issue 12).
  contactUuid @7 :Text;            # RapidPro contact that answered ("" when unknown).
  sharedWith @8 :List(Text);       # When the contact's phone is shared by several workers: their
                                   # entityIDs (entityId is then ""): the answer is ambiguous
                                   # between them and credited to none. Empty otherwise.
  phone @9 :Text;                  # E.164 of the contact's tel: urn ("" when unknown).
}

# An operator's cancel of an outgoing message (any node that may write the message's scope).
# The dispatcher checks for it before every batch and stops; batches already sent stay sent.
struct MessageCancel {
  messageId @0 :Text;              # OutgoingMessage.messageId.
  staffUser @1 :Text;              # Console staff user, or "" from `mhero messages cancel`.
  reason @2 :Text;                 # Free text, may be "".
  atMs @3 :Int64;                  # Unix ms of the cancel (the writing node's clock).
}

# RapidPro's flow list (API v2 flows.json), written by the central node into `national` when it
# changed, so districts pick flows by name while offline. The newest entry (HLC) wins.
struct FlowList {
  fetchedAtMs @0 :Int64;           # Unix ms when the central node listed it.
  flows @1 :List(Flow);
  struct Flow {
    uuid @0 :Text;                 # flows.json `uuid`.
    name @1 :Text;                 # `name`.
    type @2 :Text;                 # `type`: "message", "voice", "background", "survey".
    archived @3 :Bool;             # `archived`: archived flows are not offered for new messages.
    expiresMinutes @4 :UInt32;     # `expires`: minutes a run may wait for an answer.
    resultKeys @5 :List(Text);     # `results[].key`: the values the flow collects.
  }
}

# One count of a DeliveryReport: a RapidPro message status or a failure reason, and how many.
struct StatusCount {
  key @0 :Text;                    # "delivered", "failed", … (DeliveryReport.counts), or a reason.
  count @1 :UInt32;
}

# What RapidPro says became of the SMS of one message's broadcasts (RapidPro API v2
# messages.json?broadcast=<id>, outgoing messages only), written by the central node's delivery
# poller (src/messaging/delivery_poller.h) to the message's scope, so its district sees it too.
# Counts are recomputed from scratch on each poll; a new report is written only when they changed.
struct DeliveryReport {
  messageId @0 :Text;              # OutgoingMessage.messageId.
  counts @1 :List(StatusCount);    # Per RapidPro status: queued, wired, sent, delivered, handled,
                                   # errored, failed, read (any other value RapidPro sends is kept
                                   # as written), sorted by key.
  failures @2 :List(StatusCount);  # errored + failed messages per reason: RapidPro's failed_reason
                                   # when it sends one, else the status itself, sorted by key.
  broadcastCount @3 :UInt32;       # Broadcasts of the message polled for this report.
  polledAtMs @4 :Int64;            # Unix ms (central node's clock) of the poll.
  final @5 :Bool;                  # Every SMS is in a final state (delivered, failed, handled, read)
                                   # or polling stopped (delivery_poll_stop_ms after dispatch).
  # Field 6 was added with channels (issue 20); empty in reports written before.
  channels @6 :List(ChannelCounts);  # The same counts per channel (the scheme of each message's
                                     # urn), sorted by channel.
  struct ChannelCounts {
    channel @0 :Text;              # "sms", "whatsapp", "telegram", or the urn scheme as RapidPro
                                   # wrote it.
    counts @1 :List(StatusCount);  # Per RapidPro status, sorted by key.
  }
}

# ---------------------------------------------------------------------------------------------
# Membership and health

# The central node admits a district node key.
struct Enrollment {
  nodeKey @0 :Data;                # Ed25519 public key, 32 bytes.
  districtCode @1 :Text;           # The only scope the key may write: district/<code>.
  label @2 :Text;                  # e.g. "Bong county office".
  replaces @3 :Data;               # Key rotation: the old key (32 bytes) whose keyRotation
                                   # announced nodeKey; empty for a first enrollment.
  overlapUntilMs @4 :Int64;        # With `replaces`: Unix ms until which the old key stays accepted
                                   # (sync, bundles, entries); then the central node retires it.
}

# The central node removes a key. Entries of the key's feeds up to validThrough stay valid.
struct Revocation {
  nodeKey @0 :Data;
  reason @1 :Text;
  validThrough @2 :List(import "feed.capnp".FeedSeq);
  successor @3 :Data;              # Retirement after a key rotation: the key (32 bytes) that took
                                   # over; empty for a plain revocation.
}

# A node hands its identity over to a new key. Written by the old key: a district in its own feed
# (district/<code>), the central node in `national`. Admitted only when oldKey is the author and
# newKeyProof verifies, so both keys took part. The old feed ends there in spirit: the node writes
# a new feed under newKey once the hand-over is enrolled (district) or at the switch (central).
struct KeyRotation {
  oldKey @0 :Data;                 # The author's key (32 bytes), so the statement stands alone.
  newKey @1 :Data;                 # The successor (32 bytes).
  newKeyProof @2 :Data;            # Ed25519 signature by newKey (64 bytes) over
                                   # "mhero key rotation v1\n" || oldKey || newKey || scope ||
                                   # overlapMs (8 bytes, little-endian): proof of possession.
  overlapMs @3 :Int64;             # How long both keys stay accepted once the successor is
                                   # enrolled (district) or announced (central).
}

# What a node knows of one peer (src/fleet/node_health.h). Fields 2-5 were added with the
# console (issue 11); an older node leaves them at their defaults.
struct PeerContact {
  peer @0 :Data;                   # Node id (32 bytes).
  lastContactMs @1 :Int64;         # Unix ms (this node's clock) of the last contact; 0 = never.
  via @2 :ContactVia;              # How that contact was made.
  bundleId @3 :Data;               # via = bundle: the bundle imported (16 bytes); else empty.
  pendingEntryCount @4 :UInt64;    # Entries written here (own feeds) the peer is not known to hold.
  clockOffsetMs @5 :Int64;         # This node's clock minus the peer's, measured from the peer's
                                   # hello in the last session (0 = never measured).
  enum ContactVia {
    none @0;                       # No contact known.
    session @1;                    # An online sync session that ended well.
    bundle @2;                     # A bundle from the peer, imported here.
  }
}

# A node's health (src/fleet/node_status_writer.h), appended to its own feed when it changed
# meaningfully or every [console] status_interval_ms. Fields 5-6 were added with the console.
struct NodeStatus {
  freeDiskBytes @0 :UInt64;        # Free bytes (statvfs f_bavail) of the file system of db/.
  pendingEntryCount @1 :UInt64;    # Entries written here that the central node has not acked
                                   # (0 on the central node).
  clockOffsetMs @2 :Int64;         # This node's clock minus the central node's, measured in the
                                   # last session with it (0 on the central node / never measured).
  peers @3 :List(PeerContact);     # A district: its central node. The central node lists none
                                   # (its console reads the same facts locally; one contact per
                                   # district would make every status entry grow with the country).
  version @4 :Text;                # Software version (meson project version), e.g. "0.1.0".
  storeBytes @5 :UInt64;           # Bytes of the store's files on disk (db/).
  reason @6 :Text;                 # Why it was written: "first", "interval", or the changes
                                   # joined by ", " ("free disk", "pending", "contact", "clock",
                                   # "version").
}

# "Node X now holds frontier F": tells senders and the console what arrived.
struct Receipt {
  bundleId @0 :Data;               # Bundle that was imported (16 bytes), empty after an online sync.
  sender @1 :Data;                 # Node id that sent the bundle or session.
  frontier @2 :import "feed.capnp".Frontier;  # Receiver's frontier after the import.
}

# ---------------------------------------------------------------------------------------------
# Console

# One staff action on the reconciliation console or the account commands, appended by the node
# that served it to its own feed, so the audit trail is signed and replicates like any entry.
# Never holds a password, a session token or anything personal beyond the staff user name.
struct AuditEvent {
  timeMs @0 :Int64;                # Unix ms when the action happened (the serving node's clock).
  user @1 :Text;                   # Staff user name; "" when unknown (a login with an unknown name).
  action @2 :Text;                 # "login", "login_failed", "logout", "access_denied",
                                   # "csrf_refused", "user.add", "user.disable", "user.enable",
                                   # "user.passwd", … (dotted: object kind, then verb).
  object @3 :Text;                 # What it acted on: a user name, "POST /users", a message id; may be "".
  outcome @4 :Text;                # "ok", or why not: "invalid_credentials", "locked", "disabled",
                                   # "rate_limited", "denied", "refused: <reason>".
  clientAddress @5 :Text;          # IP address of the browser ("127.0.0.1"), "cli" for a command.
}
