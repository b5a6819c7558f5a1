// RFC 2883 D-SACK for the linux profile (key `dsack`): where segment arrival finds duplicate
// text, its range is kept in the Tcb (dsack_pending, dsack_left, dsack_right); output.cpp sends it
// as the first SACK block of the next ACK.
#pragma once

#include "targets/reference/config.h"
#include "targets/reference/stack.h"
#include "targets/reference/tcb.h"

namespace synack::reference {

// The segment starts below RCV.NXT: its octets (and FIN) there arrived before. Linux: a wholly
// old segment (tcp_data_queue, tcp_send_dupack) or the head of a partial one ("Partial packet,
// seq < rcv_next < end_seq"). Returns whether a range was recorded.
bool note_old_duplicate(const StackConfig& cfg, Tcb& tcb, const SegView& v);

// Text at or beyond RCV.NXT that overlaps queued out-of-order data: the overlap is a duplicate
// (tcp_data_queue_ofo, tcp_ofo_queue). Returns whether one was noted.
bool note_queued_duplicate(const StackConfig& cfg, Tcb& tcb, const SegView& v);

}  // namespace synack::reference
