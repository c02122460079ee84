#include "actors/types.hpp"

#include "actors/errors.hpp"
#include "actors/protocol.hpp"

namespace strata::actors {

void register_types(caf::actor_system_config& config) {
  config.add_message_type<shard::chunk_key>("strata::shard::chunk_key")
      .add_message_type<std::vector<shard::chunk_key>>("std::vector<strata::shard::chunk_key>")
      .add_message_type<shard::shard_range>("strata::shard::shard_range")
      .add_message_type<shard::shard_map>("strata::shard::shard_map")
      .add_message_type<geo::lat_lng>("strata::geo::lat_lng")
      .add_message_type<geo::position>("strata::geo::position")
      .add_message_type<geo::voxel>("strata::geo::voxel")
      .add_message_type<std::vector<std::uint64_t>>("std::vector<uint64_t>")
      .add_message_type<write_part>("strata::actors::write_part")
      .add_message_type<material_volume>("strata::actors::material_volume")
      .add_message_type<write_reply>("strata::actors::write_reply")
      .add_message_type<read_request>("strata::actors::read_request")
      .add_message_type<chunk_item>("strata::actors::chunk_item")
      .add_message_type<chunk_batch>("strata::actors::chunk_batch")
      .add_message_type<voxel_query>("strata::actors::voxel_query")
      .add_message_type<voxel_answer>("strata::actors::voxel_answer")
      .add_message_type<column_query>("strata::actors::column_query")
      .add_message_type<column_layer>("strata::actors::column_layer")
      .add_message_type<column_answer>("strata::actors::column_answer")
      .add_message_type<region_summary>("strata::actors::region_summary")
      .add_message_type<stream_request>("strata::actors::stream_request")
      .add_message_type<stream_stats>("strata::actors::stream_stats")
      .add_message_type<subscribe_request>("strata::actors::subscribe_request")
      .add_message_type<node_entry>("strata::actors::node_entry")
      .add_message_type<map_view>("strata::actors::map_view")
      .add_message_type<node_stats>("strata::actors::node_stats")
      .add_message_type<world_record>("strata::actors::world_record")
      .add_message_type<node_actor>("strata::actors::node_actor")
      .add_message_type<shard_map_actor>("strata::actors::shard_map_actor")
      .add_message_type<router_actor>("strata::actors::router_actor")
      .add_message_type<range_load_view>("strata::actors::range_load_view")
      .add_message_type<move_view>("strata::actors::move_view")
      .add_message_type<range_activity>("strata::actors::range_activity")
      .add_message_type<node_report>("strata::actors::node_report")
      .add_message_type<lease_grant>("strata::actors::lease_grant")
      .add_message_type<shard::row>("strata::shard::row")
      .add_message_type<shard::region_meta>("strata::shard::region_meta")
      .add_message_type<shard::region_rows>("strata::shard::region_rows")
      .add_message_type<std::vector<shard::region_rows>>("std::vector<strata::shard::region_rows>");
  config.add_error_category(error_category, render);
}

}  // namespace strata::actors
