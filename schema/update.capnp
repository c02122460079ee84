@0x8bb00e9954c5ee06;
# Geological process updates (DESIGN.md §4, §6). Evolution rules as in world.capnp.

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("strata::schema");

using World = import "world.capnp";

struct ColumnField {
  # A value per column over an area, e.g. an erosion depth in metres. Columns outside the area have
  # the value 0. Columns whose result falls outside the world's altitude range are clipped, and the
  # update's effects say so.

  union {
    raster @0 :Raster;
    cap @1 :Cap;
  }

  struct Raster {
    # Values on the descendants of one S2 cell at a resolution level; each value covers every voxel
    # column inside its descendant.

    cell @0 :UInt64;
    # The S2 cell id of the area.

    level @1 :UInt8;
    # The level of the values: from the cell's level up to the cell's level + 12.

    values @2 :List(Float32);
    # n * n values with n = 2^(level - cell level), row-major: the value of the descendant whose
    # face coordinates at `level` are (i0 + di, j0 + dj) is values[dj * n + di], where (i0, j0) is
    # the cell's descendant with the smallest i and j. Non-finite values are refused.
  }

  struct Cap {
    # A spherical cap with a radial profile.

    center @0 :World.LatLng;

    radiusM @1 :Float64;
    # Radius along the surface, in metres; positive.

    peak @2 :Float32;
    # The value at the centre.

    profile @3 :Profile;
    # How the value falls from the peak at the centre to 0 at the radius.
  }

  enum Profile {
    flat @0;      # the peak everywhere inside the cap
    cone @1;      # linear fall to 0 at the radius
    gaussian @2;  # exp(-4.5 (r/R)^2): about 1 % of the peak at the radius, 0 beyond it
    cosine @3;    # (1 + cos(pi r/R)) / 2: smooth at the centre and at the radius
  }
}

struct MaterialAmount {
  material @0 :UInt8;
  # A material id of the world's table.

  volumeM3 @1 :Float64;
  # Volume in cubic metres.
}

struct Erosion {
  depthM @0 :ColumnField;
  # How far each column's surface is lowered, in metres. The effects report what was removed, per
  # material; below sea level the hole fills with water.
}

struct Deposition {
  thicknessM @0 :ColumnField;
  # How far each column's surface is raised, in metres.

  union {
    material @1 :UInt8;
    # Deposit one material.

    mix @2 :List(MaterialAmount);
    # Deposit a mix in these proportions, e.g. what an erosion removed (material inheritance).
  }
}

struct Tectonics {
  upliftM @0 :ColumnField;
  # Vertical displacement of each whole column in metres: positive is uplift, negative subsidence.
  # A raster with a discontinuity describes a fault.
}

struct Weathering {
  depthM @0 :ColumnField;
  # The depth below the surface within which the material table's weathering transitions apply.
}

struct Volcanism {
  mode @0 :Mode;

  material @1 :UInt8;
  # The material of the extrusion or intrusion, e.g. basalt.

  thicknessM @2 :ColumnField;
  # Extrusion: the layer added on top of the surface. Intrusion: the thickness of the body.

  baseAltM @3 :Float64;
  # Intrusion only: the altitude of the body's base, in metres.

  enum Mode {
    extrusion @0;
    intrusion @1;
  }
}

struct SeaLevel {
  levelM @0 :Float64;
  # The new sea level in metres. Air below it becomes water; water above it becomes air.

  area @1 :ColumnField;
  # The columns affected: those where the field is non-zero.
}

struct VoxelValue {
  voxel @0 :World.Voxel;
  material @1 :UInt8;
}

struct SetVoxels {
  voxels @0 :List(VoxelValue);
  # Each voxel set to its material.
}

struct FillBox {
  # Every voxel whose centre lies between the two corners (latitude, longitude and altitude, both
  # inclusive) is set to the material.

  min @0 :World.Position;
  max @1 :World.Position;
  material @2 :UInt8;
}

struct Update {
  id @0 :Data;
  # The idempotency key: 16 bytes chosen by the client. An update applied twice changes the world
  # once; the second time it is answered "duplicate".

  tick @1 :UInt64;
  # The simulation tick the update belongs to; stored as the tick of every chunk it changes.

  trace @2 :World.TraceContext;

  process :union {
    # What the update does; exactly one.
    erosion @3 :Erosion;
    deposition @4 :Deposition;
    tectonics @5 :Tectonics;
    weathering @6 :Weathering;
    volcanism @7 :Volcanism;
    seaLevel @8 :SeaLevel;
    setVoxels @9 :SetVoxels;
    fillBox @10 :FillBox;
  }
}

struct UpdateBatch {
  updates @0 :List(Update);
  # Applied in order; each is acknowledged on its own.
}
