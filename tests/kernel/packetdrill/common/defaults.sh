#!/bin/sh
# A known starting point for the Linux TCP stack, in the style of packetdrill's defaults.sh.
# synack runs it inside the script's private network namespace: every setting below is a
# per-namespace sysctl, so the host is never touched.
set -e
sysctl -q net.ipv4.tcp_timestamps=1
sysctl -q net.ipv4.tcp_sack=1
sysctl -q net.ipv4.tcp_window_scaling=1
sysctl -q net.ipv4.tcp_syn_retries=6
sysctl -q net.ipv4.tcp_rfc1337=0
sysctl -q net.ipv4.tcp_rmem="4096 131072 6291456"
sysctl -q net.ipv4.tcp_wmem="4096 16384 4194304"
sysctl -q net.ipv4.tcp_fin_timeout=60
