// The catalog shipped in scripts/rfc9293.toml: it loads, and it has the shape RFC 9293 Appendix B
// gives it (69 MUST, 31 SHLD and 18 MAY labels, numbered without gaps).
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>

#include "harness/catalog/catalog.h"

namespace synack::catalog {
namespace {

const std::string kCatalogPath = std::string(SYNACK_SOURCE_DIR) + "/scripts/rfc9293.toml";

const Catalog& shipped() {
  static const Catalog catalog = [] {
    Result<Catalog> loaded = load_catalog(kCatalogPath);
    if (!loaded.ok()) {
      ADD_FAILURE() << loaded.error().message;
      return Catalog{};
    }
    return std::move(loaded).value();
  }();
  return catalog;
}

int number_of(const std::string& id) { return std::stoi(id.substr(id.find('-') + 1)); }

TEST(ShippedCatalog, Loads) {
  Result<Catalog> loaded = load_catalog(kCatalogPath);
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  EXPECT_EQ(loaded->rfc, 9293);
}

TEST(ShippedCatalog, HasAppendixBCountsPerLevel) {
  std::map<Level, int> per_level;
  for (const Requirement& requirement : shipped().requirements) ++per_level[requirement.level];
  EXPECT_EQ(per_level[Level::Must], 69);
  EXPECT_EQ(per_level[Level::Should], 31);
  EXPECT_EQ(per_level[Level::May], 18);
  EXPECT_EQ(shipped().requirements.size(), 118u);
}

TEST(ShippedCatalog, IdsAreContiguousPerLevel) {
  std::map<Level, std::set<int>> numbers;
  for (const Requirement& requirement : shipped().requirements) {
    EXPECT_TRUE(numbers[requirement.level].insert(number_of(requirement.id)).second) << requirement.id;
  }
  for (const auto& [level, seen] : numbers) {
    ASSERT_FALSE(seen.empty());
    EXPECT_EQ(*seen.begin(), 1) << level_name(level);
    EXPECT_EQ(*seen.rbegin(), static_cast<int>(seen.size())) << level_name(level) << " has a gap";
  }
}

TEST(ShippedCatalog, IsInIdOrder) {
  // MUST-1..69, then SHLD-1..31, then MAY-1..18.
  const auto rank = [](const Requirement& r) { return std::make_pair(static_cast<int>(r.level), number_of(r.id)); };
  const std::vector<Requirement>& all = shipped().requirements;
  for (std::size_t i = 1; i < all.size(); ++i) {
    EXPECT_LT(rank(all[i - 1]), rank(all[i])) << all[i - 1].id << " before " << all[i].id;
  }
}

TEST(ShippedCatalog, EveryUntestableRequirementSaysWhy) {
  int none = 0;
  for (const Requirement& requirement : shipped().requirements) {
    if (requirement.observable == Observability::None) {
      ++none;
      EXPECT_GE(requirement.reason.size(), 20u) << requirement.id << ": reason too thin";
    } else {
      EXPECT_TRUE(requirement.reason.empty()) << requirement.id;
    }
    EXPECT_FALSE(requirement.summary.empty()) << requirement.id;
    EXPECT_LE(requirement.summary.size(), 160u) << requirement.id << ": summary is one short line";
  }
  EXPECT_GT(none, 0);
}

// "none" is a property of the requirement, not of this harness: what synack cannot inject or
// capture yet (ICMP, IP options, the IP ID) must show as uncovered, not be excused from coverage.
TEST(ShippedCatalog, NothingIsExcusedBecauseOfTheHarness) {
  for (const Requirement& requirement : shipped().requirements) {
    if (requirement.observable != Observability::None) continue;
    EXPECT_EQ(requirement.reason.find("harness"), std::string::npos) << requirement.id << ": " << requirement.reason;
  }
  for (const char* id : {"MUST-50", "MUST-54", "MUST-55", "MUST-56", "SHLD-25", "SHLD-26", "MAY-4", "MAY-10"}) {
    const Requirement* requirement = shipped().find(id);
    ASSERT_NE(requirement, nullptr) << id;
    EXPECT_NE(requirement->observable, Observability::None) << id;
  }
}

TEST(ShippedCatalog, SectionsPointIntoTheFunctionalSpecification) {
  // Appendix B labels only sentences of Section 3.
  for (const Requirement& requirement : shipped().requirements) {
    EXPECT_EQ(requirement.section.rfind("3.", 0), 0u) << requirement.id << " " << requirement.section;
  }
}

// Spot checks against the RFC text, including the labels numbered out of section order and the
// one (MUST-22) that appears only in Appendix B.
TEST(ShippedCatalog, SpotChecksAgainstTheRfc) {
  const std::map<std::string, std::pair<std::string, Observability>> expected = {
      {"MUST-1", {"3.1", Observability::Wire}},        // window is unsigned
      {"MUST-2", {"3.1", Observability::Wire}},        // sender computes the checksum
      {"MUST-9", {"3.4.1", Observability::None}},      // ISN PRF not computable from outside
      {"MUST-13", {"3.6.1", Observability::Wire}},     // TIME-WAIT for 2 MSL
      {"MUST-17", {"3.7.4", Observability::Api}},      // application can disable Nagle
      {"MUST-22", {"3.8.3", Observability::Wire}},     // SYN retransmission like data
      {"MUST-55", {"3.9.2.2", Observability::Wire}},   // ICMP Source Quench (an ICMP message in)
      {"MUST-59", {"3.10.7.4", Observability::Wire}},  // process queued segments before ACKing
      {"MUST-64", {"3.2", Observability::Wire}},       // unaligned options
      {"MUST-66", {"3.4", Observability::Wire}},       // RST and URG with a zero window
      {"MUST-69", {"3.1", Observability::Wire}},       // zero padding after EOL
      {"SHLD-1", {"3.4.1", Observability::Wire}},
      {"SHLD-31", {"3.10.7.4", Observability::Wire}},
      {"MAY-12", {"3.10.7.4", Observability::Wire}},
      {"MAY-18", {"3.8.2", Observability::None}},
  };
  for (const auto& [id, section_and_observable] : expected) {
    const Requirement* requirement = shipped().find(id);
    ASSERT_NE(requirement, nullptr) << id;
    EXPECT_EQ(requirement->section, section_and_observable.first) << id;
    EXPECT_EQ(requirement->observable, section_and_observable.second) << id;
  }
  EXPECT_EQ(shipped().find("MUST-70"), nullptr);
  EXPECT_EQ(shipped().find("REC-1"), nullptr);
}

}  // namespace
}  // namespace synack::catalog
