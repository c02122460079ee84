#include "geology/update_codec.hpp"

#include <capnp/message.h>
#include <capnp/serialize.h>

#include <cmath>
#include <cstring>

namespace strata::geology {

namespace {

base::error bad(const std::string& field, const std::string& why) {
  return base::fail(base::errc::invalid_argument, "update." + field + ": " + why);
}

base::status finite(double value, const std::string& field) {
  if (!std::isfinite(value))
    return bad(field, "not a finite number");
  return {};
}

base::result<column_field> field_from(schema::ColumnField::Reader in, const std::string& name) {
  switch (in.which()) {
    case schema::ColumnField::RASTER: {
      auto r = in.getRaster();
      raster_field out;
      out.cell = S2CellId(r.getCell());
      out.level = r.getLevel();
      auto values = r.getValues();
      out.values.reserve(values.size());
      for (float v : values)
        out.values.push_back(v);
      return column_field{std::move(out)};
    }
    case schema::ColumnField::CAP: {
      auto c = in.getCap();
      cap_field out;
      out.centre = {c.getCenter().getLatDeg(), c.getCenter().getLngDeg()};
      out.radius_m = c.getRadiusM();
      out.peak = c.getPeak();
      for (auto [value, field] : {std::pair{out.centre.lat_deg, ".cap.center.latDeg"},
                                  {out.centre.lng_deg, ".cap.center.lngDeg"},
                                  {out.radius_m, ".cap.radiusM"},
                                  {static_cast<double>(out.peak), ".cap.peak"}})
        if (auto ok = finite(value, name + field); !ok)
          return ok.error();
      const auto shape = static_cast<unsigned>(c.getProfile());
      if (shape > static_cast<unsigned>(profile::cosine))
        return bad(name + ".cap.profile", "unknown profile " + std::to_string(shape));
      out.shape = static_cast<profile>(shape);
      return column_field{out};
    }
  }
  return base::fail(base::errc::unsupported_version,
                    "update." + name + ": a kind of field this build does not know");
}

void field_to(const column_field& in, schema::ColumnField::Builder out) {
  if (const auto* cap = std::get_if<cap_field>(&in)) {
    auto c = out.initCap();
    c.initCenter().setLatDeg(cap->centre.lat_deg);
    c.getCenter().setLngDeg(cap->centre.lng_deg);
    c.setRadiusM(cap->radius_m);
    c.setPeak(cap->peak);
    c.setProfile(static_cast<schema::ColumnField::Profile>(cap->shape));
    return;
  }
  const auto& raster = std::get<raster_field>(in);
  auto r = out.initRaster();
  r.setCell(raster.cell.id());
  r.setLevel(static_cast<std::uint8_t>(raster.level));
  auto values = r.initValues(static_cast<unsigned>(raster.values.size()));
  for (unsigned n = 0; n < raster.values.size(); ++n)
    values.set(n, raster.values[n]);
}

geo::position position_from(schema::Position::Reader p) {
  return {p.getLatDeg(), p.getLngDeg(), p.getAltM()};
}

void position_to(const geo::position& p, schema::Position::Builder out) {
  out.setLatDeg(p.lat_deg);
  out.setLngDeg(p.lng_deg);
  out.setAltM(p.alt_m);
}

base::result<process_update> process_from(schema::Update::Process::Reader in) {
  switch (in.which()) {
    case schema::Update::Process::EROSION: {
      auto f = field_from(in.getErosion().getDepthM(), "erosion.depthM");
      if (!f)
        return f.error();
      return process_update{erosion_update{std::move(*f)}};
    }
    case schema::Update::Process::DEPOSITION: {
      auto d = in.getDeposition();
      auto f = field_from(d.getThicknessM(), "deposition.thicknessM");
      if (!f)
        return f.error();
      deposition_update out{std::move(*f), {}};
      if (d.which() == schema::Deposition::MIX) {
        for (auto amount : d.getMix()) {
          if (auto ok = finite(amount.getVolumeM3(), "deposition.mix.volumeM3"); !ok)
            return ok.error();
          out.what.mix.emplace_back(amount.getMaterial(), amount.getVolumeM3());
        }
        if (out.what.mix.empty())
          return bad("deposition.mix", "an empty mix");
      } else {
        out.what.material = d.getMaterial();
      }
      return process_update{std::move(out)};
    }
    case schema::Update::Process::TECTONICS: {
      auto f = field_from(in.getTectonics().getUpliftM(), "tectonics.upliftM");
      if (!f)
        return f.error();
      return process_update{tectonics_update{std::move(*f)}};
    }
    case schema::Update::Process::WEATHERING: {
      auto f = field_from(in.getWeathering().getDepthM(), "weathering.depthM");
      if (!f)
        return f.error();
      return process_update{weathering_update{std::move(*f)}};
    }
    case schema::Update::Process::VOLCANISM: {
      auto v = in.getVolcanism();
      auto f = field_from(v.getThicknessM(), "volcanism.thicknessM");
      if (!f)
        return f.error();
      const auto mode = static_cast<unsigned>(v.getMode());
      if (mode > static_cast<unsigned>(volcanism_update::mode::intrusion))
        return bad("volcanism.mode", "unknown mode " + std::to_string(mode));
      if (auto ok = finite(v.getBaseAltM(), "volcanism.baseAltM"); !ok)
        return ok.error();
      return process_update{volcanism_update{static_cast<volcanism_update::mode>(mode),
                                             v.getMaterial(), std::move(*f), v.getBaseAltM()}};
    }
    case schema::Update::Process::SEA_LEVEL: {
      auto s = in.getSeaLevel();
      if (auto ok = finite(s.getLevelM(), "seaLevel.levelM"); !ok)
        return ok.error();
      auto f = field_from(s.getArea(), "seaLevel.area");
      if (!f)
        return f.error();
      return process_update{sea_level_update{s.getLevelM(), std::move(*f)}};
    }
    case schema::Update::Process::SET_VOXELS: {
      set_voxels_update out;
      for (auto v : in.getSetVoxels().getVoxels()) {
        auto at = v.getVoxel();
        out.voxels.push_back(
            {geo::voxel{at.getFace(), at.getI(), at.getJ(), at.getK()}, v.getMaterial()});
      }
      return process_update{std::move(out)};
    }
    case schema::Update::Process::FILL_BOX: {
      auto b = in.getFillBox();
      fill_box_update out{position_from(b.getMin()), position_from(b.getMax()), b.getMaterial()};
      for (auto [value, field] : {std::pair{out.min.lat_deg, "fillBox.min.latDeg"},
                                  {out.min.lng_deg, "fillBox.min.lngDeg"},
                                  {out.min.alt_m, "fillBox.min.altM"},
                                  {out.max.lat_deg, "fillBox.max.latDeg"},
                                  {out.max.lng_deg, "fillBox.max.lngDeg"},
                                  {out.max.alt_m, "fillBox.max.altM"}})
        if (auto ok = finite(value, field); !ok)
          return ok.error();
      return process_update{out};
    }
  }
  return base::fail(base::errc::unsupported_version,
                    "update.process: a process this build does not know (" +
                        std::to_string(static_cast<unsigned>(in.which())) + ")");
}

void process_to(const process_update& in, schema::Update::Process::Builder out) {
  std::visit(
      [&](const auto& p) {
        using T = std::decay_t<decltype(p)>;
        if constexpr (std::is_same_v<T, erosion_update>) {
          field_to(p.depth_m, out.initErosion().initDepthM());
        } else if constexpr (std::is_same_v<T, deposition_update>) {
          auto d = out.initDeposition();
          field_to(p.thickness_m, d.initThicknessM());
          if (p.what.mix.empty()) {
            d.setMaterial(p.what.material);
          } else {
            auto mix = d.initMix(static_cast<unsigned>(p.what.mix.size()));
            for (unsigned n = 0; n < p.what.mix.size(); ++n) {
              mix[n].setMaterial(p.what.mix[n].first);
              mix[n].setVolumeM3(p.what.mix[n].second);
            }
          }
        } else if constexpr (std::is_same_v<T, tectonics_update>) {
          field_to(p.uplift_m, out.initTectonics().initUpliftM());
        } else if constexpr (std::is_same_v<T, weathering_update>) {
          field_to(p.depth_m, out.initWeathering().initDepthM());
        } else if constexpr (std::is_same_v<T, volcanism_update>) {
          auto v = out.initVolcanism();
          v.setMode(static_cast<schema::Volcanism::Mode>(p.how));
          v.setMaterial(p.material);
          field_to(p.thickness_m, v.initThicknessM());
          v.setBaseAltM(p.base_alt_m);
        } else if constexpr (std::is_same_v<T, sea_level_update>) {
          auto s = out.initSeaLevel();
          s.setLevelM(p.level_m);
          field_to(p.area, s.initArea());
        } else if constexpr (std::is_same_v<T, set_voxels_update>) {
          auto list = out.initSetVoxels().initVoxels(static_cast<unsigned>(p.voxels.size()));
          for (unsigned n = 0; n < p.voxels.size(); ++n) {
            auto at = list[n].initVoxel();
            at.setFace(p.voxels[n].voxel.face);
            at.setI(p.voxels[n].voxel.i);
            at.setJ(p.voxels[n].voxel.j);
            at.setK(p.voxels[n].voxel.k);
            list[n].setMaterial(p.voxels[n].material);
          }
        } else {
          auto b = out.initFillBox();
          position_to(p.min, b.initMin());
          position_to(p.max, b.initMax());
          b.setMaterial(p.material);
        }
      },
      in);
}

}  // namespace

base::result<update> from_capnp(schema::Update::Reader in) {
  update out;
  auto id = in.getId();
  if (id.size() != out.id.size())
    return bad("id", "an idempotency key has 16 bytes; got " + std::to_string(id.size()));
  std::memcpy(out.id.data(), id.begin(), out.id.size());
  out.tick = in.getTick();
  if (in.hasTrace()) {
    out.traceparent = in.getTrace().getTraceparent().cStr();
    out.tracestate = in.getTrace().getTracestate().cStr();
  }
  auto process = process_from(in.getProcess());
  if (!process)
    return process.error();
  out.process = std::move(*process);
  return out;
}

void to_capnp(const update& in, schema::Update::Builder out) {
  out.setId(capnp::Data::Reader(in.id.data(), in.id.size()));
  out.setTick(in.tick);
  if (!in.traceparent.empty() || !in.tracestate.empty()) {
    auto trace = out.initTrace();
    trace.setTraceparent(in.traceparent);
    trace.setTracestate(in.tracestate);
  }
  process_to(in.process, out.initProcess());
}

std::string serialize(const update& u) {
  capnp::MallocMessageBuilder message;
  to_capnp(u, message.initRoot<schema::Update>());
  auto words = capnp::messageToFlatArray(message);
  auto bytes = words.asChars();
  return std::string(bytes.begin(), bytes.size());
}

base::result<update> parse_update(std::string_view bytes, const update_limits& limits) {
  if (bytes.size() > limits.bytes_max)
    return base::fail(base::errc::limit_exceeded, "an update of " + std::to_string(bytes.size()) +
                                                      " bytes; the limit is " +
                                                      std::to_string(limits.bytes_max));
  if (bytes.empty() || bytes.size() % sizeof(capnp::word) != 0)
    return base::fail(base::errc::parse_error, "an update is a whole number of 8-byte words; got " +
                                                   std::to_string(bytes.size()) + " bytes");
  // Aligned words: the caller's bytes need not be 8-byte aligned.
  auto words = kj::heapArray<capnp::word>(bytes.size() / sizeof(capnp::word));
  std::memcpy(words.begin(), bytes.data(), bytes.size());
  capnp::ReaderOptions options;
  options.traversalLimitInWords = bytes.size() / sizeof(capnp::word) * 2 + 64;
  options.nestingLimit = 16;
  std::optional<base::result<update>> out;
  // Cap'n Proto reports malformed messages by throwing kj::Exception: this is the boundary where
  // that becomes an error value.
  KJ_IF_MAYBE (exception, kj::runCatchingExceptions([&]() {
                 capnp::FlatArrayMessageReader reader(words, options);
                 out = from_capnp(reader.getRoot<schema::Update>());
               })) {
    return base::fail(base::errc::parse_error,
                      std::string("malformed update: ") + exception->getDescription().cStr());
  }
  return std::move(*out);
}

}  // namespace strata::geology
