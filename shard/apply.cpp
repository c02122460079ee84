#include "shard/apply.hpp"

#include "geo/morton.hpp"

namespace strata::shard {

chunk_key key_of(S2CellId region, const geo::chunk_coord& at) {
  return chunk_key{region.id(), 0, geo::morton_encode(at.u, at.v, at.k)};
}

namespace {

// The operators' view of a group commit's chunks.
class editor_access final : public geology::chunk_access {
 public:
  explicit editor_access(chunk_editor& editor) : editor_(editor) {}
  base::result<const compression::chunk*> view(S2CellId region,
                                               const geo::chunk_coord& at) override {
    return editor_.view(key_of(region, at));
  }
  base::result<compression::chunk*> edit(S2CellId region, const geo::chunk_coord& at) override {
    return editor_.edit(key_of(region, at));
  }

 private:
  chunk_editor& editor_;
};

}  // namespace

update_request to_request(const update_id& id, std::uint64_t tick, geology::planned_update plan,
                          std::shared_ptr<geology::effects> effects_out) {
  update_request r;
  r.id = id;
  r.tick = tick;
  r.regions = plan.regions;
  r.apply = [apply = std::move(plan.apply), effects_out](chunk_editor& editor) -> base::status {
    editor_access access(editor);
    auto fx = apply(access);
    if (!fx)
      return fx.error();
    if (effects_out)
      *effects_out = *fx;
    return {};
  };
  return r;
}

}  // namespace strata::shard
