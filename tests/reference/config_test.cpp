#include <gtest/gtest.h>

#include "targets/reference/config.h"

namespace synack::reference {
namespace {

TEST(StackConfig, RfcIsTheDefaultProfile) {
  auto c = StackConfig::from_profile("rfc");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->profile, "rfc");
  EXPECT_EQ(c->time_wait, 240 * kMicrosPerSecond);
  EXPECT_EQ(c->rto_min, 1 * kMicrosPerSecond);
  EXPECT_EQ(c->delayed_ack, 200 * kMillis);
  EXPECT_EQ(c->isn_mode, IsnMode::Rfc6528);
}

TEST(StackConfig, LinuxProfileModelsLinux6) {
  auto c = StackConfig::from_profile("linux");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->time_wait, 60 * kMicrosPerSecond);
  EXPECT_EQ(c->rto_min, 200 * kMillis);
  EXPECT_EQ(c->rto_initial, 1 * kMicrosPerSecond);
  EXPECT_EQ(c->delayed_ack, 40 * kMillis);
  EXPECT_EQ(c->syn_retries, 6);
  EXPECT_EQ(c->synack_retries, 5);
  EXPECT_EQ(c->window_shift, 7);
  EXPECT_EQ(c->option_layout, OptionLayout::Linux);
}

TEST(StackConfig, FreebsdProfileExists) {
  auto c = StackConfig::from_profile("freebsd");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->option_layout, OptionLayout::FreeBsd);
  EXPECT_EQ(c->time_wait_rst, TimeWaitRstPolicy::Ignore);
}

TEST(StackConfig, UnknownProfileNamesTheChoices) {
  auto c = StackConfig::from_profile("windows");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message.find("windows"), std::string::npos);
  EXPECT_NE(c.error().message.find("rfc, linux, freebsd"), std::string::npos);
}

TEST(StackConfig, SetOverridesOneParameter) {
  StackConfig c;
  ASSERT_TRUE(c.set("mss", "1000").ok());
  EXPECT_EQ(c.mss, 1000);
  ASSERT_TRUE(c.set("rto_min_ms", "200").ok());
  EXPECT_EQ(c.rto_min, 200 * kMillis);
  ASSERT_TRUE(c.set("timestamps", "false").ok());
  EXPECT_FALSE(c.timestamps);
  ASSERT_TRUE(c.set("isn_mode", "fixed").ok());
  EXPECT_EQ(c.isn_mode, IsnMode::Fixed);
  ASSERT_TRUE(c.set("fixed_isn", "0x12345678").ok());
  EXPECT_EQ(c.fixed_isn, 0x12345678u);
  ASSERT_TRUE(c.set("msl_ms", "30000").ok());
  EXPECT_EQ(c.time_wait, 60 * kMicrosPerSecond);
  ASSERT_TRUE(c.set("time_wait_rst", "ignore").ok());
  EXPECT_EQ(c.time_wait_rst, TimeWaitRstPolicy::Ignore);
}

TEST(StackConfig, EcnTimeWaitReuseAndPrefixPerProfile) {
  const auto rfc = StackConfig::from_profile("rfc").value();
  const auto linux_ = StackConfig::from_profile("linux").value();
  const auto freebsd = StackConfig::from_profile("freebsd").value();
  for (const StackConfig* c : {&rfc, &linux_, &freebsd}) {
    EXPECT_TRUE(c->ecn_passive) << c->profile;
    EXPECT_FALSE(c->ecn_active) << c->profile;
    EXPECT_TRUE(c->accept_syn_in_time_wait) << c->profile;
    EXPECT_EQ(c->ipv4_prefix_length, 24) << c->profile;
  }
  EXPECT_EQ(rfc.time_wait_reuse_rule, TimeWaitReuseRule::Rfc6191);
  EXPECT_EQ(linux_.time_wait_reuse_rule, TimeWaitReuseRule::Rfc6191);
  EXPECT_EQ(freebsd.time_wait_reuse_rule, TimeWaitReuseRule::Sequence);
  EXPECT_TRUE(rfc.time_wait_reuse_restore);
  EXPECT_FALSE(linux_.time_wait_reuse_restore);
  EXPECT_FALSE(freebsd.time_wait_reuse_restore);
}

TEST(StackConfig, NewKeysAreSettable) {
  StackConfig c;
  ASSERT_TRUE(c.set("ecn_active", "true").ok());
  EXPECT_TRUE(c.ecn_active);
  ASSERT_TRUE(c.set("ecn_passive", "off").ok());
  EXPECT_FALSE(c.ecn_passive);
  ASSERT_TRUE(c.set("time_wait_reuse_rule", "sequence").ok());
  EXPECT_EQ(c.time_wait_reuse_rule, TimeWaitReuseRule::Sequence);
  ASSERT_TRUE(c.set("time_wait_reuse_restore", "false").ok());
  EXPECT_FALSE(c.time_wait_reuse_restore);
  ASSERT_TRUE(c.set("ipv4_prefix_length", "30").ok());
  EXPECT_EQ(c.ipv4_prefix_length, 30);
  auto r = c.set("time_wait_reuse_rule", "paws");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("rfc6191 or sequence"), std::string::npos);
  r = c.set("ipv4_prefix_length", "33");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("0 to 32"), std::string::npos);
}

TEST(StackConfig, UnknownKeyListsValidKeys) {
  StackConfig c;
  auto r = c.set("mtu", "1500");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("'mtu'"), std::string::npos);
  EXPECT_NE(r.error().message.find("rto_min_ms"), std::string::npos);
}

TEST(StackConfig, BadValuesNameKeyAndChoices) {
  StackConfig c;
  auto r = c.set("window_shift", "15");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("window_shift"), std::string::npos);
  EXPECT_NE(r.error().message.find("0 to 14"), std::string::npos);
  r = c.set("isn_mode", "random");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("fixed or rfc6528"), std::string::npos);
  r = c.set("sack", "maybe");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("true or false"), std::string::npos);
  r = c.set("mss", "12abc");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(c.mss, 1460);  // unchanged by a failed set
}

}  // namespace
}  // namespace synack::reference
