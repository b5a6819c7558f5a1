// Bounded, seeded fuzzing of the decoder: random buffers and mutations of valid packets must
// never crash, throw or read out of bounds (the ASan build checks the last), and whatever
// decodes must survive an encode/decode round trip unchanged.
#include <gtest/gtest.h>

#include <random>

#include "harness/net/codec.h"
#include "tests/net/net_test_support.h"

namespace synack::net {
namespace {

using testing_support::bytes_of;
using testing_support::linux_syn_ack;
using testing_support::v4_segment;
using testing_support::v6_segment;

constexpr std::uint32_t kSeed = 0x5ac4;
constexpr int kIterations = 50'000;

// Re-encoding writes a correct checksum, so compare with checksum_ok normalized.
void expect_stable_round_trip(const Segment& decoded) {
  Segment expected = decoded;
  expected.checksum_ok = true;
  Result<Segment> again = decode(encode(decoded));
  ASSERT_TRUE(again.ok()) << again.error().message;
  ASSERT_EQ(*again, expected);
}

struct Counts {
  int decoded = 0;
  int rejected = 0;
};

void decode_and_check(std::span<const std::uint8_t> packet, Counts& counts) {
  Result<Segment> decoded = Segment{};
  ASSERT_NO_THROW(decoded = decode(packet));
  if (!decoded.ok()) {
    ASSERT_FALSE(decoded.error().message.empty());
    ++counts.rejected;
    return;
  }
  ++counts.decoded;
  expect_stable_round_trip(*decoded);
}

std::vector<std::vector<std::uint8_t>> seed_packets() {
  Segment data = v4_segment(flag::PSH | flag::ACK);
  data.payload = bytes_of(40);
  data.options = {TcpOption::nop(), TcpOption::nop(), TcpOption::timestamp(7, 8)};
  Segment v6 = linux_syn_ack();
  v6.src = v6_segment(0).src;
  v6.dst = v6_segment(0).dst;
  v6.flow_label = 0x12345;
  Segment sack = v6_segment(flag::ACK);
  sack.options = {TcpOption::nop(), TcpOption::nop(), TcpOption::sack({{1, 2}, {3, 4}})};
  return {encode(linux_syn_ack()), encode(data), encode(v6), encode(sack),
          encode(v4_segment(flag::RST))};
}

TEST(CodecFuzz, RandomBuffersNeverCrash) {
  std::mt19937 rng(kSeed);
  Counts counts;
  std::vector<std::uint8_t> buffer;
  for (int i = 0; i < kIterations; ++i) {
    buffer.resize(rng() % 100);
    for (auto& byte : buffer) byte = static_cast<std::uint8_t>(rng());
    // Give most buffers a plausible version and length so the TCP parser gets exercised too.
    if (buffer.size() >= 40 && rng() % 4 != 0) {
      const bool v6 = rng() % 2 == 0;
      buffer[0] = static_cast<std::uint8_t>(v6 ? 0x60 | (buffer[0] & 0x0F) : 0x45);
      if (v6) {
        buffer[4] = 0;
        buffer[5] = static_cast<std::uint8_t>(buffer.size() - 40);
        buffer[6] = 6;
      } else {
        buffer[2] = 0;
        buffer[3] = static_cast<std::uint8_t>(buffer.size());
        buffer[6] &= 0x40;
        buffer[7] = 0;
        buffer[9] = 6;
      }
    }
    decode_and_check(buffer, counts);
    if (HasFatalFailure()) return;
  }
  EXPECT_EQ(counts.decoded + counts.rejected, kIterations);
  EXPECT_GT(counts.decoded, 0);
  EXPECT_GT(counts.rejected, 0);
}

TEST(CodecFuzz, MutatedValidPacketsNeverCrash) {
  std::mt19937 rng(kSeed + 1);
  const std::vector<std::vector<std::uint8_t>> seeds = seed_packets();
  Counts counts;
  for (int i = 0; i < kIterations; ++i) {
    std::vector<std::uint8_t> packet = seeds[rng() % seeds.size()];
    const int mutations = 1 + static_cast<int>(rng() % 4);
    for (int m = 0; m < mutations; ++m) {
      switch (rng() % 4) {
        case 0:  // flip bits in one byte
          packet[rng() % packet.size()] ^= static_cast<std::uint8_t>(1 + rng() % 255);
          break;
        case 1:  // overwrite one byte
          packet[rng() % packet.size()] = static_cast<std::uint8_t>(rng());
          break;
        case 2:  // truncate
          packet.resize(rng() % (packet.size() + 1));
          break;
        default:  // append junk
          packet.push_back(static_cast<std::uint8_t>(rng()));
          break;
      }
      if (packet.empty()) break;
    }
    decode_and_check(packet, counts);
    if (HasFatalFailure()) return;
  }
  EXPECT_EQ(counts.decoded + counts.rejected, kIterations);
  EXPECT_GT(counts.decoded, 1000);
  EXPECT_GT(counts.rejected, 1000);
}

// Options a random well-formed segment may carry (kinds without a fixed shape accept any length).
TcpOption random_option(std::mt19937& rng) {
  switch (rng() % 9) {
    case 0: return TcpOption::nop();
    case 1: return TcpOption::mss(static_cast<std::uint16_t>(rng()));
    case 2: return TcpOption::wscale(static_cast<std::uint8_t>(rng() % 15));
    case 3: return TcpOption::sack_permitted();
    case 4:
      return TcpOption::timestamp(static_cast<std::uint32_t>(rng()),
                                  static_cast<std::uint32_t>(rng()));
    case 5: {
      std::vector<SackBlock> blocks(1 + rng() % 3);
      for (auto& block : blocks)
        block = {static_cast<std::uint32_t>(rng()), static_cast<std::uint32_t>(rng())};
      return TcpOption::sack(blocks);
    }
    case 6: return TcpOption::raw(option_kind::FAST_OPEN, bytes_of(4 + 2 * (rng() % 3)));
    case 7: return TcpOption::eol();
    default:
      return TcpOption::raw(static_cast<std::uint8_t>(200 + rng() % 50), bytes_of(rng() % 6));
  }
}

// What the decoder reports for `options`: the encoder keeps whole options up to 40 bytes and
// pads with EOL; the decoder stops at the first EOL.
std::vector<TcpOption> options_after_round_trip(const std::vector<TcpOption>& options) {
  std::vector<TcpOption> kept;
  std::size_t size = 0;
  for (const TcpOption& option : options) {
    const std::size_t length = option.kind <= option_kind::NOP ? 1 : option.data.size() + 2;
    if (size + length > 40) break;
    size += length;
    kept.push_back(option);
    if (option.kind == option_kind::EOL) return kept;
  }
  if (size % 4 != 0) kept.push_back(TcpOption::eol());
  return kept;
}

// What the decoder keeps of the bytes after the first EOL: options written after it go on the
// wire as given, and any non-zero byte among them (and the zero padding) is kept in after_eol.
std::vector<std::uint8_t> after_eol_after_round_trip(const std::vector<TcpOption>& options) {
  std::vector<std::uint8_t> area;
  std::optional<std::size_t> eol_at;
  for (const TcpOption& option : options) {
    const bool single = option.kind <= option_kind::NOP;
    if (area.size() + (single ? 1 : option.data.size() + 2) > 40) break;
    if (option.kind == option_kind::EOL && !eol_at) eol_at = area.size();
    area.push_back(option.kind);
    if (single) continue;
    area.push_back(static_cast<std::uint8_t>(option.data.size() + 2));
    area.insert(area.end(), option.data.begin(), option.data.end());
  }
  while (area.size() % 4 != 0) area.push_back(0);
  if (!eol_at) return {};
  std::vector<std::uint8_t> rest(area.begin() + static_cast<std::ptrdiff_t>(*eol_at + 1), area.end());
  for (std::uint8_t b : rest) {
    if (b != 0) return rest;
  }
  return {};
}

TEST(CodecFuzz, RandomSegmentsRoundTrip) {
  std::mt19937 rng(kSeed + 2);
  for (int i = 0; i < 5'000; ++i) {
    Segment seg = rng() % 2 ? v4_segment(0) : v6_segment(0);
    seg.tos = static_cast<std::uint8_t>(rng());
    seg.ttl = static_cast<std::uint8_t>(rng());
    if (seg.src.version == IpVersion::v6) seg.flow_label = rng() & 0xFFFFF;
    seg.sport = static_cast<std::uint16_t>(rng());
    seg.dport = static_cast<std::uint16_t>(rng());
    seg.seq = static_cast<std::uint32_t>(rng());
    seg.ack = static_cast<std::uint32_t>(rng());
    seg.flags = static_cast<std::uint16_t>(rng() & 0x0FFF);
    seg.window = static_cast<std::uint16_t>(rng());
    seg.urgent = static_cast<std::uint16_t>(rng());
    seg.options.resize(rng() % 8);
    for (auto& option : seg.options) option = random_option(rng);
    seg.payload = bytes_of(rng() % 64, static_cast<std::uint8_t>(rng()));
    seg.corrupt_checksum = rng() % 8 == 0;

    Result<Segment> decoded = decode(encode(seg));
    ASSERT_TRUE(decoded.ok()) << decoded.error().message;
    Segment expected = seg;
    expected.options = options_after_round_trip(seg.options);
    expected.after_eol = after_eol_after_round_trip(seg.options);
    expected.checksum_ok = !seg.corrupt_checksum;
    expected.corrupt_checksum = false;
    ASSERT_EQ(*decoded, expected) << "iteration " << i;
  }
}

}  // namespace
}  // namespace synack::net
