#include "harness/net/format.h"

#include <gtest/gtest.h>

#include "tests/net/net_test_support.h"

namespace synack::net {
namespace {

using testing_support::addr;
using testing_support::bytes_of;
using testing_support::linux_syn_ack;
using testing_support::v4_segment;
using testing_support::v6_segment;

TEST(FormatFlags, UsesTcpdumpLettersAndOrder) {
  EXPECT_EQ(format_flags(flag::SYN), "S");
  EXPECT_EQ(format_flags(flag::SYN | flag::ACK), "S.");
  EXPECT_EQ(format_flags(flag::PSH | flag::ACK), "P.");
  EXPECT_EQ(format_flags(flag::FIN | flag::ACK), "F.");
  EXPECT_EQ(format_flags(flag::RST), "R");
  EXPECT_EQ(format_flags(flag::RST | flag::ACK), "R.");
  EXPECT_EQ(format_flags(flag::ACK), ".");
  EXPECT_EQ(format_flags(flag::SYN | flag::ECE | flag::CWR), "SEW");
  EXPECT_EQ(format_flags(flag::PSH | flag::ACK | flag::URG), "P.U");
  EXPECT_EQ(format_flags(flag::SYN | flag::ACK | flag::AE), "S.A");
  EXPECT_EQ(format_flags(0x1FF), "FSRP.UEWA");
  EXPECT_EQ(format_flags(0), "none");
}

TEST(FormatFlags, ShowsReservedBits) {
  EXPECT_EQ(format_flags(flag::SYN | 0x200), "S rsv 0x200");
  EXPECT_EQ(format_flags(0xE00), "none rsv 0xe00");
}

TEST(FormatOptions, NamedKinds) {
  EXPECT_EQ(format_options({TcpOption::mss(1460), TcpOption::sack_permitted(),
                            TcpOption::timestamp(1, 0), TcpOption::nop(), TcpOption::wscale(7)}),
            "mss 1460,sackOK,TS val 1 ecr 0,nop,wscale 7");
  EXPECT_EQ(format_options({TcpOption::sack({{1, 1001}, {2001, 3001}})}),
            "sack 2 {1:1001}{2001:3001}");
  EXPECT_EQ(format_options({TcpOption::eol()}), "eol");
  EXPECT_EQ(format_options({}), "");
  EXPECT_EQ(format_options({TcpOption::raw(option_kind::MD5, bytes_of(16))}),
            "md5 000102030405060708090a0b0c0d0e0f");
}

TEST(FormatOptions, FastOpen) {
  EXPECT_EQ(format_options({TcpOption::raw(option_kind::FAST_OPEN, {})}), "tfo cookiereq");
  EXPECT_EQ(format_options({TcpOption::raw(option_kind::FAST_OPEN, {0xde, 0xad, 0xbe, 0xef})}),
            "tfo cookie deadbeef");
  EXPECT_EQ(format_options({TcpOption::raw(option_kind::EXPERIMENTAL, {0xf9, 0x89})}),
            "exp-tfo cookiereq");
  EXPECT_EQ(format_options(
                {TcpOption::raw(option_kind::EXPERIMENTAL, {0xf9, 0x89, 1, 2, 3, 4, 5, 6, 7, 8})}),
            "exp-tfo cookie 0102030405060708");
  EXPECT_EQ(format_options({TcpOption::raw(option_kind::EXPERIMENTAL, {0x12, 0x34})}),
            "opt-254:1234");
}

TEST(FormatOptions, UnknownKindsAsHex) {
  EXPECT_EQ(format_options({TcpOption::raw(99, {0x01, 0x02})}), "opt-99:0102");
  EXPECT_EQ(format_options({TcpOption::raw(30, {})}), "opt-30:");
}

TEST(FormatOptions, BadLengthsAreMarked) {
  TcpOption lying = TcpOption::mss(1460);
  lying.wire_length = 5;
  EXPECT_EQ(format_options({lying}), "mss 1460 [bad len 5]");
  EXPECT_EQ(format_options({TcpOption::raw(option_kind::MSS, {1, 2, 3})}),
            "opt-2:010203 [bad len 5]");
  EXPECT_EQ(format_options({TcpOption::raw(option_kind::FAST_OPEN, {1, 2, 3})}),
            "tfo cookie 010203 [bad len 5]");
  TcpOption short_unknown = TcpOption::raw(99, {});
  short_unknown.wire_length = 1;
  EXPECT_EQ(format_options({short_unknown, TcpOption::nop()}), "opt-99: [bad len 1],nop");
}

TEST(FormatSegment, SynWithOptions) {
  Segment syn = linux_syn_ack();
  syn.flags = flag::SYN;
  EXPECT_EQ(format_segment(syn),
            "Flags [S], seq 0, win 65535, options [mss 1460,sackOK,TS val 1 ecr 0,nop,wscale 7], "
            "length 0");
}

TEST(FormatSegment, SynAck) {
  EXPECT_EQ(format_segment(linux_syn_ack()),
            "Flags [S.], seq 0, ack 1, win 65535, options [mss 1460,sackOK,TS val 1 ecr 0,nop,"
            "wscale 7], length 0");
}

TEST(FormatSegment, DataShowsTheSequenceRange) {
  Segment data = v4_segment(flag::PSH | flag::ACK);
  data.seq = 1;
  data.ack = 1;
  data.window = 257;
  data.payload.assign(1000, 'x');
  EXPECT_EQ(format_segment(data), "Flags [P.], seq 1:1001, ack 1, win 257, length 1000");
}

TEST(FormatSegment, SequenceRangeWrapsModulo32Bits) {
  Segment data = v4_segment(flag::ACK);
  data.seq = 4294967000u;
  data.ack = 5;
  data.payload.assign(1000, 'x');
  EXPECT_EQ(format_segment(data), "Flags [.], seq 4294967000:704, ack 5, win 0, length 1000");
}

TEST(FormatSegment, FinRstAndNoFlags) {
  Segment fin = v4_segment(flag::FIN | flag::ACK);
  fin.seq = 1001;
  fin.ack = 1;
  fin.window = 257;
  EXPECT_EQ(format_segment(fin), "Flags [F.], seq 1001, ack 1, win 257, length 0");

  Segment rst = v4_segment(flag::RST);
  rst.seq = 1001;
  rst.ack = 99;  // not shown: ACK is not set
  EXPECT_EQ(format_segment(rst), "Flags [R], seq 1001, win 0, length 0");

  Segment none = v4_segment(0);
  none.seq = 5;
  none.window = 100;
  EXPECT_EQ(format_segment(none), "Flags [none], seq 5, win 100, length 0");
}

TEST(FormatSegment, UrgentPointerOnlyWithUrg) {
  Segment urg = v4_segment(flag::PSH | flag::ACK | flag::URG);
  urg.seq = 1;
  urg.ack = 1;
  urg.window = 10;
  urg.urgent = 3;
  urg.payload = {1, 2, 3};
  EXPECT_EQ(format_segment(urg), "Flags [P.U], seq 1:4, ack 1, win 10, urg 3, length 3");
  urg.flags = flag::PSH | flag::ACK;
  EXPECT_EQ(format_segment(urg), "Flags [P.], seq 1:4, ack 1, win 10, length 3");
}

TEST(FormatSegment, BadChecksumIsShown) {
  Segment seg = v4_segment(flag::ACK);
  seg.checksum_ok = false;
  EXPECT_EQ(format_segment(seg), "Flags [.], seq 0, ack 0, win 0, length 0, bad cksum");
}

TEST(FormatSegment, WithAddresses) {
  EXPECT_EQ(format_segment_with_addresses(linux_syn_ack()),
            "192.0.2.1.8080 > 198.51.100.1.40000: Flags [S.], seq 0, ack 1, win 65535, options "
            "[mss 1460,sackOK,TS val 1 ecr 0,nop,wscale 7], length 0");
  Segment v6 = v6_segment(flag::RST | flag::ACK);
  v6.ack = 1;
  EXPECT_EQ(format_segment_with_addresses(v6),
            "2001:db8::1.8080 > 2001:db8::2.40000: Flags [R.], seq 0, ack 1, win 0, length 0");
  Segment loop = v4_segment(flag::ACK);
  loop.src = addr("127.0.0.1");
  EXPECT_EQ(format_segment_with_addresses(loop).substr(0, 36),
            "127.0.0.1.8080 > 198.51.100.1.40000:");
}

}  // namespace
}  // namespace synack::net
