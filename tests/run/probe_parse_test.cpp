// The `// probe:` metadata line: parsed into Metadata::probe / probe_params, printed back, and
// rejected with file:line:col when it names an unknown probe or parameter.
#include <gtest/gtest.h>

#include "harness/script/parser.h"

namespace synack {
namespace {

const char* const kEvents = "0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n";

script::ParseResult parse_with(const std::string& header) { return script::parse(header + kEvents, "p.pkt"); }

script::Diagnostic error_of(const std::string& header) {
  auto r = parse_with(header);
  EXPECT_FALSE(r.ok());
  return r.diagnostics.empty() ? script::Diagnostic{} : r.diagnostics.front();
}

TEST(ProbeMetadata, ParsesNameAndParameters) {
  auto r = parse_with("// title: t\n// probe: isn samples=2000 gap_usecs=300\n");
  ASSERT_TRUE(r.ok()) << r.diagnostics.front().render();
  EXPECT_EQ(r.script->metadata.probe, "isn");
  EXPECT_EQ(r.script->metadata.probe_params,
            (std::map<std::string, std::string>{{"samples", "2000"}, {"gap_usecs", "300"}}));
  EXPECT_EQ(r.script->metadata.probe_loc.line, 2);
}

TEST(ProbeMetadata, ParametersAreOptional) {
  auto r = parse_with("//probe:isn\n");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.script->metadata.probe, "isn");
  EXPECT_TRUE(r.script->metadata.probe_params.empty());
}

TEST(ProbeMetadata, NoProbeByDefaultAndOtherWordsAreComments) {
  auto r = parse_with("// Probes: zero-window probes are sent at backoff times\n");
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r.script->metadata.probe.empty());
}

TEST(ProbeMetadata, PrintParsePrintIsTheIdentity) {
  auto r = parse_with("// probe: isn   gap_usecs=250  samples=4000\n");
  ASSERT_TRUE(r.ok());
  const std::string printed = script::print(*r.script);
  EXPECT_NE(printed.find("// probe: isn gap_usecs=250 samples=4000\n"), std::string::npos) << printed;
  auto again = script::parse(printed, "p.pkt");
  ASSERT_TRUE(again.ok()) << again.diagnostics.front().render();
  EXPECT_EQ(*again.script, *r.script);
  EXPECT_EQ(script::print(*again.script), printed);
}

TEST(ProbeMetadata, UnknownProbeIsAnErrorAtItsName) {
  const auto d = error_of("// title: t\n// probe: isnn samples=2000\n");
  EXPECT_EQ(d.loc.line, 2);
  EXPECT_EQ(d.loc.column, 11);
  EXPECT_NE(d.message.find("unknown probe 'isnn'"), std::string::npos) << d.message;
  EXPECT_NE(d.render().find("p.pkt:2:11"), std::string::npos) << d.render();
}

TEST(ProbeMetadata, UnknownParameterIsAnErrorAtIt) {
  const auto d = error_of("// probe: isn samples=2000 rate=4\n");
  EXPECT_EQ(d.loc.line, 1);
  EXPECT_EQ(d.loc.column, 28);
  EXPECT_NE(d.message.find("unknown parameter 'rate'"), std::string::npos) << d.message;
}

TEST(ProbeMetadata, BadValuesAreErrors) {
  EXPECT_NE(error_of("// probe: isn samples=many\n").message.find("samples must be an integer from 1600 to 40000"),
            std::string::npos);
  const auto d = error_of("// probe: isn samples=10\n");
  EXPECT_EQ(d.loc.column, 23);  // at the value
  EXPECT_NE(error_of("// probe: isn samples\n").message.find("NAME=VALUE"), std::string::npos);
  EXPECT_NE(error_of("// probe: isn samples=2000 samples=3000\n").message.find("given twice"), std::string::npos);
  EXPECT_NE(error_of("// probe:\n").message.find("expected a probe name"), std::string::npos);
}

TEST(ProbeMetadata, OneProbePerScript) {
  const auto d = error_of("// probe: isn\n// probe: isn\n");
  EXPECT_EQ(d.loc.line, 2);
  EXPECT_NE(d.message.find("only one"), std::string::npos);
}

}  // namespace
}  // namespace synack
