// Writes raw IP packets (LINKTYPE_RAW) to a pcap file readable by tcpdump, tshark and Wireshark.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "harness/common/result.h"
#include "harness/common/time.h"

namespace synack::net {

class PcapWriter {
 public:
  static Result<std::unique_ptr<PcapWriter>> open(const std::string& path);
  ~PcapWriter();
  PcapWriter(const PcapWriter&) = delete;
  PcapWriter& operator=(const PcapWriter&) = delete;

  // `timestamp` is microseconds since the Unix epoch.
  void write(Micros timestamp, std::span<const std::uint8_t> ip_packet);
  void flush();

 private:
  explicit PcapWriter(void* handle, void* dumper);
  void* pcap_;    // pcap_t*
  void* dumper_;  // pcap_dumper_t*
};

}  // namespace synack::net
