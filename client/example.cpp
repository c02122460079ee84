// A small client of strata (docs/api.md): connects to a server, erodes a hillside, reads back
// what changed, and streams the area around it.
//
//   strata serve --data /tmp/strata-data &            # prints the address it listens on
//   strata import --endpoint 127.0.0.1:7400 --world topobathy
//   build/client/strata_client_example 127.0.0.1:7400
#include <cstdio>

#include "client/client.hpp"

using namespace strata;

int main(int argc, char** argv) {
  client::options options;
  if (argc > 1)
    options.endpoint = argv[1];
  if (argc > 2)
    options.token = argv[2];

  // 1. Connect: the connection opens the server's gate with the token and reads its info.
  auto c = client::connection::open(options);
  if (!c) {
    std::fprintf(stderr, "cannot connect: %s\n", c.error().to_string().c_str());
    return 1;
  }
  auto info = (*c)->info();
  if (!info || !info->has_world) {
    std::fprintf(stderr, "the server has no world: run strata import first\n");
    return 1;
  }
  std::printf("connected to strata %s, world \"%s\"\n", info->version.c_str(),
              info->world.name.c_str());

  // 2. An erosion of up to 20 m over a cap of 1 km, on the coast of Vancouver Island. The id
  // makes retries safe: the server applies an update once, however often it is sent.
  const geo::lat_lng site{49.0, -124.5};
  geology::update erosion;
  erosion.id = client::random_id();
  erosion.tick = 1;
  erosion.process =
      geology::erosion_update{geology::cap_field{site, 1000.0, 20.0f, geology::profile::cosine}};
  auto acks = (*c)->apply(std::span(&erosion, 1));
  if (!acks) {
    std::fprintf(stderr, "apply failed: %s\n", acks.error().to_string().c_str());
    return 1;
  }
  const client::ack& a = acks->front();
  std::printf("update %s: %s, %llu voxels changed\n", client::to_hex(a.id).c_str(),
              std::string(client::name(a.state)).c_str(),
              static_cast<unsigned long long>(a.voxels_changed));

  // 3. What is at the centre now, top down.
  auto column = (*c)->column(site);
  if (column)
    for (const client::column_layer& layer : column->layers)
      std::printf("  %8.1f .. %8.1f m  %s\n", layer.bottom_m, layer.top_m,
                  layer.material_name.c_str());

  // 4. Stream 3 km around it and decode every chunk: stored chunks with the compression
  // library, untouched ones regenerated from the world's generator.
  auto decoder = client::chunk_decoder::make(*info);
  if (!decoder) {
    std::fprintf(stderr, "%s\n", decoder.error().to_string().c_str());
    return 1;
  }
  std::uint64_t solid = 0, decoded = 0;
  compression::chunk chunk;
  client::stream_request request;
  request.centre = site;
  request.radius_m = 3000;
  auto stats = (*c)->stream(request, [&](std::vector<client::streamed_chunk>& batch) {
    for (const client::streamed_chunk& sc : batch)
      if ((*decoder)->decode(sc, chunk)) {
        ++decoded;
        for (std::uint8_t m : chunk.material)
          solid += m > 1;  // neither air (0) nor water (1)
      }
  });
  if (!stats) {
    std::fprintf(stderr, "stream failed: %s\n", stats.error().to_string().c_str());
    return 1;
  }
  std::printf("streamed %llu chunks (%llu decoded, %llu solid voxels), first after %.2f ms\n",
              static_cast<unsigned long long>(stats->chunks),
              static_cast<unsigned long long>(decoded), static_cast<unsigned long long>(solid),
              stats->client_first_chunk_ms);
  return 0;
}
