// lwIP's C headers, in one place. They carry their own extern "C" guards; lwipopts.h (Debian's
// unix port configuration) comes in through lwip/opt.h, so the structures seen here are the ones
// liblwip was built with.
#pragma once

// Debian's lwipopts.h declares the unix port's core-locking functions (sys_lock_tcpip_core,
// sys_mark_tcpip_thread, ...) outside any extern "C" block; read first, here, it declares them
// with the C linkage liblwip defines them with. (It includes nothing itself.)
extern "C" {
#include <lwipopts.h>
}

#include <lwip/init.h>
#include <lwip/ip.h>
#include <lwip/ip_addr.h>
#include <lwip/netif.h>
#include <lwip/pbuf.h>
#include <lwip/priv/tcp_priv.h>
#include <lwip/prot/ip4.h>
#include <lwip/prot/ip6.h>
#include <lwip/sys.h>
#include <lwip/tcp.h>
#include <lwip/tcpip.h>
#include <lwip/timeouts.h>
