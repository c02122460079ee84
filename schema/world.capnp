@0xef0dd7dcf7e526f4;
# The world: its spec, coordinates, chunks and trace context (DESIGN.md §1, §2, §6).
#
# Evolution rules (STYLE.md rule 10): a new field takes the next ordinal; no ordinal is ever
# renumbered or reused; nothing is required. A reader treats a field it does not know as absent and
# a field left unset as its default.

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("strata::schema");

const schemaVersion :UInt16 = 1;
# The version of the schemas in this folder. Bumped when a field's meaning changes, which the
# evolution rules above make rare: adding fields does not bump it.

struct WorldSpec {
  # Fixed when a world is created and stored with it. Everything that maps latitude, longitude and
  # altitude to voxels goes through it.

  formatVersion @0 :UInt16;
  # The version of this struct's meaning: 1. A reader refuses a version it does not know.

  voxelLevel @1 :UInt8;
  # S2 level of a voxel column, 0..30: level 15 is about 240 m across, 20 about 7.5 m, 25 about
  # 0.25 m. A voxel is (face, i, j) at this level plus an altitude index k.

  regionLevel @2 :UInt8;
  # S2 level of a region. A region owns every voxel of every column inside its cell.
  # voxelLevel - regionLevel is between 5 (a region is one chunk wide) and 26 (chunk coordinates
  # fit 21 bits).

  dzM @3 :Float64;
  # Height of a voxel in metres; positive and finite.

  zMinM @4 :Float64;
  # Altitude of the bottom of voxel k = 0, in metres above the reference sphere.

  zMaxM @5 :Float64;
  # Altitudes from zMinM up to (not including) zMaxM are in the world; above zMinM.

  chunkEdge @6 :UInt16;
  # Voxels along each edge of a chunk. Always 32 in format version 1.

  name @7 :Text;
  # A name for people, e.g. "topobathy". Not used as a key.

  materials @8 :List(Material);
  # The material table: id 0 is air and id 1 is water in every world.

  generator @9 :Generator;
  # The procedural generator whose output is the baseline of delta-encoded chunks. Unset for a
  # world with no generator.
}

struct Material {
  id @0 :UInt8;
  # The value stored in a voxel's material channel.

  name @1 :Text;
  # Unique within the table, e.g. "granite".
}

struct Generator {
  name @0 :Text;
  # Which generator, e.g. "stratified-dem".

  version @1 :UInt32;
  # Bumped whenever the generator's output changes for the same parameters, so stored deltas are
  # never applied to a different baseline.

  parameters @2 :Data;
  # The generator's parameters in its own documented encoding.
}

struct LatLng {
  latDeg @0 :Float64;
  # Latitude in degrees, -90..90.

  lngDeg @1 :Float64;
  # Longitude in degrees, -180..180.
}

struct Position {
  latDeg @0 :Float64;
  # Latitude in degrees, -90..90.

  lngDeg @1 :Float64;
  # Longitude in degrees, -180..180.

  altM @2 :Float64;
  # Altitude in metres above the reference sphere (S2's mean Earth radius, 6371.01 km).
}

struct Voxel {
  # One voxel: the column (face, i, j) at the world's voxel level, and the altitude index k.

  face @0 :UInt8;
  # Cube face, 0..5.

  i @1 :UInt32;
  # Column index along the face's i axis at the voxel level, 0 .. 2^voxelLevel - 1.

  j @2 :UInt32;
  # Column index along the face's j axis at the voxel level, 0 .. 2^voxelLevel - 1.

  k @3 :UInt32;
  # Altitude index: the voxel spans zMinM + k * dzM up to zMinM + (k + 1) * dzM.
}

struct ChunkId {
  # A chunk of 32^3 voxels inside a region, at a level of detail.

  region @0 :UInt64;
  # The S2 cell id of the region, at the world's region level.

  lod @1 :UInt8;
  # Level of detail: at lod l a chunk covers 2^l LOD-0 chunks along each axis.

  morton @2 :UInt64;
  # Morton code of the chunk's coordinates (u, v, k) within the region at this lod: bit 3b of the
  # code is bit b of u, bit 3b + 1 is bit b of v, bit 3b + 2 is bit b of k; 21 bits per axis.
}

struct Chunk {
  id @0 :ChunkId;

  version @1 :UInt64;
  # The region's version when this chunk last changed; monotonic per region.

  tick @2 :UInt64;
  # The simulation tick of the chunk's last change.

  data @3 :Data;
  # The chunk in the storage byte format (docs/format.md), whose header names its codec and
  # carries the checksum of its decoded content. Clients decode it with strata's compression
  # library; the server never recodes it for transport.
}

const historyErosion :UInt8 = 0x01;
const historyDeposition :UInt8 = 0x02;
const historyVolcanism :UInt8 = 0x04;
const historyTectonics :UInt8 = 0x08;
const historyWeathering :UInt8 = 0x10;
const historyGlaciation :UInt8 = 0x20;
const historySeaLevel :UInt8 = 0x40;
const historyEdit :UInt8 = 0x80;
# Bits of a voxel's history channel: the processes that have touched it.

struct TraceContext {
  # W3C Trace Context (https://www.w3.org/TR/trace-context/), carried by every request so one
  # update can be followed from the client to the disk.

  traceparent @0 :Text;
  # "00-<32 hex trace id>-<16 hex parent span id>-<2 hex flags>". Empty when not traced.

  tracestate @1 :Text;
  # Vendor-specific key=value pairs, passed on unchanged.
}
