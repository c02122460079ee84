// strata demo: an embedded server on loopback, the real topobathy terrain (southern Vancouver
// Island and the Salish Sea), and a geological timeline pushed from a client while a viewer
// streams and a subscriber watches; then a summary and pictures before and after.
#include <unistd.h>
#include <zstd.h>
#include <caf/all.hpp>

#include <atomic>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <random>
#include <thread>

#include "actors/types.hpp"
#include "base/testing.hpp"
#include "bench/workload.hpp"
#include "client/client.hpp"
#include "cmd/commands.hpp"
#include "cmd/render.hpp"
#include "coordinator/server.hpp"
#include "geology/dem.hpp"
#include "geology/materials.hpp"
#include "geology/world_file.hpp"

namespace strata::cmd {

namespace {

using clock_type = std::chrono::steady_clock;

double ms_since(clock_type::time_point t) {
  return std::chrono::duration<double, std::milli>(clock_type::now() - t).count();
}

std::string human_bytes(double bytes) {
  const char* units[] = {"B", "KB", "MB", "GB", "TB"};
  int unit = 0;
  while (bytes >= 1024 && unit < 4) {
    bytes /= 1024;
    ++unit;
  }
  char text[32];
  std::snprintf(text, sizeof text, unit == 0 ? "%.0f %s" : "%.1f %s", bytes, units[unit]);
  return text;
}

std::string human_count(double n) {
  char text[32];
  if (n >= 1e6)
    std::snprintf(text, sizeof text, "%.2f M", n / 1e6);
  else if (n >= 1e4)
    std::snprintf(text, sizeof text, "%.1f k", n / 1e3);
  else
    std::snprintf(text, sizeof text, "%.0f", n);
  return text;
}

// The picture of the area around the timeline: where it erodes, fills and uplifts.
constexpr geo::lat_lng area_centre{48.85, -123.9};
constexpr double area_radius_m = 75000;
// The fault the timeline slips along, south-west to north-east across the Strait of Georgia.
constexpr geo::lat_lng fault_from{48.45, -124.55};
constexpr geo::lat_lng fault_to{49.25, -123.2};

// Places of the DEM within the area whose elevation lies in [low, high].
std::vector<geo::lat_lng> places(const geology::dem& terrain, float low, float high) {
  std::vector<geo::lat_lng> out;
  const double span_deg = area_radius_m * 0.8 / 111320;
  for (std::size_t r = 0; r < terrain.rows; ++r)
    for (std::size_t c = 0; c < terrain.columns; ++c) {
      const float e = terrain.elevation_m[r * terrain.columns + c];
      const double lat = terrain.row_lat_deg[r], lng = terrain.column_lng_deg[c];
      const double dlat = lat - area_centre.lat_deg;
      const double dlng = (lng - area_centre.lng_deg) * std::cos(lat * M_PI / 180);
      if (e >= low && e <= high && std::hypot(dlat, dlng) < span_deg)
        out.push_back({lat, lng});
    }
  return out;
}

geology::update make_update(std::uint64_t tick, geology::process_update process) {
  geology::update u;
  u.id = client::random_id();
  u.tick = tick;
  u.process = std::move(process);
  return u;
}

geology::cap_field cap(geo::lat_lng at, double radius_m, double peak) {
  return {at, radius_m, static_cast<float>(peak), geology::profile::cosine};
}

// One tick's updates: erosion on two slopes, deposition in a basin, a slip of the fault, and
// now and then weathering of the uplands and, once, a rise of the sea.
std::vector<geology::update> tick_updates(std::uint64_t tick, std::uint64_t ticks,
                                          std::mt19937_64& random,
                                          const std::vector<geo::lat_lng>& hills,
                                          const std::vector<geo::lat_lng>& basins,
                                          const std::uint8_t sediment) {
  std::uniform_real_distribution<double> unit(0, 1);
  auto pick = [&](const std::vector<geo::lat_lng>& from) {
    return from[static_cast<std::size_t>(unit(random) * from.size()) % from.size()];
  };
  std::vector<geology::update> out;
  for (int n = 0; n < 2 && !hills.empty(); ++n)
    out.push_back(
        make_update(tick, geology::erosion_update{
                              cap(pick(hills), 2000 + 2000 * unit(random), 4 + 6 * unit(random))}));
  if (!basins.empty())
    out.push_back(make_update(
        tick,
        geology::deposition_update{
            cap(pick(basins), 3000 + 2000 * unit(random), 3 + 3 * unit(random)), {sediment, {}}}));
  const double along = unit(random);
  const geo::lat_lng slip{fault_from.lat_deg + along * (fault_to.lat_deg - fault_from.lat_deg),
                          fault_from.lng_deg + along * (fault_to.lng_deg - fault_from.lng_deg)};
  out.push_back(make_update(tick, geology::tectonics_update{cap(slip, 4000, 8)}));
  if (tick % 10 == 0 && !hills.empty())
    out.push_back(make_update(tick, geology::weathering_update{cap(pick(hills), 12000, 3)}));
  if (tick == ticks * 3 / 4)
    out.push_back(make_update(
        tick, geology::sea_level_update{
                  25, geology::cap_field{area_centre, 40000, 1, geology::profile::flat}}));
  return out;
}

struct area_capture {
  std::uint64_t chunks = 0;
  std::uint64_t streamed_bytes = 0;
  std::uint64_t zstd_bytes = 0;
  double first_chunk_ms = 0;
};

// Streams the area and draws it, top down and in section; counts what zstd-3 would take for the
// same chunks.
base::result<area_capture> picture_area(client::connection& c, const client::chunk_decoder& decoder,
                                        const std::string& out_dir, const std::string& name) {
  area_picture picture(decoder, area_centre, area_radius_m, 640);
  client::stream_request request;
  request.centre = area_centre;
  request.radius_m = area_radius_m;
  request.lod_max = 8;
  request.lod_step_m = 6000;
  area_capture got;
  std::optional<base::error> failure;
  compression::chunk chunk;
  std::string packed(ZSTD_compressBound(compression::chunk_bytes), '\0');
  ZSTD_CCtx* zstd = ZSTD_createCCtx();
  auto stats = c.stream(request, [&](std::vector<client::streamed_chunk>& batch) {
    for (const client::streamed_chunk& sc : batch) {
      got.streamed_bytes += sc.data.size();
      if (auto ok = picture.add(sc); !ok && !failure)
        failure = ok.error();
      if (!decoder.decode(sc, chunk))
        continue;
      std::string raw(reinterpret_cast<const char*>(chunk.material.data()), chunk.material.size());
      raw.append(reinterpret_cast<const char*>(chunk.history.data()), chunk.history.size());
      got.zstd_bytes +=
          ZSTD_compressCCtx(zstd, packed.data(), packed.size(), raw.data(), raw.size(), 3);
    }
  });
  ZSTD_freeCCtx(zstd);
  if (!stats)
    return stats.error();
  if (failure)
    return *failure;
  got.chunks = stats->chunks;
  got.first_chunk_ms = stats->client_first_chunk_ms;
  if (auto ok = write_png(out_dir + "/" + name + ".png", picture.top_down()); !ok)
    return ok.error();
  if (auto ok = write_png(out_dir + "/" + name + "-section.png", picture.section(320, -1200, 1800));
      !ok)
    return ok.error();
  return got;
}

void progress(std::uint64_t tick, std::uint64_t ticks, std::uint64_t updates, std::uint64_t voxels,
              double seconds, bool tty) {
  if (!tty) {
    if (tick % 25 == 0 || tick == ticks)
      std::printf("  tick %3llu/%llu  %5llu updates  %s voxel changes  %.1f s\n",
                  static_cast<unsigned long long>(tick), static_cast<unsigned long long>(ticks),
                  static_cast<unsigned long long>(updates), human_count(voxels).c_str(), seconds);
    return;
  }
  const int width = 30;
  const int filled = static_cast<int>(width * tick / std::max<std::uint64_t>(ticks, 1));
  std::printf("\r  [%s%s] tick %3llu/%llu  %5llu updates  %s voxel changes  %.1f s   ",
              std::string(filled, '#').c_str(), std::string(width - filled, '.').c_str(),
              static_cast<unsigned long long>(tick), static_cast<unsigned long long>(ticks),
              static_cast<unsigned long long>(updates), human_count(voxels).c_str(), seconds);
  if (tick == ticks)
    std::printf("\n");
  std::fflush(stdout);
}

}  // namespace

int run_demo(const args& words) {
  std::int64_t ticks = 200;
  std::string out_dir = "demo-out";
  std::string data_dir;
  std::string sample_data = geology::matplotlib_sample_data;
  flag_parser flags(
      "strata demo",
      "Start an embedded server on loopback, import the real topobathy terrain (southern "
      "Vancouver Island and the Salish Sea), run a geological timeline from a client (erosion "
      "on slopes, deposition in basins, uplift along a fault, weathering, a rise of the sea) "
      "while a viewer streams and a subscriber watches, then print a summary and write "
      "pictures before and after.");
  flags.add_integer("ticks", "N", "ticks of the timeline (default 200)", &ticks);
  flags.add_text("out", "DIR", "where the pictures go (default demo-out)", &out_dir);
  flags.add_text("data", "DIR", "the server's data directory (default: a fresh one, removed)",
                 &data_dir);
  flags.add_text("sample-data", "DIR", "where the .npz files are", &sample_data);
  int status = exit_ok;
  if (!parse_or_exit(flags, words, status))
    return status;
  if (ticks < 1)
    return report(base::fail(base::errc::invalid_argument, "--ticks must be at least 1"));
  const auto started = clock_type::now();
  const bool tty = ::isatty(STDOUT_FILENO);

  auto terrain = geology::load_named("topobathy", sample_data);
  if (!terrain)
    return report(terrain.error());
  std::optional<base::temp_dir> fresh;
  if (data_dir.empty()) {
    fresh.emplace("demo");
    data_dir = fresh->path();
  }
  std::error_code ec;
  std::filesystem::create_directories(out_dir, ec);
  if (ec)
    return report({base::errc::io_error, "cannot create " + out_dir + ": " + ec.message()});

  std::printf("strata demo\n\n[1/5] an embedded server (the shard map and a node) on loopback\n");
  caf::actor_system_config cfg;
  actors::register_types(cfg);
  cfg.set("logger.console-verbosity", caf::atom("quiet"));
  cfg.set("logger.file-verbosity", caf::atom("quiet"));
  caf::actor_system system{cfg};
  config::config settings;
  settings.subscribe.interval_ms = 50;
  auto server = coordinator::server::start(system, settings, data_dir, "127.0.0.1:0");
  if (!server)
    return report(server.error());
  std::printf("      listening on %s, data in %s\n", (*server)->address().c_str(),
              data_dir.c_str());
  client::options options;
  options.endpoint = (*server)->address();
  auto c = client::connection::open(options);
  if (!c)
    return report(c.error());

  std::printf("[2/5] import topobathy: %zu x %zu DEM samples, %.1f..%.1f N, %.1f..%.1f E\n",
              terrain->rows, terrain->columns, terrain->lat_min_deg(), terrain->lat_max_deg(),
              terrain->lng_min_deg(), terrain->lng_max_deg());
  const geo::world_spec spec = geology::sample_world_spec("topobathy");
  auto import_started = clock_type::now();
  auto info = (*c)->create(spec, geology::serialize(geology::generator_record{{}, *terrain}));
  if (!info)
    return report(info.error());
  auto g = geo::grid::make(spec);
  auto survey = geology::survey_world(*g, *terrain, 1000000);
  if (!survey)
    return report(survey.error());
  std::printf(
      "      %s regions, %s LOD-0 chunks (%s of voxels) in %.2f s: nothing stored yet,\n"
      "      every chunk comes from the terrain generator until something changes it\n",
      human_count(static_cast<double>(survey->regions)).c_str(),
      human_count(static_cast<double>(survey->chunks)).c_str(),
      human_bytes(static_cast<double>(survey->chunks) * compression::chunk_bytes).c_str(),
      ms_since(import_started) / 1000);
  auto decoder = client::chunk_decoder::make(*info);
  if (!decoder)
    return report(decoder.error());

  std::printf("[3/5] pictures before: %s/before.png, %s/before-section.png\n", out_dir.c_str(),
              out_dir.c_str());
  auto before = picture_area(**c, **decoder, out_dir, "before");
  if (!before)
    return report(before.error());

  std::printf("[4/5] a timeline of %lld ticks, while a viewer streams and a subscriber watches\n",
              static_cast<long long>(ticks));
  const std::vector<geo::lat_lng> hills = places(*terrain, 700, 5000);
  const std::vector<geo::lat_lng> basins = places(*terrain, -150, -5);
  const std::uint8_t sediment = geology::material_table::defaults().find("sediment")->id;
  std::atomic<bool> done{false};

  // The viewer: flies east along 48.6 N at 250 m/s, streaming 15 km around it, nearest first.
  std::vector<double> viewer_first_ms;
  std::uint64_t viewer_chunks = 0;
  std::optional<base::error> viewer_failure;
  std::thread viewer([&] {
    auto v = client::connection::open(options);
    if (!v) {
      viewer_failure = v.error();
      return;
    }
    geo::lat_lng at{48.6, -124.9};
    while (!done) {
      client::stream_request request;
      request.centre = at;
      request.radius_m = 15000;
      request.lod_max = 8;
      request.lod_step_m = 3000;
      request.velocity_east_mps = 250;
      std::uint64_t got = 0;
      auto stats = (*v)->stream(request, [&](auto& batch) { got += batch.size(); });
      if (!stats) {
        viewer_failure = stats.error();
        return;
      }
      viewer_first_ms.push_back(stats->client_first_chunk_ms);
      viewer_chunks += got;
      at.lng_deg += 0.02;
      if (at.lng_deg > -122.8)
        at.lng_deg = -124.9;
      // A frame or so between requests, as a viewer asks again once it has moved.
      (*v)->poll(std::chrono::milliseconds(100));
    }
  });
  // The subscriber: the middle of the fault, 12 km around.
  std::uint64_t feed_chunks = 0, feed_batches = 0, feed_resyncs = 0;
  std::optional<base::error> feed_failure;
  std::thread subscriber([&] {
    auto s = client::connection::open(options);
    if (!s) {
      feed_failure = s.error();
      return;
    }
    const geo::lat_lng middle{(fault_from.lat_deg + fault_to.lat_deg) / 2,
                              (fault_from.lng_deg + fault_to.lng_deg) / 2};
    auto feed = (*s)->subscribe(
        middle, 12000,
        [&](auto& batch) {
          feed_chunks += batch.size();
          ++feed_batches;
        },
        [&] { ++feed_resyncs; });
    if (!feed) {
      feed_failure = feed.error();
      return;
    }
    while (!done)
      (*s)->poll(std::chrono::milliseconds(50));
    (*s)->poll(std::chrono::milliseconds(200));  // the last changes
    if ((*feed)->failure())
      feed_failure = (*feed)->failure();
  });

  std::mt19937_64 random(20261122);
  std::vector<double> latencies_ms;
  std::uint64_t updates = 0, applied = 0, duplicate = 0, failed = 0, voxels = 0;
  std::optional<base::error> first_error;
  double removed_m3 = 0, added_m3 = 0;
  const auto timeline_started = clock_type::now();
  for (std::uint64_t tick = 1; tick <= static_cast<std::uint64_t>(ticks); ++tick) {
    const auto batch =
        tick_updates(tick, static_cast<std::uint64_t>(ticks), random, hills, basins, sediment);
    const auto sent = clock_type::now();
    auto acks = (*c)->apply(batch);
    if (!acks) {
      done = true;
      viewer.join();
      subscriber.join();
      return report(acks.error());
    }
    latencies_ms.push_back(ms_since(sent));
    for (const client::ack& a : *acks) {
      ++updates;
      applied += a.state == client::ack::status::applied;
      duplicate += a.state == client::ack::status::duplicate;
      if (a.state == client::ack::status::error) {
        ++failed;
        if (!first_error)
          first_error = a.failure;
      }
      voxels += a.voxels_changed;
      for (const auto& v : a.removed)
        removed_m3 += v.m3;
      for (const auto& v : a.added)
        added_m3 += v.m3;
    }
    progress(tick, static_cast<std::uint64_t>(ticks), updates, voxels,
             ms_since(timeline_started) / 1000, tty);
  }
  const double timeline_s = ms_since(timeline_started) / 1000;
  done = true;
  viewer.join();
  subscriber.join();
  if (viewer_failure)
    return report(*viewer_failure);
  if (feed_failure)
    return report(*feed_failure);

  // A running server recompresses in the background; the demo waits for it to catch up, so the
  // figures below are what the world settles at.
  auto dirty = (*c)->stats();
  const auto drain_started = clock_type::now();
  if (auto drained = (*server)->runtime()->recompressor().drain(); !drained)
    return report(drained.error());
  std::printf(
      "[5/5] recompression caught up (%llu chunks waited) in %.1f s; pictures after: "
      "%s/after.png, %s/after-section.png\n",
      static_cast<unsigned long long>(dirty ? dirty->dirty_chunks : 0),
      ms_since(drain_started) / 1000, out_dir.c_str(), out_dir.c_str());
  auto after = picture_area(**c, **decoder, out_dir, "after");
  if (!after)
    return report(after.error());
  auto stats = (*c)->stats();
  if (!stats)
    return report(stats.error());

  const double world_raw = static_cast<double>(survey->chunks) * compression::chunk_bytes;
  const double area_raw = static_cast<double>(after->chunks) * compression::chunk_bytes;
  std::printf("\nsummary (%.0f s in all)\n", ms_since(started) / 1000);
  std::printf("  %-22s %llu in %.1f s: %.0f/s (%llu applied, %llu duplicate, %llu failed)\n",
              "updates", static_cast<unsigned long long>(updates), timeline_s, updates / timeline_s,
              static_cast<unsigned long long>(applied), static_cast<unsigned long long>(duplicate),
              static_cast<unsigned long long>(failed));
  if (first_error)
    std::printf("  %-22s %s\n", "first failure", first_error->to_string().c_str());
  std::printf("  %-22s %s, %s/s; %.2f km3 removed, %.2f km3 added\n", "voxel changes",
              human_count(static_cast<double>(voxels)).c_str(),
              human_count(voxels / timeline_s).c_str(), removed_m3 / 1e9, added_m3 / 1e9);
  std::printf("  %-22s P50 %.2f ms, P99 %.2f ms (one tick's batch, until durable)\n",
              "apply latency", bench::percentile(latencies_ms, 0.5),
              bench::percentile(latencies_ms, 0.99));
  std::printf("  %-22s %zu streams, %s chunks; first chunk P50 %.2f ms, P99 %.2f ms\n",
              "viewer (moving)", viewer_first_ms.size(),
              human_count(static_cast<double>(viewer_chunks)).c_str(),
              bench::percentile(viewer_first_ms, 0.5), bench::percentile(viewer_first_ms, 0.99));
  std::printf("  %-22s %llu changed chunks in %llu deliveries, %llu resyncs\n", "subscriber",
              static_cast<unsigned long long>(feed_chunks),
              static_cast<unsigned long long>(feed_batches),
              static_cast<unsigned long long>(feed_resyncs));
  std::printf("  %-22s raw %s; strata stores %s in %llu chunks (%s of storage files)\n",
              "the whole world", human_bytes(world_raw).c_str(),
              human_bytes(static_cast<double>(stats->chunk_bytes)).c_str(),
              static_cast<unsigned long long>(stats->chunks),
              human_bytes(static_cast<double>(stats->disk_bytes)).c_str());
  std::printf("  %-22s %llu chunks: raw %s, zstd-3 per chunk %s, strata %s as streamed\n",
              "the pictured area", static_cast<unsigned long long>(after->chunks),
              human_bytes(area_raw).c_str(),
              human_bytes(static_cast<double>(after->zstd_bytes)).c_str(),
              human_bytes(static_cast<double>(after->streamed_bytes)).c_str());
  std::printf("  %-22s", "codecs");
  for (const client::codec_share& share : stats->codecs)
    std::printf(" %s %llu", share.codec.c_str(), static_cast<unsigned long long>(share.chunks));
  std::printf(
      "\n  %-22s %s/{before,after}.png (top down), {before,after}-section.png "
      "(west to east through %.2f N)\n",
      "pictures", out_dir.c_str(), area_centre.lat_deg);
  c->reset();
  server->reset();
  return exit_ok;
}

}  // namespace strata::cmd
