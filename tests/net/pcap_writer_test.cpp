#include "harness/net/pcap_writer.h"

#include <gtest/gtest.h>
#include <pcap/pcap.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "harness/net/codec.h"
#include "tests/net/net_test_support.h"

namespace synack::net {
namespace {

using testing_support::bytes_of;
using testing_support::linux_syn_ack;
using testing_support::v4_segment;
using testing_support::v6_segment;

constexpr Micros kStart = 1'700'000'000'123'456;

std::string temp_pcap(const std::string& name) {
  return ::testing::TempDir() + "synack_net_" + std::to_string(getpid()) + "_" + name + ".pcap";
}

// A SYN, a SYN-ACK over IPv6, and a data segment with a corrupted checksum.
std::vector<std::vector<std::uint8_t>> sample_packets() {
  Segment syn = linux_syn_ack();
  syn.flags = flag::SYN;
  Segment syn_ack = linux_syn_ack();
  syn_ack.src = v6_segment(0).src;
  syn_ack.dst = v6_segment(0).dst;
  Segment data = v4_segment(flag::PSH | flag::ACK);
  data.payload = bytes_of(100);
  data.corrupt_checksum = true;
  return {encode(syn), encode(syn_ack), encode(data)};
}

const Micros kTimes[] = {kStart, kStart + 1'000, kStart + 2'999'999};

void write_samples(const std::string& path) {
  auto writer = PcapWriter::open(path);
  ASSERT_TRUE(writer.ok()) << writer.error().message;
  const auto packets = sample_packets();
  for (std::size_t i = 0; i < packets.size(); ++i) (*writer)->write(kTimes[i], packets[i]);
}

class PcapFile {
 public:
  explicit PcapFile(const std::string& path) {
    char error[PCAP_ERRBUF_SIZE] = {};
    handle_ = pcap_open_offline(path.c_str(), error);
    EXPECT_NE(handle_, nullptr) << error;
  }
  ~PcapFile() {
    if (handle_ != nullptr) pcap_close(handle_);
  }
  pcap_t* get() const { return handle_; }

 private:
  pcap_t* handle_ = nullptr;
};

TEST(PcapWriter, WrittenPacketsReadBackExactly) {
  const std::string path = temp_pcap("readback");
  write_samples(path);
  PcapFile file(path);
  ASSERT_NE(file.get(), nullptr);
  EXPECT_EQ(pcap_datalink(file.get()), DLT_RAW);
  EXPECT_EQ(pcap_snapshot(file.get()), 65535);

  const auto packets = sample_packets();
  pcap_pkthdr* header = nullptr;
  const u_char* data = nullptr;
  std::size_t count = 0;
  while (pcap_next_ex(file.get(), &header, &data) == 1) {
    ASSERT_LT(count, packets.size());
    const auto& expected = packets[count];
    EXPECT_EQ(header->caplen, expected.size());
    EXPECT_EQ(header->len, expected.size());
    EXPECT_EQ(std::vector<std::uint8_t>(data, data + header->caplen), expected);
    EXPECT_EQ(header->ts.tv_sec, kTimes[count] / kMicrosPerSecond);
    EXPECT_EQ(header->ts.tv_usec, kTimes[count] % kMicrosPerSecond);
    ++count;
  }
  EXPECT_EQ(count, packets.size());
  std::filesystem::remove(path);
}

TEST(PcapWriter, FileHeaderSaysLinktypeRaw) {
  const std::string path = temp_pcap("header");
  write_samples(path);
  std::ifstream in(path, std::ios::binary);
  unsigned char header[24] = {};
  ASSERT_TRUE(in.read(reinterpret_cast<char*>(header), sizeof header));
  const std::uint32_t magic =
      header[0] | header[1] << 8 | header[2] << 16 | std::uint32_t{header[3]} << 24;
  EXPECT_EQ(magic, 0xa1b2c3d4u) << "microsecond pcap, little endian";
  EXPECT_EQ(header[20] | header[21] << 8, 101) << "LINKTYPE_RAW";
  std::filesystem::remove(path);
}

TEST(PcapWriter, FlushMakesPacketsVisibleWhileOpen) {
  const std::string path = temp_pcap("flush");
  auto writer = PcapWriter::open(path);
  ASSERT_TRUE(writer.ok()) << writer.error().message;
  const auto packets = sample_packets();
  (*writer)->write(kStart, packets[0]);
  (*writer)->flush();
  EXPECT_EQ(std::filesystem::file_size(path), 24u + 16u + packets[0].size());
  writer->reset();
  std::filesystem::remove(path);
}

TEST(PcapWriter, OpenFailureNamesPathAndReason) {
  const std::string path = "/nonexistent-synack-dir/out.pcap";
  auto writer = PcapWriter::open(path);
  ASSERT_FALSE(writer.ok());
  EXPECT_NE(writer.error().message.find(path), std::string::npos) << writer.error().message;
  EXPECT_NE(writer.error().message.find("No such file or directory"), std::string::npos)
      << writer.error().message;
}

std::string run(const std::string& command) {
  std::string output;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return output;
  char buffer[256];
  while (std::fgets(buffer, sizeof buffer, pipe) != nullptr) output += buffer;
  pclose(pipe);
  return output;
}

TEST(PcapWriter, TsharkReadsFlagsAndChecksums) {
  if (!std::filesystem::exists("/usr/bin/tshark")) GTEST_SKIP() << "tshark not installed";
  const std::string path = temp_pcap("tshark");
  write_samples(path);
  const std::string output =
      run("/usr/bin/tshark -n -o tcp.check_checksum:TRUE -r " + path +
          " -T fields -e ip.src -e ipv6.src -e tcp.srcport -e tcp.flags -e tcp.checksum.status"
          " 2>/dev/null");
  // checksum status: 1 good, 0 bad.
  EXPECT_EQ(output,
            "192.0.2.1\t\t8080\t0x0002\t1\n"
            "\t2001:db8::1\t8080\t0x0012\t1\n"
            "192.0.2.1\t\t8080\t0x0018\t0\n");
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace synack::net
