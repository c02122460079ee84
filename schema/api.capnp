@0x9f2525ceda1175ad;
# The client API (DESIGN.md §6, docs/actors.md): what simulation engines and viewers call over
# Cap'n Proto RPC on every node.
#
# A client bootstraps a Gate and opens it, with the bearer token when the server has one, to get
# the Strata capability: every call on Strata is therefore authorised, and a call without the
# token cannot be made at all. Failures that belong to one item (an update, a chunk) come back as
# an Error in that item; a call that fails as a whole returns its Error in the results (when they
# have one) or fails the RPC with a message that names the limit or field.
#
# Evolution rules (STYLE.md rule 10): a new field or method takes the next ordinal; no ordinal is
# ever renumbered or reused; nothing is required.

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("strata::schema");

using World = import "world.capnp";
using Updates = import "update.capnp";

struct Error {
  # An expected failure (docs/errors.md).

  code @0 :UInt16;
  # The error's number in docs/errors.md: stable, never reused.

  kind @1 :Kind;
  # What the caller should do about it.

  message @2 :Text;
  # Names the field, key or limit at fault, e.g. "stream radius 300000 m exceeds
  # stream.radius_m_max 200000".

  enum Kind {
    retryable @0;   # the same request may succeed later; retry with backoff and the same ids
    overloaded @1;  # the server sheds load; back off longer
    fatal @2;       # the request is wrong; retrying it unchanged fails again
  }
}

struct Ack {
  # The outcome of one update, sent once it is durable (or has failed).

  id @0 :Data;
  # The update's 16-byte idempotency key.

  status @1 :Status;
  enum Status {
    applied @0;    # applied now, durable
    duplicate @1;  # applied before (a retry): nothing changed this time
    error @2;      # not applied; see error
  }

  error @2 :Error;
  # Set when status is error.

  regionsApplied @3 :UInt32;
  regionsDuplicate @4 :UInt32;
  # Regions the update covered, applied now and applied before.

  chunksChanged @5 :UInt64;
  voxelsChanged @6 :UInt64;

  removed @7 :List(Updates.MaterialAmount);
  added @8 :List(Updates.MaterialAmount);
  # Volumes taken out of and put into the world, per material: what an erosion removed, so the
  # engine can deposit it elsewhere.
}

struct StreamRequest {
  # An area around a viewer, at a level of detail that falls with distance.

  centre @0 :World.LatLng;
  radiusM @1 :Float64;
  # Chunk columns whose centres lie within this distance (along the surface) are sent.

  lodMax @2 :UInt8;
  # The coarsest level of detail wanted; the server caps it at what the world keeps.

  lodStepM @3 :Float64;
  # Chunks nearer than this come at LOD 0; each doubling of distance beyond it adds one LOD.

  velocityEastMps @4 :Float64;
  velocityNorthMps @5 :Float64;
  # The viewer's velocity: chunks near where it is heading come sooner.

  trace @6 :World.TraceContext;
}

struct StreamedChunk {
  id @0 :World.ChunkId;

  source @1 :Source;
  enum Source {
    stored @0;    # data holds the stored chunk
    baseline @1;  # nothing stored: the world generator's chunk; data is empty, and the client
                  # regenerates it from ServerInfo.generator
    built @2;     # an LOD parent built from its children for this read
  }

  version @2 :UInt64;
  tick @3 :UInt64;
  # The region's version when the chunk last changed, and the simulation tick of that change.

  data @4 :Data;
  # The chunk in the storage byte format (docs/format.md), decoded with strata's compression
  # library, which checks its checksum.

  error @5 :Error;
  # Set when the chunk could not be read; the stream goes on.
}

struct StreamStats {
  chunks @0 :UInt64;
  bytes @1 :UInt64;
  errors @2 :UInt64;
  firstChunkUs @3 :UInt64;
  totalUs @4 :UInt64;
  # From the request to the first and the last chunk, in microseconds.
}

interface ChunkSink {
  # Implemented by the client. The server calls chunks() as a streaming call: Cap'n Proto's flow
  # control holds the server back while the client is slow, and the server holds at most
  # stream.window_chunks chunks for it.

  chunks @0 (chunks :List(StreamedChunk)) -> stream;
  # The next chunks, nearest first for a stream; the newest versions of changed chunks for a
  # change feed.

  resync @1 ();
  # Change feeds only: changes may have been missed, because the client fell behind by more than
  # subscribe.buffer_chunks chunks or a region of the area moved to another node. Read the area
  # afresh (a stream); changes then flow again.

  done @2 (stats :StreamStats);
  # Streams only: every chunk has been sent.

  failed @3 (error :Error);
  # The stream or feed stopped.
}

interface Handle {
  # A running stream or change feed. Dropping the capability cancels it, as cancel() does.
  cancel @0 ();
}

interface AckSink {
  # Implemented by the client of a streaming push: acknowledgements as updates become durable.
  acks @0 (acks :List(Ack)) -> stream;
}

interface UpdateSink {
  # The server's end of a streaming push.
  write @0 (batch :Updates.UpdateBatch) -> stream;
  # More updates; each is acknowledged through the AckSink once durable.

  finish @1 ();
  # No more updates: returns once every update written has been acknowledged.
}

struct VoxelAnswer {
  voxel @0 :World.Voxel;
  material @1 :UInt8;
  materialName @2 :Text;
  history @3 :UInt8;
  # Bits: World.historyErosion ...

  version @4 :UInt64;
  tick @5 :UInt64;
  # Of the voxel's chunk; zero for a chunk never changed.

  error @6 :Error;
  # Set when the query failed (a position off the world, an unavailable owner).
}

struct ColumnLayer {
  material @0 :UInt8;
  materialName @1 :Text;
  history @2 :UInt8;
  # The OR of the history of the layer's voxels.

  bottomM @3 :Float64;
  topM @4 :Float64;
}

struct ColumnAnswer {
  layers @0 :List(ColumnLayer);
  # Top down: the first layer is the highest.

  version @1 :UInt64;
  tick @2 :UInt64;
  # The newest among the column's chunks.

  error @3 :Error;
}

struct RegionStats {
  region @0 :UInt64;
  version @1 :UInt64;
  tick @2 :UInt64;
  updates @3 :UInt64;
  # Updates applied to the region.

  node @4 :UInt64;
  epoch @5 :UInt64;
  # Its owner and the epoch of the owner's range.

  error @6 :Error;
}

struct ShardRange {
  first @0 :UInt64;
  last @1 :UInt64;
  # Region ids (S2 cell ids), both inclusive.

  node @2 :UInt64;
  epoch @3 :UInt64;

  updatesPerS @4 :Float64;
  readsPerS @5 :Float64;
  # Its load as the coordinator remembers it (moving averages over cluster.load_halflife_ms).
}

struct ShardNode {
  id @0 :UInt64;
  state @1 :Text;
  # "up"; "unavailable" (no heartbeat within cluster.lease_ms: its ranges answer unavailable
  # until it returns); "draining" (its ranges are being handed to other nodes).

  storedBytes @2 :UInt64;
  updatesPerS @3 :Float64;
  readsPerS @4 :Float64;
  address @5 :Text;
  # host:port of the node's cluster port (cluster.advertise).
}

struct ShardMove {
  # A range being handed from one node to another.
  first @0 :UInt64;
  last @1 :UInt64;
  from @2 :UInt64;
  to @3 :UInt64;
  reason @4 :Text;
  # "join", "drain", "load" or "operator".
}

struct ShardMap {
  version @0 :UInt64;
  ranges @1 :List(ShardRange);
  nodes @2 :List(ShardNode);
  moves @3 :List(ShardMove);
}

struct Limits {
  # What the server accepts; past any of them, a request is refused with limit_exceeded.
  messageBytesMax @0 :UInt64;
  batchUpdatesMax @1 :UInt32;
  streamRadiusMMax @2 :Float64;
  streamChunksMax @3 :UInt64;
  streamsPerClientMax @4 :UInt32;
}

struct ServerInfo {
  version @0 :Text;
  # strata's version, e.g. "0.1.0".

  schemaVersion @1 :UInt16;
  # World.schemaVersion of the server's schemas.

  world @2 :World.WorldSpec;

  generator @3 :Data;
  # The world generator's record (docs/import.md): what a client needs to regenerate the
  # baseline chunks that streams send without data.

  limits @4 :Limits;

  hasWorld @5 :Bool;
  # False until a world is created (Strata.create, `strata import`): until then every call but
  # info and create is refused with not_found.
}

struct CodecShare {
  codec @0 :Text;
  # The material channel's codec (docs/format.md), e.g. "run_length".
  chunks @1 :UInt64;
  bytes @2 :UInt64;
}

struct ServerStats {
  # What `strata stats` prints: a census of the stored chunks and the write path's counters.

  regions @0 :UInt64;
  # Regions an update has changed.

  chunks @1 :UInt64;
  chunkBytes @2 :UInt64;
  # Stored chunks and their bytes; untouched chunks of the imported terrain store nothing.

  diskBytes @3 :UInt64;
  # Bytes of the storage files in use.

  rawBytes @4 :UInt64;
  # What the stored chunks would take uncompressed (materials and history, 64 KiB each).

  chunksPerLod @5 :List(UInt64);
  codecs @6 :List(CodecShare);

  updatesApplied @7 :UInt64;
  updatesDuplicate @8 :UInt64;
  updatesFailed @9 :UInt64;
  # Since the server started, per region: an update over two regions counts twice.

  commits @10 :UInt64;
  dirtyChunks @11 :UInt64;
  # Chunks changed and not yet recompressed.

  regionsActive @12 :UInt64;
  # Region actors running now.
}

interface Strata {
  info @0 () -> (info :ServerInfo);

  apply @1 (batch :Updates.UpdateBatch) -> (acks :List(Ack));
  # Applies the updates, in order, and returns once each is durable or has failed: one Ack per
  # update, in the batch's order.

  push @2 (acks :AckSink) -> (updates :UpdateSink);
  # A streaming push: write batches into the UpdateSink, read acknowledgements from the AckSink.

  stream @3 (request :StreamRequest, sink :ChunkSink) -> (handle :Handle, error :Error);
  # Streams the area into the sink. Refused at once (error set, no handle) past the limits.

  subscribe @4 (centre :World.LatLng, radiusM :Float64, sink :ChunkSink)
      -> (handle :Handle, error :Error);
  # A change feed of the area: after each commit, the new versions of the changed chunks,
  # coalesced and rate-limited.

  voxel @5 (at :World.Position) -> (answer :VoxelAnswer);
  column @6 (at :World.LatLng) -> (answer :ColumnAnswer);
  regionStats @7 (region :UInt64) -> (stats :RegionStats);
  shardMap @8 () -> (map :ShardMap);

  stats @9 () -> (stats :ServerStats);

  create @10 (spec :World.WorldSpec, generator :Data) -> (info :ServerInfo, error :Error);
  # Makes the server's world from a spec and a generator record (docs/import.md), as
  # `strata import` does. Creating the world the server already has is not an error; another one
  # is refused (invalid_argument).

  drain @11 (node :UInt64) -> (map :ShardMap, error :Error);
  # Starts handing every range of the node to other nodes (what SIGTERM on a node does); answers
  # at once. The node owns nothing once no range of shardMap names it. unavailable when no other
  # node is up; not_found for a node the coordinator does not know.

  move @12 (first :UInt64, last :UInt64, node :UInt64) -> (map :ShardMap, error :Error);
  # Hands the regions [first, last] (within one range, split off first when they are part of
  # one) to the node, and answers once the new owner serves them.
}

interface Gate {
  # The bootstrap capability.
  open @0 (token :Text) -> (strata :Strata, error :Error);
  # With the server's bearer token (empty when it has none). A wrong token is refused (error set,
  # no capability).
}
