#include "targets/reference/tcb.h"

namespace synack::reference {

std::string describe(const Tcb& t) {
  std::string s = "conn " + std::to_string(t.id) + " " + std::string(to_string(t.state)) + " " +
                  t.local.addr.to_string() + ":" + std::to_string(t.local.port) + ">" +
                  t.remote.addr.to_string() + ":" + std::to_string(t.remote.port);
  auto field = [&](const char* name, std::uint64_t v) {
    s += " ";
    s += name;
    s += "=";
    s += std::to_string(v);
  };
  field("ISS", t.iss);
  field("SND.UNA", t.snd_una);
  field("SND.NXT", t.snd_nxt);
  field("SND.WND", t.snd_wnd);
  field("IRS", t.irs);
  field("RCV.NXT", t.rcv_nxt);
  field("RCV.WND", t.rcv_wnd());
  field("unacked", t.send_buf.size());
  field("unread", t.recv_buf.size());
  field("ooo", t.ooo.size());
  field("RTO(us)", static_cast<std::uint64_t>(t.rto));
  return s;
}

}  // namespace synack::reference
