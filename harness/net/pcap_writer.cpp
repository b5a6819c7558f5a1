#include "harness/net/pcap_writer.h"

#include <pcap/pcap.h>

#include <algorithm>

namespace synack::net {
namespace {

constexpr int kSnapLength = 65535;  // the largest IP packet; nothing is ever cut

pcap_t* as_pcap(void* handle) { return static_cast<pcap_t*>(handle); }
pcap_dumper_t* as_dumper(void* handle) { return static_cast<pcap_dumper_t*>(handle); }

}  // namespace

Result<std::unique_ptr<PcapWriter>> PcapWriter::open(const std::string& path) {
  // A "dead" handle only supplies the link type and snap length for the file header.
  pcap_t* pcap = pcap_open_dead(DLT_RAW, kSnapLength);
  if (pcap == nullptr)
    return make_error("cannot create pcap file " + path + ": pcap_open_dead failed");
  pcap_dumper_t* dumper = pcap_dump_open(pcap, path.c_str());
  if (dumper == nullptr) {
    // libpcap's message already names the path and the system error.
    std::string reason = pcap_geterr(pcap);
    pcap_close(pcap);
    return make_error("cannot create pcap file " + path + ": " + reason);
  }
  return std::unique_ptr<PcapWriter>(new PcapWriter(pcap, dumper));
}

PcapWriter::PcapWriter(void* handle, void* dumper) : pcap_(handle), dumper_(dumper) {}

PcapWriter::~PcapWriter() {
  pcap_dump_close(as_dumper(dumper_));  // flushes
  pcap_close(as_pcap(pcap_));
}

void PcapWriter::write(Micros timestamp, std::span<const std::uint8_t> ip_packet) {
  pcap_pkthdr header{};
  // Floor division, so times before the epoch still get 0 <= tv_usec < 1e6.
  Micros seconds = timestamp / kMicrosPerSecond;
  Micros micros = timestamp % kMicrosPerSecond;
  if (micros < 0) {
    micros += kMicrosPerSecond;
    --seconds;
  }
  header.ts.tv_sec = static_cast<time_t>(seconds);
  header.ts.tv_usec = static_cast<suseconds_t>(micros);
  header.len = static_cast<bpf_u_int32>(ip_packet.size());
  header.caplen = static_cast<bpf_u_int32>(std::min<std::size_t>(ip_packet.size(), kSnapLength));
  pcap_dump(reinterpret_cast<u_char*>(dumper_), &header, ip_packet.data());
}

void PcapWriter::flush() { pcap_dump_flush(as_dumper(dumper_)); }

}  // namespace synack::net
