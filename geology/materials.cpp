#include "geology/materials.hpp"

#include <charconv>

namespace strata::geology {

std::string_view name(process p) {
  switch (p) {
    case process::weathering:
      return "weathering";
    case process::deposition:
      return "deposition";
  }
  return "unknown";
}

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

// A line without its comment; a '#' inside quotes is text.
std::string_view strip_comment(std::string_view line) {
  bool quoted = false;
  for (std::size_t n = 0; n < line.size(); ++n) {
    if (line[n] == '"')
      quoted = !quoted;
    else if (line[n] == '#' && !quoted)
      return line.substr(0, n);
  }
  return line;
}

base::error at_line(base::errc code, std::size_t line, const std::string& message) {
  return base::fail(code, "material table line " + std::to_string(line) + ": " + message);
}

bool valid_name(std::string_view name) {
  if (name.empty() || name.size() > 64)
    return false;
  for (char c : name)
    if (!(std::islower(static_cast<unsigned char>(c)) ||
          std::isdigit(static_cast<unsigned char>(c)) || c == '_'))
      return false;
  return true;
}

struct pending_entry {
  material_entry entry;
  bool has_id = false;
  std::size_t line = 0;
  std::array<std::string, process_count> becomes_name;
};

}  // namespace

base::result<material_table> material_table::parse(std::string_view text) {
  std::vector<pending_entry> pending;
  std::size_t line_number = 0;
  while (!text.empty()) {
    const std::size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
    ++line_number;
    line = trim(strip_comment(line));
    if (line.empty())
      continue;
    if (line.front() == '[') {
      if (line.back() != ']')
        return at_line(base::errc::parse_error, line_number, "a section header lacks its ']'");
      const std::string_view name = trim(line.substr(1, line.size() - 2));
      if (!valid_name(name))
        return at_line(
            base::errc::invalid_config, line_number,
            "material name \"" + std::string(name) + "\" must be 1 to 64 of a-z, 0-9 and _");
      pending.push_back({});
      pending.back().entry.name = std::string(name);
      pending.back().line = line_number;
      continue;
    }
    const std::size_t equals = line.find('=');
    if (equals == std::string_view::npos)
      return at_line(base::errc::parse_error, line_number, "expected key = value");
    if (pending.empty())
      return at_line(base::errc::parse_error, line_number,
                     "a key before the first [material] section");
    const std::string_view key = trim(line.substr(0, equals));
    const std::string_view value = trim(line.substr(equals + 1));
    pending_entry& current = pending.back();
    if (key == "id") {
      unsigned id = 0;
      const auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), id);
      if (ec != std::errc() || ptr != value.data() + value.size() || id > 255)
        return at_line(base::errc::invalid_config, line_number,
                       "id must be an integer 0..255, not " + std::string(value));
      current.entry.id = static_cast<std::uint8_t>(id);
      current.has_id = true;
    } else if (key == "fluid") {
      if (value != "true" && value != "false")
        return at_line(base::errc::invalid_config, line_number, "fluid must be true or false");
      current.entry.fluid = value == "true";
    } else {
      std::size_t which = process_count;
      for (std::size_t p = 0; p < process_count; ++p)
        if (key == name(static_cast<process>(p)))
          which = p;
      if (which == process_count)
        return at_line(base::errc::invalid_config, line_number,
                       "unknown key \"" + std::string(key) +
                           "\"; a material has id, fluid, weathering and deposition");
      if (value.size() < 2 || value.front() != '"' || value.back() != '"')
        return at_line(base::errc::parse_error, line_number,
                       std::string(key) + " takes a material name in quotes");
      current.becomes_name[which] = std::string(value.substr(1, value.size() - 2));
    }
  }
  material_table table;
  for (pending_entry& p : pending) {
    if (!p.has_id)
      return at_line(base::errc::invalid_config, p.line, "material " + p.entry.name + " has no id");
    table.entries_.push_back(p.entry);
  }
  if (auto status = table.index(); !status)
    return status.error();
  for (std::size_t n = 0; n < pending.size(); ++n)
    for (std::size_t p = 0; p < process_count; ++p) {
      material_entry& entry = table.entries_[n];
      entry.becomes[p] = entry.id;
      const std::string& target = pending[n].becomes_name[p];
      if (target.empty())
        continue;
      const material_entry* found = table.find(target);
      if (!found)
        return at_line(base::errc::invalid_config, pending[n].line,
                       "material " + entry.name + ": " +
                           std::string(name(static_cast<process>(p))) + " names \"" + target +
                           "\", which the table lacks");
      entry.becomes[p] = found->id;
    }
  return table;
}

base::status material_table::index() {
  by_id_.fill(-1);
  fluid_.fill(false);
  for (std::size_t n = 0; n < entries_.size(); ++n) {
    const material_entry& e = entries_[n];
    if (by_id_[e.id] >= 0)
      return base::fail(base::errc::invalid_config,
                        "material table: id " + std::to_string(e.id) + " is used twice");
    for (std::size_t m = 0; m < n; ++m)
      if (entries_[m].name == e.name)
        return base::fail(base::errc::invalid_config,
                          "material table: the name " + e.name + " is used twice");
    by_id_[e.id] = static_cast<int>(n);
    fluid_[e.id] = e.fluid;
  }
  const material_entry* air = find(material::air);
  const material_entry* water = find(material::water);
  if (!air || air->name != "air" || !air->fluid || !water || water->name != "water" ||
      !water->fluid)
    return base::fail(base::errc::invalid_config,
                      "material table: every world has air (id 0) and water (id 1), both fluid");
  return {};
}

const material_entry* material_table::find(std::uint8_t id) const {
  return by_id_[id] >= 0 ? &entries_[static_cast<std::size_t>(by_id_[id])] : nullptr;
}

const material_entry* material_table::find(std::string_view name) const {
  for (const material_entry& e : entries_)
    if (e.name == name)
      return &e;
  return nullptr;
}

std::string material_table::to_file() const {
  std::string out;
  for (const material_entry& e : entries_) {
    out += "[" + e.name + "]\nid = " + std::to_string(e.id) + "\n";
    if (e.fluid)
      out += "fluid = true\n";
    for (std::size_t p = 0; p < process_count; ++p)
      if (e.becomes[p] != e.id)
        out += std::string(name(static_cast<process>(p))) + " = \"" + find(e.becomes[p])->name +
               "\"\n";
    out += "\n";
  }
  return out;
}

const material_table& material_table::defaults() {
  // Weathering follows the usual breakdown of each rock near the surface; deposition says what
  // an eroded material settles as (hard rock as sand, soft ground as sediment).
  static const material_table table = *parse(R"(
[air]
id = 0
fluid = true

[water]
id = 1
fluid = true

[sediment]
id = 2
weathering = "soil"

[soil]
id = 3
deposition = "sediment"

[sand]
id = 4

[sandstone]
id = 5
weathering = "sand"
deposition = "sand"

[shale]
id = 6
weathering = "soil"
deposition = "sediment"

[limestone]
id = 7
weathering = "soil"
deposition = "sediment"

[granite]
id = 8
weathering = "weathered_granite"
deposition = "sand"

[basalt]
id = 9
weathering = "soil"
deposition = "sand"

[weathered_granite]
id = 10
weathering = "sand"
deposition = "sand"
)");
  return table;
}

}  // namespace strata::geology
