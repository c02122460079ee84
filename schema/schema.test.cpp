// Proves the generated schema code builds messages that survive serialization unchanged, including
// every process of the update union, and that an unknown union member reads as such; and that the
// client API's methods keep their ordinals (renumbering one breaks every deployed client).
#include <gtest/gtest.h>

#include <capnp/message.h>
#include <capnp/schema.h>
#include <capnp/serialize.h>

#include "schema/api.capnp.h"
#include "schema/update.capnp.h"
#include "schema/world.capnp.h"

namespace strata::schema {
namespace {

// Serializes `builder` to the flat wire form and reads it back.
kj::Array<capnp::word> to_words(capnp::MallocMessageBuilder& builder) {
  return capnp::messageToFlatArray(builder);
}

TEST(schema, world_spec_round_trips) {
  capnp::MallocMessageBuilder message;
  auto spec = message.initRoot<WorldSpec>();
  spec.setFormatVersion(1);
  spec.setVoxelLevel(20);
  spec.setRegionLevel(12);
  spec.setDzM(2.0);
  spec.setZMinM(-11000.0);
  spec.setZMaxM(9000.0);
  spec.setChunkEdge(32);
  spec.setName("earth");
  auto materials = spec.initMaterials(2);
  materials[0].setId(0);
  materials[0].setName("air");
  materials[1].setId(1);
  materials[1].setName("water");
  auto generator = spec.initGenerator();
  generator.setName("stratified-dem");
  generator.setVersion(3);

  auto words = to_words(message);
  capnp::FlatArrayMessageReader reader(words);
  auto read = reader.getRoot<WorldSpec>();
  EXPECT_EQ(read.getFormatVersion(), 1);
  EXPECT_EQ(read.getVoxelLevel(), 20);
  EXPECT_EQ(read.getRegionLevel(), 12);
  EXPECT_DOUBLE_EQ(read.getDzM(), 2.0);
  EXPECT_DOUBLE_EQ(read.getZMinM(), -11000.0);
  EXPECT_DOUBLE_EQ(read.getZMaxM(), 9000.0);
  EXPECT_EQ(read.getChunkEdge(), 32);
  EXPECT_EQ(read.getName(), "earth");
  ASSERT_EQ(read.getMaterials().size(), 2u);
  EXPECT_EQ(read.getMaterials()[1].getName(), "water");
  EXPECT_EQ(read.getGenerator().getVersion(), 3u);
  EXPECT_EQ(SCHEMA_VERSION, 1);
}

TEST(schema, chunk_round_trips_its_bytes) {
  capnp::MallocMessageBuilder message;
  auto chunk = message.initRoot<Chunk>();
  auto id = chunk.initId();
  id.setRegion(0x89c2590000000000ull);
  id.setLod(2);
  id.setMorton((1ull << 62) | 5);
  chunk.setVersion(17);
  chunk.setTick(400);
  const kj::byte payload[] = {0x53, 0x54, 0x00, 0xff, 0x10};
  chunk.setData(kj::arrayPtr(payload, sizeof payload));

  auto words = to_words(message);
  capnp::FlatArrayMessageReader reader(words);
  auto read = reader.getRoot<Chunk>();
  EXPECT_EQ(read.getId().getRegion(), 0x89c2590000000000ull);
  EXPECT_EQ(read.getId().getLod(), 2);
  EXPECT_EQ(read.getId().getMorton(), (1ull << 62) | 5);
  EXPECT_EQ(read.getVersion(), 17u);
  EXPECT_EQ(read.getTick(), 400u);
  ASSERT_EQ(read.getData().size(), sizeof payload);
  EXPECT_EQ(memcmp(read.getData().begin(), payload, sizeof payload), 0);
}

// Builds one update of each process and checks the union tag and a field of each after the trip.
TEST(schema, every_process_of_an_update_round_trips) {
  capnp::MallocMessageBuilder message;
  auto batch = message.initRoot<UpdateBatch>();
  auto updates = batch.initUpdates(8);
  for (unsigned n = 0; n < updates.size(); ++n) {
    auto update = updates[n];
    kj::byte id[16] = {};
    id[0] = static_cast<kj::byte>(n);
    update.setId(kj::arrayPtr(id, sizeof id));
    update.setTick(1000 + n);
    update.initTrace().setTraceparent("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
  }
  auto cap = updates[0].getProcess().initErosion().initDepthM().initCap();
  cap.initCenter().setLatDeg(49.0);
  cap.getCenter().setLngDeg(-124.5);
  cap.setRadiusM(5000);
  cap.setPeak(2.5f);
  cap.setProfile(ColumnField::Profile::GAUSSIAN);

  auto deposition = updates[1].getProcess().initDeposition();
  auto raster = deposition.initThicknessM().initRaster();
  raster.setCell(0x89c2590000000000ull);
  raster.setLevel(14);
  auto values = raster.initValues(4);
  for (unsigned v = 0; v < 4; ++v)
    values.set(v, 0.5f * v);
  auto mix = deposition.initMix(2);
  mix[0].setMaterial(2);
  mix[0].setVolumeM3(120.0);
  mix[1].setMaterial(4);
  mix[1].setVolumeM3(30.0);

  updates[2].getProcess().initTectonics().initUpliftM().initCap().setPeak(-3.0f);
  updates[3].getProcess().initWeathering().initDepthM().initCap().setPeak(4.0f);
  auto volcanism = updates[4].getProcess().initVolcanism();
  volcanism.setMode(Volcanism::Mode::INTRUSION);
  volcanism.setMaterial(9);
  volcanism.setBaseAltM(-800);
  updates[5].getProcess().initSeaLevel().setLevelM(-120.0);
  auto voxels = updates[6].getProcess().initSetVoxels().initVoxels(1);
  voxels[0].initVoxel().setFace(5);
  voxels[0].getVoxel().setK(77);
  voxels[0].setMaterial(8);
  auto box = updates[7].getProcess().initFillBox();
  box.initMin().setAltM(-10);
  box.initMax().setAltM(10);
  box.setMaterial(3);

  auto words = to_words(message);
  capnp::FlatArrayMessageReader reader(words);
  auto read = reader.getRoot<UpdateBatch>().getUpdates();
  ASSERT_EQ(read.size(), 8u);
  for (unsigned n = 0; n < read.size(); ++n) {
    EXPECT_EQ(read[n].getTick(), 1000u + n);
    ASSERT_EQ(read[n].getId().size(), 16u);
    EXPECT_EQ(read[n].getId()[0], n);
  }
  EXPECT_EQ(read[0].getTrace().getTraceparent(),
            "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
  ASSERT_TRUE(read[0].getProcess().isErosion());
  auto read_cap = read[0].getProcess().getErosion().getDepthM().getCap();
  EXPECT_EQ(read_cap.getProfile(), ColumnField::Profile::GAUSSIAN);
  EXPECT_DOUBLE_EQ(read_cap.getCenter().getLngDeg(), -124.5);
  ASSERT_TRUE(read[1].getProcess().isDeposition());
  auto read_deposition = read[1].getProcess().getDeposition();
  ASSERT_TRUE(read_deposition.getThicknessM().isRaster());
  EXPECT_FLOAT_EQ(read_deposition.getThicknessM().getRaster().getValues()[3], 1.5f);
  ASSERT_TRUE(read_deposition.isMix());
  EXPECT_DOUBLE_EQ(read_deposition.getMix()[1].getVolumeM3(), 30.0);
  EXPECT_FLOAT_EQ(read[2].getProcess().getTectonics().getUpliftM().getCap().getPeak(), -3.0f);
  EXPECT_TRUE(read[3].getProcess().isWeathering());
  EXPECT_EQ(read[4].getProcess().getVolcanism().getMode(), Volcanism::Mode::INTRUSION);
  EXPECT_DOUBLE_EQ(read[5].getProcess().getSeaLevel().getLevelM(), -120.0);
  EXPECT_EQ(read[6].getProcess().getSetVoxels().getVoxels()[0].getVoxel().getK(), 77u);
  EXPECT_EQ(read[7].getProcess().getFillBox().getMaterial(), 3);
}

TEST(schema, truncated_bytes_are_refused_not_read) {
  capnp::MallocMessageBuilder message;
  message.initRoot<WorldSpec>().setName("a name long enough to need its own words");
  auto words = to_words(message);
  auto bytes = words.asBytes();
  // Cut the message short: the reader must throw (Cap'n Proto's bounds check), never read past it.
  auto short_words = kj::heapArray<capnp::word>(words.size() - 2);
  memcpy(short_words.begin(), bytes.begin(), short_words.size() * sizeof(capnp::word));
  EXPECT_ANY_THROW({
    capnp::FlatArrayMessageReader reader(short_words);
    (void)reader.getRoot<WorldSpec>().getName();
  });
}

TEST(schema, the_client_api_keeps_its_method_ordinals) {
  const std::vector<std::string> strata = {
      "info",        "apply",    "push",  "stream", "subscribe", "voxel", "column",
      "regionStats", "shardMap", "stats", "create", "drain",     "move"};
  auto methods = capnp::Schema::from<Strata>().getMethods();
  ASSERT_EQ(methods.size(), strata.size());
  for (unsigned n = 0; n < methods.size(); ++n)
    EXPECT_EQ(std::string(methods[n].getProto().getName().cStr()), strata[n]) << n;
  auto sink = capnp::Schema::from<ChunkSink>().getMethods();
  ASSERT_EQ(sink.size(), 4u);
  EXPECT_EQ(std::string(sink[0].getProto().getName().cStr()), "chunks");
  EXPECT_EQ(std::string(capnp::Schema::from<Gate>().getMethods()[0].getProto().getName().cStr()),
            "open");
}

TEST(schema, streamed_chunks_and_acks_round_trip) {
  capnp::MallocMessageBuilder message;
  auto chunk = message.initRoot<StreamedChunk>();
  chunk.initId().setRegion(0x89c25);
  chunk.getId().setLod(1);
  chunk.getId().setMorton(42);
  chunk.setSource(StreamedChunk::Source::BASELINE);
  chunk.setVersion(7);
  auto error = chunk.initError();
  error.setCode(5);
  error.setKind(Error::Kind::FATAL);
  error.setMessage("corrupt");
  const auto words = to_words(message);
  capnp::FlatArrayMessageReader reader(words);
  auto read = reader.getRoot<StreamedChunk>();
  EXPECT_EQ(read.getId().getRegion(), 0x89c25u);
  EXPECT_EQ(read.getId().getMorton(), 42u);
  EXPECT_EQ(read.getSource(), StreamedChunk::Source::BASELINE);
  EXPECT_FALSE(read.hasData());
  EXPECT_EQ(std::string(read.getError().getMessage().cStr()), "corrupt");
  capnp::MallocMessageBuilder ack_message;
  auto ack = ack_message.initRoot<Ack>();
  ack.setStatus(Ack::Status::DUPLICATE);
  ack.setRegionsDuplicate(3);
  auto removed = ack.initRemoved(1);
  removed[0].setMaterial(8);
  removed[0].setVolumeM3(1250.5);
  const auto ack_words = to_words(ack_message);
  capnp::FlatArrayMessageReader ack_reader(ack_words);
  auto read_ack = ack_reader.getRoot<Ack>();
  EXPECT_EQ(read_ack.getStatus(), Ack::Status::DUPLICATE);
  EXPECT_EQ(read_ack.getRemoved()[0].getVolumeM3(), 1250.5);
}

}  // namespace
}  // namespace strata::schema
