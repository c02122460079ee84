// The client subcommands: strata push, stream, query and stats, each a call through the client
// library to a server's gateway.
#include <capnp/compat/json.h>
#include <capnp/message.h>

#include <cmath>
#include <cstdio>

#include "base/file.hpp"
#include "base/json.hpp"
#include "cmd/client_flags.hpp"
#include "cmd/commands.hpp"
#include "cmd/render.hpp"
#include "geology/materials.hpp"
#include "schema/update.capnp.h"

namespace strata::cmd {

namespace {

constexpr double earth_radius_m = 6371010.0;

base::result<std::uint8_t> material_id(const std::string& name) {
  const geology::material_entry* m = geology::material_table::defaults().find(name);
  if (!m)
    return base::fail(base::errc::invalid_argument,
                      "--material " + name + " is not in the material table (docs/materials.md)");
  return m->id;
}

base::result<geology::profile> profile_of(const std::string& name) {
  if (name == "flat")
    return geology::profile::flat;
  if (name == "cone")
    return geology::profile::cone;
  if (name == "gaussian")
    return geology::profile::gaussian;
  if (name == "cosine")
    return geology::profile::cosine;
  return base::fail(base::errc::invalid_argument,
                    "--profile " + name + " is not flat, cone, gaussian or cosine");
}

// Data fields (the update ids) as 32 hex digits in JSON, both ways.
class hex_data_handler final : public capnp::JsonCodec::Handler<capnp::Data> {
 public:
  void encode(const capnp::JsonCodec&, capnp::Data::Reader input,
              capnp::JsonValue::Builder output) const override {
    client::update_id id{};
    std::copy_n(input.begin(), std::min(input.size(), id.size()), id.begin());
    output.setString(client::to_hex(id));
  }
  capnp::Orphan<capnp::Data> decode(const capnp::JsonCodec&, capnp::JsonValue::Reader input,
                                    capnp::Orphanage orphanage) const override {
    KJ_REQUIRE(input.isString(), "an update id is a string of 32 hex digits");
    auto id = client::parse_id(input.getString().cStr());
    KJ_REQUIRE(id.ok(), "an update id is a string of 32 hex digits", input.getString());
    auto out = orphanage.newOrphan<capnp::Data>(id->size());
    std::copy(id->begin(), id->end(), out.get().begin());
    return out;
  }
};

// Updates from a JSON file: an UpdateBatch in Cap'n Proto's JSON form, ids as hex (random when
// absent).
base::result<std::vector<geology::update>> updates_from_json(const std::string& path) {
  auto text = base::read_file(path);
  if (!text)
    return text.error();
  capnp::MallocMessageBuilder message;
  auto batch = message.initRoot<schema::UpdateBatch>();
  hex_data_handler hex;
  capnp::JsonCodec codec;
  codec.addTypeHandler(hex);
  KJ_IF_MAYBE (failure, kj::runCatchingExceptions(
                            [&] { codec.decode(kj::StringPtr(text->c_str()), batch); })) {
    return base::fail(base::errc::parse_error,
                      path + " is not an UpdateBatch in JSON: " + failure->getDescription().cStr());
  }
  std::vector<geology::update> out;
  unsigned n = 0;
  for (auto u : batch.getUpdates()) {
    capnp::MallocMessageBuilder one;
    one.setRoot(u.asReader());
    schema::Update::Builder root = one.getRoot<schema::Update>();
    if (!root.hasId())
      root.setId(kj::arrayPtr(client::random_id().data(), 16));
    auto parsed = geology::from_capnp(root.asReader());
    if (!parsed)
      return base::fail(parsed.error().code,
                        path + ": update " + std::to_string(n) + ": " + parsed.error().message);
    out.push_back(std::move(*parsed));
    ++n;
  }
  if (out.empty())
    return base::fail(base::errc::invalid_argument, path + " holds no updates");
  return out;
}

void print_ack_json(const client::ack& a) {
  base::json_writer out;
  out.begin_object()
      .key("id")
      .value(client::to_hex(a.id))
      .key("status")
      .value(std::string(client::name(a.state)));
  if (a.failure)
    out.key("error")
        .begin_object()
        .key("code")
        .value(std::string(base::name(a.failure->code)))
        .key("kind")
        .value(std::string(base::name(base::kind(a.failure->code))))
        .key("message")
        .value(a.failure->message)
        .end_object();
  out.key("regions_applied")
      .value(std::uint64_t{a.regions_applied})
      .key("regions_duplicate")
      .value(std::uint64_t{a.regions_duplicate})
      .key("chunks_changed")
      .value(a.chunks_changed)
      .key("voxels_changed")
      .value(a.voxels_changed);
  for (const auto& [name, volumes] :
       {std::pair{"removed_m3", &a.removed}, {"added_m3", &a.added}}) {
    out.key(name).begin_object();
    for (const client::material_volume& v : *volumes) {
      const geology::material_entry* m = geology::material_table::defaults().find(v.material);
      out.key(m ? m->name : std::to_string(v.material)).value(v.m3);
    }
    out.end_object();
  }
  out.end_object();
  std::printf("%s\n", out.str().c_str());
}

}  // namespace

int run_push(const args& words) {
  client_flags connect;
  std::string process, material, mode = "extrusion", profile = "cosine", id_hex, file;
  double lat = NAN, lng = NAN, radius_km = NAN, depth_m = NAN, thickness_m = NAN, uplift_m = NAN,
         level_m = NAN, base_alt_m = NAN, bottom_m = NAN, top_m = NAN;
  std::int64_t tick = 0;
  bool json = false;
  flag_parser flags(
      "strata push",
      "Send geological updates and print each one's durable acknowledgement. Either one update "
      "from flags: --process with a cap footprint (--lat --lng --radius-km, the amount falling "
      "to 0 at the radius by --profile) and the process's amount:\n"
      "  erosion     --depth-m D         lower the surface by up to D m\n"
      "  deposition  --thickness-m T     raise it by up to T m of --material (default sediment)\n"
      "  tectonics   --uplift-m U        move whole columns up (negative: down) by up to U m\n"
      "  weathering  --depth-m D         weather the top D m (granite to weathered_granite, ...)\n"
      "  volcanism   --thickness-m T     --mode extrusion (on top) or intrusion (a body of T m\n"
      "                                  from --base-alt-m up) of --material (default basalt)\n"
      "  sea-level   --level-m L         the sea level inside the cap becomes L m\n"
      "  set         --material NAME     every voxel in the box around the cap from --bottom-m\n"
      "                                  to --top-m becomes NAME\n"
      "or a batch from --file UPDATES.json: an UpdateBatch (schema/update.capnp) in Cap'n "
      "Proto's JSON form, with ids as 32 hex digits (random when absent). An update's id is its "
      "idempotency key: sending it again is answered duplicate and changes nothing.");
  connect.add_to(flags);
  flags.add_text("process", "NAME",
                 "erosion, deposition, tectonics, weathering, volcanism, sea-level or set",
                 &process);
  flags.add_number("lat", "DEG", "the footprint's centre latitude", &lat);
  flags.add_number("lng", "DEG", "the footprint's centre longitude", &lng);
  flags.add_number("radius-km", "KM", "the footprint's radius", &radius_km);
  flags.add_text("profile", "NAME", "flat, cone, gaussian or cosine (default)", &profile);
  flags.add_number("depth-m", "M", "erosion and weathering depth", &depth_m);
  flags.add_number("thickness-m", "M", "deposition and volcanism thickness", &thickness_m);
  flags.add_number("uplift-m", "M", "tectonic uplift (negative for subsidence)", &uplift_m);
  flags.add_number("level-m", "M", "the new sea level", &level_m);
  flags.add_text("material", "NAME", "what is deposited, extruded or set", &material);
  flags.add_text("mode", "NAME", "volcanism: extrusion (default) or intrusion", &mode);
  flags.add_number("base-alt-m", "M", "volcanism intrusion: the body's base altitude", &base_alt_m);
  flags.add_number("bottom-m", "M", "set: the box's lowest altitude", &bottom_m);
  flags.add_number("top-m", "M", "set: the box's highest altitude", &top_m);
  flags.add_integer("tick", "N", "the simulation tick stored with the changes (default 0)", &tick);
  flags.add_text("id", "HEX", "the update's idempotency key, 32 hex digits (random when omitted)",
                 &id_hex);
  flags.add_text("file", "UPDATES.json", "send the updates of this file instead", &file);
  flags.add_switch("json", "print one JSON object per update", &json);
  int status = exit_ok;
  if (!parse_or_exit(flags, words, status))
    return status;

  auto usage_error = [&](const std::string& message) {
    std::fprintf(stderr, "strata: %s\n\n%s", message.c_str(), flags.usage().c_str());
    return exit_usage;
  };
  std::vector<geology::update> updates;
  if (!file.empty()) {
    if (!process.empty())
      return usage_error("--file and --process exclude each other");
    auto loaded = updates_from_json(file);
    if (!loaded)
      return report(loaded.error());
    updates = std::move(*loaded);
  } else {
    if (process.empty())
      return usage_error("give --process (with its flags) or --file");
    if (std::isnan(lat) || std::isnan(lng) || std::isnan(radius_km))
      return usage_error("--process needs a footprint: --lat, --lng and --radius-km");
    auto shape = profile_of(profile);
    if (!shape)
      return report(shape.error());
    const geo::lat_lng centre{lat, lng};
    const double radius_m = radius_km * 1000;
    auto cap = [&](double peak) {
      return geology::cap_field{centre, radius_m, static_cast<float>(peak), *shape};
    };
    auto need = [&](double value, const char* flag) {
      return std::isnan(value) ? std::optional<std::string>(std::string("--process ") + process +
                                                            " needs " + flag)
                               : std::nullopt;
    };
    geology::update u;
    std::optional<std::string> missing;
    if (process == "erosion") {
      missing = need(depth_m, "--depth-m");
      u.process = geology::erosion_update{cap(depth_m)};
    } else if (process == "weathering") {
      missing = need(depth_m, "--depth-m");
      u.process = geology::weathering_update{cap(depth_m)};
    } else if (process == "deposition") {
      missing = need(thickness_m, "--thickness-m");
      auto m = material_id(material.empty() ? "sediment" : material);
      if (!m)
        return report(m.error());
      u.process = geology::deposition_update{cap(thickness_m), {*m, {}}};
    } else if (process == "tectonics") {
      missing = need(uplift_m, "--uplift-m");
      u.process = geology::tectonics_update{cap(uplift_m)};
    } else if (process == "volcanism") {
      missing = need(thickness_m, "--thickness-m");
      if (mode != "extrusion" && mode != "intrusion")
        return usage_error("--mode is extrusion or intrusion");
      if (!missing && mode == "intrusion")
        missing = need(base_alt_m, "--base-alt-m");
      auto m = material_id(material.empty() ? "basalt" : material);
      if (!m)
        return report(m.error());
      geology::volcanism_update v;
      v.how = mode == "intrusion" ? geology::volcanism_update::mode::intrusion
                                  : geology::volcanism_update::mode::extrusion;
      v.material = *m;
      v.thickness_m = cap(thickness_m);
      v.base_alt_m = std::isnan(base_alt_m) ? 0 : base_alt_m;
      u.process = v;
    } else if (process == "sea-level") {
      missing = need(level_m, "--level-m");
      u.process = geology::sea_level_update{
          level_m, geology::cap_field{centre, radius_m, 1.0f, geology::profile::flat}};
    } else if (process == "set") {
      missing = material.empty() ? std::optional<std::string>("--process set needs --material")
                                 : need(bottom_m, "--bottom-m");
      if (!missing)
        missing = need(top_m, "--top-m");
      auto m = material.empty() ? base::result<std::uint8_t>(0) : material_id(material);
      if (!m)
        return report(m.error());
      const double dlat = radius_m / earth_radius_m * 180 / M_PI;
      const double dlng = dlat / std::max(std::cos(lat * M_PI / 180), 1e-6);
      u.process = geology::fill_box_update{
          {lat - dlat, lng - dlng, bottom_m}, {lat + dlat, lng + dlng, top_m}, *m};
    } else {
      return usage_error("--process " + process +
                         " is not erosion, deposition, tectonics, weathering, volcanism, "
                         "sea-level or set");
    }
    if (missing)
      return usage_error(*missing);
    if (id_hex.empty()) {
      u.id = client::random_id();
    } else {
      auto id = client::parse_id(id_hex);
      if (!id)
        return report(id.error());
      u.id = *id;
    }
    u.tick = static_cast<std::uint64_t>(std::max<std::int64_t>(tick, 0));
    updates.push_back(std::move(u));
  }

  auto c = connect.open();
  if (!c)
    return report(c.error());
  auto acks = (*c)->apply(updates);
  if (!acks)
    return report(acks.error());
  int result = exit_ok;
  for (const client::ack& a : *acks) {
    if (a.state == client::ack::status::error)
      result = exit_failed;
    if (json) {
      print_ack_json(a);
      continue;
    }
    std::printf("%s %s", client::to_hex(a.id).c_str(), std::string(client::name(a.state)).c_str());
    if (a.failure)
      std::printf(": %s", a.failure->to_string().c_str());
    else
      std::printf(": %u regions, %llu chunks, %llu voxels changed", a.regions_applied,
                  static_cast<unsigned long long>(a.chunks_changed),
                  static_cast<unsigned long long>(a.voxels_changed));
    std::printf("\n");
  }
  return result;
}

int run_stream(const args& words) {
  client_flags connect;
  double lat = NAN, lng = NAN, radius_km = NAN, lod_step_m = 0, alt_min = NAN, alt_max = NAN;
  std::int64_t lod = 8, size = 512;
  std::string velocity, png;
  bool section = false, json = false;
  flag_parser flags("strata stream",
                    "Stream the area around a viewer, nearest chunks first, coarser with "
                    "distance; print counts and timings, and with --png draw it.");
  connect.add_to(flags);
  flags.add_number("lat", "DEG", "the viewer's latitude", &lat, true);
  flags.add_number("lng", "DEG", "the viewer's longitude", &lng, true);
  flags.add_number("radius-km", "KM", "the area's radius", &radius_km, true);
  flags.add_integer("lod", "N", "the coarsest level of detail wanted (default 8)", &lod);
  flags.add_number("lod-step-m", "M", "LOD 0 nearer than this (default: the server's)",
                   &lod_step_m);
  flags.add_text("velocity", "E,N", "the viewer's velocity east and north in m/s", &velocity);
  flags.add_text("png", "FILE", "draw the area: top-down materials, or --section", &png);
  flags.add_switch("section", "with --png: an east-west cross-section through the viewer",
                   &section);
  flags.add_integer("size", "PIXELS", "the picture's width (default 512)", &size);
  flags.add_number("alt-min", "M", "the section's lowest altitude (default: the world's floor)",
                   &alt_min);
  flags.add_number("alt-max", "M", "the section's highest altitude (default: the world's top)",
                   &alt_max);
  flags.add_switch("json", "print one JSON object", &json);
  int status = exit_ok;
  if (!parse_or_exit(flags, words, status))
    return status;
  client::stream_request request;
  request.centre = {lat, lng};
  request.radius_m = radius_km * 1000;
  request.lod_max = static_cast<std::uint8_t>(std::clamp<std::int64_t>(lod, 0, 20));
  request.lod_step_m = lod_step_m;
  if (!velocity.empty() && std::sscanf(velocity.c_str(), "%lf,%lf", &request.velocity_east_mps,
                                       &request.velocity_north_mps) != 2) {
    std::fprintf(stderr, "strata: --velocity is E,N in m/s, e.g. 30,-5\n");
    return exit_usage;
  }
  auto c = connect.open();
  if (!c)
    return report(c.error());
  auto info = (*c)->info();
  if (!info)
    return report(info.error());
  auto decoder = client::chunk_decoder::make(*info);
  if (!decoder)
    return report(decoder.error());
  std::optional<area_picture> picture;
  if (!png.empty())
    picture.emplace(**decoder, request.centre, request.radius_m,
                    static_cast<int>(std::clamp<std::int64_t>(size, 16, 8192)));
  std::uint64_t stored = 0, baseline = 0, built = 0, failed = 0;
  std::optional<base::error> first_failure;
  auto stats = (*c)->stream(request, [&](std::vector<client::streamed_chunk>& batch) {
    for (const client::streamed_chunk& chunk : batch) {
      stored += chunk.source == client::chunk_source::stored;
      baseline += chunk.source == client::chunk_source::baseline;
      built += chunk.source == client::chunk_source::built;
      if (chunk.failure) {
        ++failed;
        if (!first_failure)
          first_failure = chunk.failure;
        continue;
      }
      if (picture)
        if (auto ok = picture->add(chunk); !ok && !first_failure)
          first_failure = ok.error();
    }
  });
  if (!stats)
    return report(stats.error());
  if (picture) {
    const geo::world_spec& spec = info->world;
    auto drawn = section ? picture->section(static_cast<int>(size) / 2,
                                            std::isnan(alt_min) ? spec.z_min_m : alt_min,
                                            std::isnan(alt_max) ? spec.z_max_m : alt_max)
                         : picture->top_down();
    if (auto written = write_png(png, drawn); !written)
      return report(written.error());
  }
  if (json) {
    base::json_writer out;
    out.begin_object()
        .key("chunks")
        .value(stats->chunks)
        .key("stored")
        .value(stored)
        .key("baseline")
        .value(baseline)
        .key("built")
        .value(built)
        .key("errors")
        .value(failed)
        .key("bytes")
        .value(stats->bytes)
        .key("first_chunk_ms")
        .value(stats->client_first_chunk_ms)
        .key("total_ms")
        .value(stats->client_total_ms)
        .key("server_first_chunk_us")
        .value(stats->first_chunk_us)
        .end_object();
    std::printf("%s\n", out.str().c_str());
  } else {
    std::printf(
        "streamed %llu chunks (%llu stored, %llu baseline, %llu built, %llu unreadable), "
        "%.1f KB\nfirst chunk after %.2f ms, all after %.1f ms\n",
        static_cast<unsigned long long>(stats->chunks), static_cast<unsigned long long>(stored),
        static_cast<unsigned long long>(baseline), static_cast<unsigned long long>(built),
        static_cast<unsigned long long>(failed), stats->bytes / 1024.0,
        stats->client_first_chunk_ms, stats->client_total_ms);
    if (!png.empty())
      std::printf("picture: %s\n", png.c_str());
  }
  if (first_failure) {
    std::fprintf(stderr, "strata: %s\n", first_failure->to_string().c_str());
    return exit_failed;
  }
  return exit_ok;
}

int run_query(const args& words) {
  const std::string kind = words.empty() ? "" : words[0];
  client_flags connect;
  double lat = NAN, lng = NAN, alt = 0;
  bool json = false;
  flag_parser flags("strata query voxel|column",
                    "What is at a place: the voxel at a latitude, longitude and altitude, or the "
                    "column of layers under a latitude and longitude, top down.");
  connect.add_to(flags);
  flags.add_number("lat", "DEG", "latitude", &lat, true);
  flags.add_number("lng", "DEG", "longitude", &lng, true);
  flags.add_number("alt", "M", "voxel: altitude in metres (default 0)", &alt);
  flags.add_switch("json", "print one JSON object", &json);
  int status = exit_ok;
  if (kind == "--help" || kind == "-h" || kind.empty()) {
    std::printf("%s", flags.usage().c_str());
    return kind.empty() ? exit_usage : exit_ok;
  }
  if (kind != "voxel" && kind != "column") {
    std::fprintf(stderr, "strata: query voxel or query column, not \"%s\"\n\n%s", kind.c_str(),
                 flags.usage().c_str());
    return exit_usage;
  }
  if (!parse_or_exit(flags, args(words.begin() + 1, words.end()), status))
    return status;
  auto c = connect.open();
  if (!c)
    return report(c.error());
  if (kind == "voxel") {
    auto v = (*c)->voxel({lat, lng, alt});
    if (!v)
      return report(v.error());
    if (json) {
      base::json_writer out;
      out.begin_object()
          .key("material")
          .value(std::uint64_t{v->material})
          .key("material_name")
          .value(v->material_name)
          .key("history")
          .value(std::uint64_t{v->history})
          .key("tick")
          .value(v->tick)
          .key("version")
          .value(v->version)
          .key("voxel")
          .begin_object()
          .key("face")
          .value(std::uint64_t{v->voxel.face})
          .key("i")
          .value(std::uint64_t{v->voxel.i})
          .key("j")
          .value(std::uint64_t{v->voxel.j})
          .key("k")
          .value(std::uint64_t{v->voxel.k})
          .end_object()
          .end_object();
      std::printf("%s\n", out.str().c_str());
    } else {
      std::printf("%s (material %u), history 0x%02x, tick %llu, version %llu\n",
                  v->material_name.c_str(), v->material, v->history,
                  static_cast<unsigned long long>(v->tick),
                  static_cast<unsigned long long>(v->version));
    }
    return exit_ok;
  }
  auto col = (*c)->column({lat, lng});
  if (!col)
    return report(col.error());
  if (json) {
    base::json_writer out;
    out.begin_object().key("tick").value(col->tick).key("version").value(col->version);
    out.key("layers").begin_array();
    for (const client::column_layer& l : col->layers)
      out.begin_object()
          .key("material")
          .value(std::uint64_t{l.material})
          .key("material_name")
          .value(l.material_name)
          .key("history")
          .value(std::uint64_t{l.history})
          .key("bottom_m")
          .value(l.bottom_m)
          .key("top_m")
          .value(l.top_m)
          .end_object();
    out.end_array().end_object();
    std::printf("%s\n", out.str().c_str());
  } else {
    for (const client::column_layer& l : col->layers)
      std::printf("%9.1f .. %9.1f m  %-18s history 0x%02x\n", l.bottom_m, l.top_m,
                  l.material_name.c_str(), l.history);
  }
  return exit_ok;
}

int run_stats(const args& words) {
  client_flags connect;
  bool json = false;
  flag_parser flags("strata stats",
                    "What the server stores: regions, chunks, bytes on disk, the codec mix and "
                    "the update counts.");
  connect.add_to(flags);
  flags.add_switch("json", "print one JSON object", &json);
  int status = exit_ok;
  if (!parse_or_exit(flags, words, status))
    return status;
  auto c = connect.open();
  if (!c)
    return report(c.error());
  auto s = (*c)->stats();
  if (!s)
    return report(s.error());
  if (json) {
    base::json_writer out;
    out.begin_object()
        .key("regions")
        .value(s->regions)
        .key("chunks")
        .value(s->chunks)
        .key("chunk_bytes")
        .value(s->chunk_bytes)
        .key("disk_bytes")
        .value(s->disk_bytes)
        .key("raw_bytes")
        .value(s->raw_bytes)
        .key("updates_applied")
        .value(s->updates_applied)
        .key("updates_duplicate")
        .value(s->updates_duplicate)
        .key("updates_failed")
        .value(s->updates_failed)
        .key("commits")
        .value(s->commits)
        .key("dirty_chunks")
        .value(s->dirty_chunks)
        .key("regions_active")
        .value(s->regions_active);
    out.key("chunks_per_lod").begin_array();
    for (std::uint64_t n : s->chunks_per_lod)
      out.value(n);
    out.end_array().key("codecs").begin_object();
    for (const client::codec_share& c : s->codecs)
      out.key(c.codec)
          .begin_object()
          .key("chunks")
          .value(c.chunks)
          .key("bytes")
          .value(c.bytes)
          .end_object();
    out.end_object().end_object();
    std::printf("%s\n", out.str().c_str());
    return exit_ok;
  }
  std::printf("regions changed  %llu (%llu active now)\n",
              static_cast<unsigned long long>(s->regions),
              static_cast<unsigned long long>(s->regions_active));
  std::printf("chunks stored    %llu, %.1f KB (raw %.1f MB, %.0fx); storage files %.1f MB\n",
              static_cast<unsigned long long>(s->chunks), s->chunk_bytes / 1024.0,
              s->raw_bytes / 1048576.0,
              s->chunk_bytes ? static_cast<double>(s->raw_bytes) / s->chunk_bytes : 0.0,
              s->disk_bytes / 1048576.0);
  std::printf("per LOD         ");
  for (std::size_t n = 0; n < s->chunks_per_lod.size(); ++n)
    std::printf(" %zu:%llu", n, static_cast<unsigned long long>(s->chunks_per_lod[n]));
  std::printf("\ncodecs          ");
  for (const client::codec_share& c : s->codecs)
    std::printf(" %s %llu (%.1f KB)", c.codec.c_str(), static_cast<unsigned long long>(c.chunks),
                c.bytes / 1024.0);
  std::printf(
      "\nupdates          %llu applied, %llu duplicate, %llu failed, in %llu commits; "
      "%llu chunks await recompression\n",
      static_cast<unsigned long long>(s->updates_applied),
      static_cast<unsigned long long>(s->updates_duplicate),
      static_cast<unsigned long long>(s->updates_failed),
      static_cast<unsigned long long>(s->commits),
      static_cast<unsigned long long>(s->dirty_chunks));
  return exit_ok;
}

}  // namespace strata::cmd
