#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""gtpu_traffic: packet builders and pcap tooling for gardengate's tests.

What is here:

  * byte-level builders (struct only, no scapy) for Ethernet, ARP, IPv4,
    UDP, TCP, ICMP and GTP-U (3GPP TS 29.281: header with optional fields,
    extension-header chains, PDU Session Container of TS 38.415, the IEs of
    Echo, Error Indication and Supported Extension Headers Notification).
    They build well-formed packets by default and take explicit overrides
    (lengths, flags, checksums, ...) to build malformed ones;
  * a classic-pcap writer and reader (microsecond and nanosecond variants);
  * a frame decoder producing a flat {field: value} view, used to explain
    differences between expected and received frames;
  * a reader for the subset of libconfig that gardengate's config uses, and
    the sessions it declares;
  * a fast generator of large pcaps (N packets over K random sessions, frame
    sizes in a range) for throughput tests, also usable from the command
    line: gtpu_traffic.py perf OUTDIR --sessions K --packets N;
  * thin scapy helpers (scapy is imported only when they are called) used by
    the functional tests for an independent computation of checksums;
  * a self-test (gtpu_traffic.py selftest DIR) that checks the byte builders
    against scapy and the generated pcaps against tshark.

Run with Debian's /usr/bin/python3 when scapy is needed (python3-scapy).
"""

import argparse
import json
import os
import random
import re
import shutil
import socket
import struct
import subprocess
import sys
from collections import OrderedDict

# ---------------------------------------------------------------------------
# Protocol constants (TS 29.281, TS 38.415)

GTPU_PORT = 2152
ETH_P_IPV4 = 0x0800
ETH_P_ARP = 0x0806
ETH_P_VLAN = 0x8100
ETH_P_IPV6 = 0x86DD
IPPROTO_ICMP = 1
IPPROTO_TCP = 6
IPPROTO_UDP = 17

MSG_ECHO_REQUEST = 1
MSG_ECHO_RESPONSE = 2
MSG_ERROR_INDICATION = 26
MSG_SUPPORTED_EXT_HDR_NOTIFICATION = 31
MSG_END_MARKER = 254
MSG_GPDU = 255

EXT_NONE = 0x00
EXT_SERVICE_CLASS = 0x20
EXT_UDP_PORT = 0x40
EXT_RAN_CONTAINER = 0x81
EXT_LONG_PDCP_PDU_NUMBER = 0x82
EXT_XW_RAN_CONTAINER = 0x83
EXT_NR_RAN_CONTAINER = 0x84
EXT_PDU_SESSION_CONTAINER = 0x85
EXT_PDCP_PDU_NUMBER = 0xC0

IE_RECOVERY = 14
IE_TEID_DATA_I = 16
IE_PEER_ADDRESS = 133
IE_EXT_HDR_TYPE_LIST = 141

PDU_TYPE_DL = 0
PDU_TYPE_UL = 1

# Outer overhead of a G-PDU on N3: IPv4 + UDP + GTP-U (8, or 16 with a
# one-unit PDU Session Container).
GPDU_OVERHEAD = 20 + 8 + 8
GPDU_OVERHEAD_QFI = 20 + 8 + 16

# The pcap PMD gives its ports 02:70:63:61:70:NN ("\x02pcap" + index) in
# probe order; gardengate probes N3 first. Used only as the destination MAC
# of generated input frames; checks use the MACs gardengate reports.
PCAP_PMD_MAC_N3 = "02:70:63:61:70:00"
PCAP_PMD_MAC_N6 = "02:70:63:61:70:01"


# ---------------------------------------------------------------------------
# Small conversions

def mac_bytes(mac):
    """'02:00:00:00:03:fe' -> 6 bytes."""
    parts = mac.split(":")
    if len(parts) != 6:
        raise ValueError("bad MAC address %r" % mac)
    return bytes(int(p, 16) for p in parts)


def mac_str(b):
    return ":".join("%02x" % x for x in b[:6])


def ip_bytes(ip):
    """'192.0.2.1' -> 4 bytes (also accepts 4 bytes or an int)."""
    if isinstance(ip, (bytes, bytearray)):
        if len(ip) != 4:
            raise ValueError("IPv4 address must be 4 bytes")
        return bytes(ip)
    if isinstance(ip, int):
        return struct.pack("!I", ip)
    return socket.inet_aton(ip)


def ip_str(b):
    return socket.inet_ntoa(bytes(b[:4]))


def inet_checksum(data):
    """RFC 1071 Internet checksum of @data (odd length padded with zero)."""
    if len(data) % 2:
        data = bytes(data) + b"\x00"
    total = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return (~total) & 0xFFFF


def checksum_ok(data):
    """True if @data (with its checksum field in place) sums to 0xffff."""
    return inet_checksum(data) == 0


# ---------------------------------------------------------------------------
# Layer 2

def ether(dst, src, ethertype, payload, pad=True):
    """Ethernet II frame (no FCS). With @pad, pad with zeros to 60 octets
    like a real NIC does for short frames."""
    frame = mac_bytes(dst) + mac_bytes(src) + struct.pack("!H", ethertype) + payload
    if pad and len(frame) < 60:
        frame += bytes(60 - len(frame))
    return frame


def vlan_ether(dst, src, vid, ethertype, payload, pad=True):
    """802.1Q-tagged frame."""
    tagged = struct.pack("!HH", vid & 0x0FFF, ethertype) + payload
    return ether(dst, src, ETH_P_VLAN, tagged, pad)


def arp(op, sha, spa, tha, tpa):
    """ARP for IPv4 over Ethernet; op 1 request, 2 reply."""
    return (struct.pack("!HHBBH", 1, ETH_P_IPV4, 6, 4, op) + mac_bytes(sha)
            + ip_bytes(spa) + mac_bytes(tha) + ip_bytes(tpa))


def arp_request_frame(src_mac, src_ip, target_ip):
    return ether("ff:ff:ff:ff:ff:ff", src_mac, ETH_P_ARP,
                 arp(1, src_mac, src_ip, "00:00:00:00:00:00", target_ip))


# ---------------------------------------------------------------------------
# IPv4 and transports

def ipv4_header(src, dst, proto, payload_len, ttl=64, tos=0, ident=0,
                df=False, mf=False, frag_offset=0, options=b"", version=4,
                ihl=None, total_length=None, checksum=None):
    """An IPv4 header. @frag_offset is in 8-octet units. Any field may be
    forced (ihl, total_length, checksum) to build broken headers; the
    checksum is otherwise computed over the header as built."""
    if len(options) % 4:
        raise ValueError("IPv4 options must be a multiple of 4 octets")
    hlen = 20 + len(options)
    if ihl is None:
        ihl = hlen // 4
    if total_length is None:
        total_length = hlen + payload_len
    flags = (0x4000 if df else 0) | (0x2000 if mf else 0) | (frag_offset & 0x1FFF)
    hdr = struct.pack("!BBHHHBBH4s4s", ((version & 0xF) << 4) | (ihl & 0xF),
                      tos, total_length & 0xFFFF, ident & 0xFFFF, flags, ttl,
                      proto, 0, ip_bytes(src), ip_bytes(dst)) + options
    if checksum is None:
        checksum = inet_checksum(hdr)
    return hdr[:10] + struct.pack("!H", checksum) + hdr[12:]


def ipv4(src, dst, proto, payload, **kw):
    """A whole IPv4 packet: header (see ipv4_header) + @payload."""
    return ipv4_header(src, dst, proto, len(payload), **kw) + payload


def _pseudo_header(src, dst, proto, length):
    return ip_bytes(src) + ip_bytes(dst) + struct.pack("!BBH", 0, proto, length)


def udp(src, dst, sport, dport, payload, checksum=True, length=None):
    """UDP header + payload. @checksum: True computes it (0 becomes 0xffff),
    False writes 0 (no checksum, allowed over IPv4), an int is written as
    is. @length forces the length field."""
    ulen = 8 + len(payload) if length is None else length
    hdr = struct.pack("!HHHH", sport, dport, ulen & 0xFFFF, 0)
    if checksum is True:
        c = inet_checksum(_pseudo_header(src, dst, IPPROTO_UDP, 8 + len(payload))
                          + hdr + payload)
        c = c or 0xFFFF
    elif checksum is False:
        c = 0
    else:
        c = checksum
    return hdr[:6] + struct.pack("!H", c) + payload


def tcp(src, dst, sport, dport, payload=b"", seq=1, ack=0, flags=0x18,
        window=65535, options=b"", checksum=True, urgent=0):
    """TCP header + payload. @flags: 0x01 FIN, 0x02 SYN, 0x04 RST, 0x08 PSH,
    0x10 ACK (0x18 PSH|ACK, ...). @options: option octets, padded with EOL
    to a multiple of 4. @checksum: True computes it, an int is written as
    is (to build a bad one)."""
    options = bytes(options) + bytes((-len(options)) % 4)
    hdr = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF,
                      ack & 0xFFFFFFFF, (5 + len(options) // 4) << 4, flags, window, 0,
                      urgent) + options
    if checksum is True:
        c = inet_checksum(_pseudo_header(src, dst, IPPROTO_TCP, len(hdr) + len(payload))
                          + hdr + payload)
    else:
        c = checksum
    return hdr[:16] + struct.pack("!H", c) + hdr[18:] + payload


def tcp_opt_mss(mss):
    """TCP MSS option (RFC 9293 3.2)."""
    return struct.pack("!BBH", 2, 4, mss)


# What Linux puts in a SYN: MSS, SACK permitted, timestamps, NOP, window scale.
def tcp_opts_linux_syn(mss=1460, tsval=0x01020304, wscale=7):
    return (tcp_opt_mss(mss) + b"\x04\x02" + struct.pack("!BBII", 8, 10, tsval, 0)
            + b"\x01" + struct.pack("!BBB", 3, 3, wscale))


def icmp_echo(ident, seq, payload=b"", reply=False):
    """ICMP Echo Request (or Reply) with a correct checksum."""
    hdr = struct.pack("!BBHHH", 0 if reply else 8, 0, 0, ident, seq)
    c = inet_checksum(hdr + payload)
    return hdr[:2] + struct.pack("!H", c) + hdr[4:] + payload


def ipv4_udp(src, dst, sport, dport, payload, udp_checksum=True, **ipkw):
    return ipv4(src, dst, IPPROTO_UDP,
                udp(src, dst, sport, dport, payload, udp_checksum), **ipkw)


def ipv4_tcp(src, dst, sport, dport, payload=b"", seq=1, ack=0, flags=0x18,
             window=65535, tcp_options=b"", tcp_checksum=True, **ipkw):
    return ipv4(src, dst, IPPROTO_TCP,
                tcp(src, dst, sport, dport, payload, seq, ack, flags, window=window,
                    options=tcp_options, checksum=tcp_checksum), **ipkw)


def icmp_message(icmp_type, code, rest=b"\x00\x00\x00\x00", payload=b""):
    """Any ICMP message: type, code, checksum, the 4 octets after it
    (@rest: identifier and sequence, or unused) and @payload."""
    hdr = struct.pack("!BBH", icmp_type, code, 0) + bytes(rest)
    c = inet_checksum(hdr + payload)
    return hdr[:2] + struct.pack("!H", c) + hdr[4:] + payload


def ipv4_icmp_echo(src, dst, icmp_id, icmp_seq, payload=b"", reply=False, **ipkw):
    return ipv4(src, dst, IPPROTO_ICMP, icmp_echo(icmp_id, icmp_seq, payload, reply),
                **ipkw)


def ipv6_udp(src, dst, sport, dport, payload, hop_limit=64):
    """IPv6/UDP packet (UDP checksum computed); src/dst as text."""
    s = socket.inet_pton(socket.AF_INET6, src)
    d = socket.inet_pton(socket.AF_INET6, dst)
    ulen = 8 + len(payload)
    hdr = struct.pack("!HHHH", sport, dport, ulen, 0)
    pseudo = s + d + struct.pack("!I3xB", ulen, IPPROTO_UDP)
    c = inet_checksum(pseudo + hdr + payload) or 0xFFFF
    seg = hdr[:6] + struct.pack("!H", c) + payload
    return struct.pack("!IHBB", 6 << 28, ulen, IPPROTO_UDP, hop_limit) + s + d + seg


def decrement_ttl(packet):
    """Return IPv4 @packet with TTL - 1 and its header checksum recomputed
    from scratch (what a router's output must look like)."""
    ihl = (packet[0] & 0x0F) * 4
    hdr = bytearray(packet[:ihl])
    hdr[8] = (hdr[8] - 1) & 0xFF
    hdr[10:12] = b"\x00\x00"
    hdr[10:12] = struct.pack("!H", inet_checksum(bytes(hdr)))
    return bytes(hdr) + bytes(packet[ihl:])


def ident_for_zero_checksum(src, dst, proto, payload_len, ttl_after, **kw):
    """An IPv4 identification value for which a header built with these
    fields and TTL @ttl_after has checksum 0x0000 -- the value an RFC 1141
    style incremental update gets wrong (0xffff)."""
    for ident in range(65536):
        hdr = ipv4_header(src, dst, proto, payload_len, ttl=ttl_after,
                          ident=ident, **kw)
        if hdr[10:12] == b"\x00\x00":
            return ident
    raise ValueError("no identification gives a zero checksum")


# ---------------------------------------------------------------------------
# GTP-U (TS 29.281 5.1, 5.2)

def ext_header(ext_type, content):
    """(type, content) of one extension header; @content must be 4n-2 octets
    (length octet and next-type octet complete the 4-octet units)."""
    if (len(content) + 2) % 4:
        raise ValueError("extension header content must be 4n-2 octets, got %d"
                         % len(content))
    return (ext_type, bytes(content))


def ext_pdu_session_ul(qfi, extra=b""):
    """PDU Session Container, UL PDU SESSION INFORMATION (TS 38.415 5.5.2.2):
    PDU type 1, QFI; @extra is appended and the whole padded to 4n-2."""
    content = bytes([PDU_TYPE_UL << 4, qfi & 0x3F]) + extra
    content += bytes((-(len(content) + 2)) % 4)
    return (EXT_PDU_SESSION_CONTAINER, content)


def ext_pdu_session_dl(qfi, ppp=0, rqi=0):
    """PDU Session Container, DL PDU SESSION INFORMATION (TS 38.415 5.5.2.1)."""
    return (EXT_PDU_SESSION_CONTAINER,
            bytes([PDU_TYPE_DL << 4, (ppp << 7) | (rqi << 6) | (qfi & 0x3F)]))


def ext_pdu_session_raw(pdu_type, qfi):
    """PDU Session Container with any PDU type (to build invalid ones)."""
    return (EXT_PDU_SESSION_CONTAINER, bytes([(pdu_type & 0xF) << 4, qfi & 0x3F]))


def ext_udp_port(port):
    return (EXT_UDP_PORT, struct.pack("!H", port))


def ext_pdcp_pdu_number(n):
    return (EXT_PDCP_PDU_NUMBER, struct.pack("!H", n))


def encode_ext_chain(exts):
    """Encode [(type, content), ...]: returns (first type, bytes)."""
    out = b""
    for i, (etype, content) in enumerate(exts):
        nxt = exts[i + 1][0] if i + 1 < len(exts) else EXT_NONE
        units = (len(content) + 2) // 4
        out += bytes([units]) + content + bytes([nxt])
    return (exts[0][0] if exts else EXT_NONE), out


def gtpu(msg_type, teid, payload=b"", seq=None, npdu=None, exts=(),
         version=1, pt=1, flags=None, length=None, next_ext=None,
         raw_ext=None, force_opt=False):
    """One GTP-U message: header + @payload.

    The S, PN and E flags follow @seq, @npdu and @exts; when any is set the
    4 optional octets are present (sequence, N-PDU number, next extension
    type). Overrides for malformed messages: @flags (octet 1 as is),
    @length (the length field), @next_ext (the next-type octet) and
    @raw_ext (extension-chain bytes used instead of encoding @exts),
    @force_opt (emit the optional octets even with E=S=PN=0)."""
    e = bool(exts) or raw_ext is not None
    s = seq is not None
    pn = npdu is not None
    if flags is None:
        flags = ((version & 7) << 5) | ((pt & 1) << 4) | (e << 2) | (s << 1) | pn
    has_opt = bool(flags & 0x07) or force_opt
    first, chain = encode_ext_chain(list(exts))
    if raw_ext is not None:
        chain = raw_ext
    if next_ext is None:
        next_ext = first
    opt = b""
    if has_opt:
        opt = struct.pack("!HBB", seq or 0, npdu or 0, next_ext)
    body = opt + chain + payload
    if length is None:
        length = len(body)
    return struct.pack("!BBHI", flags, msg_type, length & 0xFFFF,
                       teid & 0xFFFFFFFF) + body


def gpdu(teid, tpdu, **kw):
    return gtpu(MSG_GPDU, teid, tpdu, **kw)


def ie_recovery(restart_counter=0):
    return bytes([IE_RECOVERY, restart_counter])


def ie_teid_data_i(teid):
    return struct.pack("!BI", IE_TEID_DATA_I, teid)


def ie_peer_address(ip):
    a = ip_bytes(ip)
    return struct.pack("!BH", IE_PEER_ADDRESS, len(a)) + a


def ie_ext_hdr_type_list(types):
    return bytes([IE_EXT_HDR_TYPE_LIST, len(types)]) + bytes(types)


def echo_request(seq):
    """Echo Request: S=1, TEID 0 (TS 29.281 7.2.1)."""
    return gtpu(MSG_ECHO_REQUEST, 0, seq=seq)


def echo_response(seq, restart_counter=0):
    """Echo Response: S=1, TEID 0, Recovery IE (TS 29.281 7.2.2)."""
    return gtpu(MSG_ECHO_RESPONSE, 0, ie_recovery(restart_counter), seq=seq)


def error_indication(teid, peer, udp_port=None, seq=0):
    """Error Indication (TS 29.281 7.3.1): TEID 0, S=1, TEID Data I and
    GTP-U Peer Address IEs, UDP Port extension header when @udp_port."""
    exts = [ext_udp_port(udp_port)] if udp_port is not None else []
    return gtpu(MSG_ERROR_INDICATION, 0, ie_teid_data_i(teid) + ie_peer_address(peer),
                seq=seq, exts=exts)


def end_marker(teid, exts=()):
    return gtpu(MSG_END_MARKER, teid, exts=exts)


def n3_frame(dst_mac, src_mac, src_ip, dst_ip, message, sport=GTPU_PORT,
             dport=GTPU_PORT, ttl=64, ident=0, udp_checksum=False, **ipkw):
    """Ethernet/IPv4/UDP/GTP-U frame carrying GTP-U @message."""
    return ether(dst_mac, src_mac, ETH_P_IPV4,
                 ipv4_udp(src_ip, dst_ip, sport, dport, message,
                          udp_checksum=udp_checksum, ttl=ttl, ident=ident, **ipkw))


# ---------------------------------------------------------------------------
# pcap files

PCAP_MAGIC_US = 0xA1B2C3D4
PCAP_MAGIC_NS = 0xA1B23C4D
LINKTYPE_ETHERNET = 1


class PcapWriter:
    """Classic pcap writer (microsecond timestamps, Ethernet)."""

    def __init__(self, path, snaplen=65535):
        self._f = open(path, "wb")
        self._f.write(struct.pack("<IHHiIII", PCAP_MAGIC_US, 2, 4, 0, 0,
                                  snaplen, LINKTYPE_ETHERNET))
        self.count = 0
        self._ts = 1700000000.0

    def write(self, frame, ts=None):
        """Append @frame; @ts in seconds (default: 10 us after the last)."""
        if ts is None:
            ts = self._ts + 0.00001
        self._ts = ts
        sec = int(ts)
        usec = int(round((ts - sec) * 1e6))
        if usec >= 1000000:
            sec, usec = sec + 1, usec - 1000000
        self._f.write(struct.pack("<IIII", sec, usec, len(frame), len(frame)))
        self._f.write(frame)
        self.count += 1

    def close(self):
        self._f.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def write_pcap(path, frames):
    with PcapWriter(path) as w:
        for f in frames:
            w.write(f)


def read_pcap(path):
    """Frames of a classic pcap file as a list of bytes."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24:
        raise ValueError("%s: not a pcap file (%d octets)" % (path, len(data)))
    magic_le = struct.unpack("<I", data[:4])[0]
    if magic_le in (PCAP_MAGIC_US, PCAP_MAGIC_NS):
        endian = "<"
    elif struct.unpack(">I", data[:4])[0] in (PCAP_MAGIC_US, PCAP_MAGIC_NS):
        endian = ">"
    else:
        raise ValueError("%s: unknown pcap magic %08x (pcapng is not supported)"
                         % (path, magic_le))
    linktype = struct.unpack(endian + "I", data[20:24])[0]
    if linktype != LINKTYPE_ETHERNET:
        raise ValueError("%s: link type %d, expected Ethernet" % (path, linktype))
    frames = []
    off = 24
    while off < len(data):
        if off + 16 > len(data):
            raise ValueError("%s: truncated record header at %d" % (path, off))
        _, _, caplen, wirelen = struct.unpack(endian + "IIII", data[off:off + 16])
        off += 16
        if off + caplen > len(data):
            raise ValueError("%s: truncated record at %d" % (path, off))
        if caplen != wirelen:
            raise ValueError("%s: frame %d captured %d of %d octets"
                             % (path, len(frames) + 1, caplen, wirelen))
        frames.append(data[off:off + caplen])
        off += caplen
    return frames


# ---------------------------------------------------------------------------
# Decoding to a flat view (for explaining differences)

def decode_gtpu(buf, view, prefix="gtp."):
    """Add the fields of GTP-U message @buf to @view; returns the T-PDU
    (G-PDU payload) or None."""
    if len(buf) < 8:
        view[prefix + "truncated"] = buf.hex()
        return None
    flags, mtype, length, teid = struct.unpack("!BBHI", buf[:8])
    view[prefix + "version"] = flags >> 5
    view[prefix + "pt"] = (flags >> 4) & 1
    view[prefix + "spare"] = (flags >> 3) & 1
    view[prefix + "e"] = (flags >> 2) & 1
    view[prefix + "s"] = (flags >> 1) & 1
    view[prefix + "pn"] = flags & 1
    view[prefix + "type"] = mtype
    view[prefix + "length"] = length
    view[prefix + "teid"] = "0x%08x" % teid
    off = 8
    nxt = 0
    if flags & 0x07:
        if len(buf) < 12:
            view[prefix + "opt_truncated"] = buf[8:].hex()
            return None
        seq, npdu, nxt = struct.unpack("!HBB", buf[8:12])
        view[prefix + "seq"] = seq
        view[prefix + "npdu"] = npdu
        view[prefix + "next_ext"] = "0x%02x" % nxt
        off = 12
    i = 0
    while flags & 0x04 and nxt:
        if off >= len(buf) or buf[off] == 0 or off + buf[off] * 4 > len(buf):
            view[prefix + "ext%d.bad" % i] = buf[off:off + 8].hex()
            return None
        units = buf[off]
        content = buf[off + 1:off + units * 4 - 1]
        view[prefix + "ext%d.type" % i] = "0x%02x" % nxt
        view[prefix + "ext%d.content" % i] = content.hex()
        if nxt == EXT_PDU_SESSION_CONTAINER and len(content) >= 2:
            view[prefix + "ext%d.pdu_type" % i] = content[0] >> 4
            view[prefix + "ext%d.qfi" % i] = content[1] & 0x3F
        if nxt == EXT_UDP_PORT and len(content) >= 2:
            view[prefix + "ext%d.udp_port" % i] = struct.unpack("!H", content[:2])[0]
        nxt = buf[off + units * 4 - 1]
        off += units * 4
        i += 1
    payload = buf[off:]
    view[prefix + "payload_len"] = len(payload)
    if mtype == MSG_GPDU:
        return payload
    # IEs (TV with fixed lengths for the types we use; TLV above 127)
    j = 0
    p = 0
    while p < len(payload):
        t = payload[p]
        if t == IE_RECOVERY and p + 2 <= len(payload):
            val, p2 = payload[p + 1:p + 2], p + 2
        elif t == IE_TEID_DATA_I and p + 5 <= len(payload):
            val, p2 = payload[p + 1:p + 5], p + 5
        elif t == IE_EXT_HDR_TYPE_LIST and p + 2 <= len(payload):
            # TLV with a one-octet length (TS 29.281 8.5)
            ln = payload[p + 1]
            val, p2 = payload[p + 2:p + 2 + ln], p + 2 + ln
            if p2 > len(payload):
                view[prefix + "ie%d.bad" % j] = payload[p:].hex()
                break
        elif t >= 128 and p + 3 <= len(payload):
            ln = struct.unpack("!H", payload[p + 1:p + 3])[0]
            val, p2 = payload[p + 3:p + 3 + ln], p + 3 + ln
            if p2 > len(payload):
                view[prefix + "ie%d.bad" % j] = payload[p:].hex()
                break
        elif t < 128:
            view[prefix + "ie%d.unknown_tv" % j] = payload[p:].hex()
            break
        else:
            view[prefix + "ie%d.bad" % j] = payload[p:].hex()
            break
        view[prefix + "ie%d.type" % j] = t
        view[prefix + "ie%d.value" % j] = val.hex()
        p = p2
        j += 1
    return None


def decode_ipv4(pkt, view, prefix="ip."):
    """Add IPv4 (and UDP/TCP/ICMP/GTP-U) fields of @pkt to @view."""
    if len(pkt) < 20:
        view[prefix + "truncated"] = pkt.hex()
        return
    vihl, tos, tlen, ident, frag, ttl, proto, csum = struct.unpack("!BBHHHBBH", pkt[:12])
    ihl = (vihl & 0xF) * 4
    view[prefix + "version"] = vihl >> 4
    view[prefix + "ihl"] = vihl & 0xF
    view[prefix + "tos"] = tos
    view[prefix + "total_length"] = tlen
    view[prefix + "id"] = ident
    view[prefix + "df"] = (frag >> 14) & 1
    view[prefix + "mf"] = (frag >> 13) & 1
    view[prefix + "frag_offset"] = frag & 0x1FFF
    view[prefix + "ttl"] = ttl
    view[prefix + "proto"] = proto
    view[prefix + "checksum"] = "0x%04x" % csum
    view[prefix + "checksum_ok"] = ihl >= 20 and len(pkt) >= ihl and checksum_ok(pkt[:ihl])
    view[prefix + "src"] = ip_str(pkt[12:16])
    view[prefix + "dst"] = ip_str(pkt[16:20])
    if ihl > 20:
        view[prefix + "options"] = pkt[20:ihl].hex()
    if len(pkt) != tlen:
        view[prefix + "octets_after_header_vs_total_length"] = "%d vs %d" % (len(pkt), tlen)
    l4 = pkt[ihl:tlen]
    if frag & 0x1FFF:
        # a non-first fragment carries no transport header
        view[prefix + "fragment_payload"] = l4.hex()[:64]
        return

    def l4_checksum_ok(data):
        # a first fragment holds only part of what the checksum covers
        if frag & 0x2000:
            return "unverifiable (fragment)"
        return checksum_ok(data)
    if proto == IPPROTO_UDP and len(l4) >= 8:
        sport, dport, ulen, ucsum = struct.unpack("!HHHH", l4[:8])
        view["%sudp.sport" % prefix] = sport
        view["%sudp.dport" % prefix] = dport
        view["%sudp.length" % prefix] = ulen
        view["%sudp.checksum" % prefix] = "0x%04x" % ucsum
        if ucsum:
            view["%sudp.checksum_ok" % prefix] = l4_checksum_ok(
                _pseudo_header(pkt[12:16], pkt[16:20], IPPROTO_UDP, len(l4)) + l4)
        if GTPU_PORT in (sport, dport) and prefix == "ip.":
            tpdu = decode_gtpu(l4[8:], view)
            if tpdu is not None:
                if tpdu and tpdu[0] >> 4 == 4:
                    decode_ipv4(tpdu, view, "inner.")
                else:
                    view["inner.raw"] = tpdu.hex()[:64]
        else:
            view["%sudp.payload" % prefix] = l4[8:].hex()[:64]
            view["%sudp.payload_len" % prefix] = len(l4) - 8
    elif proto == IPPROTO_TCP and len(l4) >= 20:
        sport, dport, seq, ack, off, flags, win, csum = struct.unpack("!HHIIBBHH", l4[:18])
        view["%stcp.sport" % prefix] = sport
        view["%stcp.dport" % prefix] = dport
        view["%stcp.seq" % prefix] = seq
        view["%stcp.flags" % prefix] = "0x%02x" % flags
        view["%stcp.checksum_ok" % prefix] = l4_checksum_ok(
            _pseudo_header(pkt[12:16], pkt[16:20], IPPROTO_TCP, len(l4)) + l4)
        view["%stcp.payload" % prefix] = l4[(off >> 4) * 4:].hex()[:64]
    elif proto == IPPROTO_ICMP and len(l4) >= 8:
        t, c, csum, ident2, seq = struct.unpack("!BBHHH", l4[:8])
        view["%sicmp.type" % prefix] = t
        view["%sicmp.code" % prefix] = c
        view["%sicmp.id" % prefix] = ident2
        view["%sicmp.seq" % prefix] = seq
        view["%sicmp.checksum_ok" % prefix] = l4_checksum_ok(l4)
        view["%sicmp.payload" % prefix] = l4[8:].hex()[:64]
    else:
        view[prefix + "payload"] = l4.hex()[:64]


def decode_frame(frame):
    """Flat OrderedDict view of an Ethernet frame's fields."""
    view = OrderedDict()
    view["frame.length"] = len(frame)
    if len(frame) < 14:
        view["eth.truncated"] = frame.hex()
        return view
    view["eth.dst"] = mac_str(frame[0:6])
    view["eth.src"] = mac_str(frame[6:12])
    etype = struct.unpack("!H", frame[12:14])[0]
    view["eth.type"] = "0x%04x" % etype
    body = frame[14:]
    if etype == ETH_P_ARP and len(body) >= 28:
        htype, ptype, hlen, plen, op = struct.unpack("!HHBBH", body[:8])
        view["arp.htype"] = htype
        view["arp.ptype"] = "0x%04x" % ptype
        view["arp.hlen"] = hlen
        view["arp.plen"] = plen
        view["arp.op"] = op
        view["arp.sha"] = mac_str(body[8:14])
        view["arp.spa"] = ip_str(body[14:18])
        view["arp.tha"] = mac_str(body[18:24])
        view["arp.tpa"] = ip_str(body[24:28])
        if len(body) > 28:
            view["eth.trailer"] = body[28:].hex()
    elif etype == ETH_P_IPV4:
        if len(body) >= 4:
            tlen = struct.unpack("!H", body[2:4])[0]
            if len(body) > tlen >= 20:
                view["eth.trailer"] = body[tlen:].hex()
                body = body[:tlen]
        decode_ipv4(body, view)
    else:
        view["eth.payload"] = body.hex()[:64]
    return view


def diff_views(expected, actual):
    """Lines 'field: expected X, got Y' for fields that differ."""
    lines = []
    for k in list(expected.keys()) + [k for k in actual.keys() if k not in expected]:
        e = expected.get(k, "<absent>")
        a = actual.get(k, "<absent>")
        if e != a:
            lines.append("%s: expected %s, got %s" % (k, e, a))
    return lines


def summary(frame):
    """One line describing a frame, for listings."""
    v = decode_frame(frame)
    parts = ["%dB" % len(frame), v.get("eth.src", "?") + ">" + v.get("eth.dst", "?")]
    if "arp.op" in v:
        parts.append("ARP op %d %s(%s) -> %s" % (v["arp.op"], v["arp.spa"], v["arp.sha"], v["arp.tpa"]))
    elif "ip.src" in v:
        parts.append("IP %s>%s ttl %s proto %s" % (v["ip.src"], v["ip.dst"], v["ip.ttl"], v["ip.proto"]))
        if "ip.udp.sport" in v:
            parts.append("UDP %s>%s" % (v["ip.udp.sport"], v["ip.udp.dport"]))
        if "gtp.type" in v:
            parts.append("GTP type %s teid %s len %s" % (v["gtp.type"], v["gtp.teid"], v["gtp.length"]))
        if "inner.src" in v:
            parts.append("inner %s>%s ttl %s proto %s" % (v["inner.src"], v["inner.dst"],
                                                          v["inner.ttl"], v["inner.proto"]))
        if "ip.icmp.type" in v:
            parts.append("ICMP type %s" % v["ip.icmp.type"])
    else:
        parts.append("type %s" % v.get("eth.type", "?"))
    return " ".join(parts)


# ---------------------------------------------------------------------------
# libconfig subset (gardengate's config files)

_TOKEN_RE = re.compile(r"""
    (?P<ws>\s+|\#[^\n]*|//[^\n]*|/\*.*?\*/)
  | (?P<str>"(?:[^"\\]|\\.)*")
  | (?P<num>[-+]?(?:0[xX][0-9a-fA-F]+|\d+\.\d*(?:[eE][-+]?\d+)?|\d*\.\d+(?:[eE][-+]?\d+)?|\d+(?:[eE][-+]?\d+)?)L{0,2})
  | (?P<name>[A-Za-z*][-A-Za-z0-9_*]*)
  | (?P<punct>[=:;,{}()\[\]])
""", re.VERBOSE | re.DOTALL)


def _unescape(s):
    out = []
    i = 0
    while i < len(s):
        c = s[i]
        if c == "\\" and i + 1 < len(s):
            n = s[i + 1]
            out.append({"n": "\n", "t": "\t", "r": "\r", "f": "\f", "\\": "\\",
                        '"': '"'}.get(n, n))
            i += 2
        else:
            out.append(c)
            i += 1
    return "".join(out)


def parse_libconfig(text, path="<config>"):
    """Parse libconfig text into dicts (groups), lists ((), []) and scalars."""
    tokens = []
    pos = 0
    while pos < len(text):
        m = _TOKEN_RE.match(text, pos)
        if not m:
            line = text.count("\n", 0, pos) + 1
            raise ValueError("%s:%d: cannot parse near %r" % (path, line, text[pos:pos + 20]))
        pos = m.end()
        kind = m.lastgroup
        if kind == "ws":
            continue
        tokens.append((kind, m.group(kind), text.count("\n", 0, m.start()) + 1))
    tokens.append(("eof", "", text.count("\n") + 1))
    idx = [0]

    def peek():
        return tokens[idx[0]]

    def take(kind=None, value=None):
        tok = tokens[idx[0]]
        if (kind and tok[0] != kind) or (value and tok[1] != value):
            raise ValueError("%s:%d: expected %s, found %r" % (path, tok[2], value or kind, tok[1]))
        idx[0] += 1
        return tok

    def value():
        kind, val, line = peek()
        if kind == "str":
            s = ""
            while peek()[0] == "str":
                s += _unescape(take()[1][1:-1])
            return s
        if kind == "num":
            take()
            v = val.rstrip("L")
            if re.match(r"^[-+]?0[xX]", v):
                return int(v, 16)
            if re.search(r"[.eE]", v) and not v.lower().startswith("0x"):
                return float(v)
            return int(v, 10)
        if kind == "name" and val.lower() in ("true", "false"):
            take()
            return val.lower() == "true"
        if kind == "punct" and val == "{":
            take()
            g = settings("}")
            take("punct", "}")
            return g
        if kind == "punct" and val in "([":
            close = ")" if val == "(" else "]"
            take()
            items = []
            while not (peek()[0] == "punct" and peek()[1] == close):
                items.append(value())
                if peek()[0] == "punct" and peek()[1] == ",":
                    take()
            take("punct", close)
            return items
        raise ValueError("%s:%d: unexpected %r" % (path, line, val))

    def settings(end):
        group = OrderedDict()
        while not (peek()[0] == "eof" or (peek()[0] == "punct" and peek()[1] == end)):
            name = take("name")[1]
            sep = take("punct")
            if sep[1] not in "=:":
                raise ValueError("%s:%d: expected = after %s" % (path, sep[2], name))
            group[name] = value()
            if peek()[0] == "punct" and peek()[1] in ";,":
                take()
        return group

    cfg = settings(None)
    take("eof")
    return cfg


def load_libconfig(path):
    with open(path) as f:
        return parse_libconfig(f.read(), path)


class Session:
    """One PDU session as the tests see it."""

    def __init__(self, ue, ul_teid, gnb, dl_teid, qfi=None, state="full"):
        self.ue = ue
        self.ul_teid = ul_teid
        self.gnb = gnb
        self.dl_teid = dl_teid
        self.qfi = qfi
        self.state = state

    def __repr__(self):
        return ("Session(ue=%s ul_teid=0x%08x gnb=%s dl_teid=0x%08x qfi=%s %s)"
                % (self.ue, self.ul_teid, self.gnb, self.dl_teid, self.qfi, self.state))

    def conf_entry(self):
        qfi = " qfi = %d;" % self.qfi if self.qfi is not None else ""
        return ('{ ue = "%s"; ul_teid = 0x%08x; gnb = "%s"; dl_teid = 0x%08x;%s state = "%s"; }'
                % (self.ue, self.ul_teid, self.gnb, self.dl_teid, qfi, self.state))


class PortConf:
    def __init__(self, group):
        addr = group["address"]
        self.address = addr.split("/")[0]
        self.prefix_len = int(addr.split("/")[1]) if "/" in addr else 32
        self.next_hop = group.get("next_hop")
        self.next_hop_mac = group.get("next_hop_mac")
        self.mtu = group.get("mtu", 1500)
        self.device = group.get("device")


class GatewayConf:
    """What the tests need from a gardengate config file."""

    def __init__(self, path):
        self.path = path
        self.raw = load_libconfig(path)
        self.n3 = PortConf(self.raw["ports"]["n3"])
        self.n6 = PortConf(self.raw["ports"]["n6"])
        self.workers = self.raw.get("workers", 1)
        self.error_indication_rate = self.raw.get("gtpu", {}).get("error_indication_rate", 1000)
        self.sessions = []
        for s in self.raw.get("sessions", {}).get("static", []):
            self.sessions.append(Session(s["ue"], s["ul_teid"], s["gnb"], s["dl_teid"],
                                         s.get("qfi"), s.get("state", "full")))

    def session_by_ue(self, ue):
        for s in self.sessions:
            if s.ue == ue:
                return s
        raise KeyError(ue)


# ---------------------------------------------------------------------------
# DNS messages (RFC 1035, RFC 6891), for the walled-garden tests

DNS_PORT = 53
DNS_TYPE_A = 1
DNS_TYPE_NS = 2
DNS_TYPE_CNAME = 5
DNS_TYPE_MX = 15
DNS_TYPE_TXT = 16
DNS_TYPE_AAAA = 28
DNS_TYPE_OPT = 41
DNS_TYPE_SVCB = 64
DNS_TYPE_HTTPS = 65
DNS_TYPE_ANY = 255
DNS_CLASS_IN = 1
DNS_CLASS_CH = 3
DNS_QR = 0x8000
DNS_AA = 0x0400
DNS_TC = 0x0200
DNS_RD = 0x0100
DNS_RA = 0x0080
DNS_AD = 0x0020
DNS_CD = 0x0010
DNS_RCODE_NOERROR = 0
DNS_RCODE_NXDOMAIN = 3
DNS_RCODE_REFUSED = 5
DNS_RCODE_BADVERS = 16
DNS_EDNS_DO = 0x8000


def dns_name(name):
    """Uncompressed wire form of a dotted name ('' or '.' is the root).
    Labels keep their case. @name may also be a list of labels (bytes or
    str), to build names a dotted string cannot express."""
    if isinstance(name, (list, tuple)):
        labels = [x.encode() if isinstance(x, str) else bytes(x) for x in name]
    else:
        labels = [x.encode() for x in name.rstrip(".").split(".") if x]
    return b"".join(bytes([len(x)]) + x for x in labels) + b"\x00"


def dns_header(qid, flags, qd=1, an=0, ns=0, ar=0):
    return struct.pack("!HHHHHH", qid & 0xFFFF, flags & 0xFFFF, qd, an, ns, ar)


def dns_opt(udp_size=1232, version=0, do=False, ext_rcode=0, options=b"", owner=b"\x00"):
    """EDNS(0) OPT pseudo-record (RFC 6891 6.1.2): owner (root), type 41,
    class = UDP payload size, TTL = extended RCODE, version, DO and Z."""
    ttl = (ext_rcode << 24) | (version << 16) | (DNS_EDNS_DO if do else 0)
    return owner + struct.pack("!HHIH", DNS_TYPE_OPT, udp_size, ttl, len(options)) + options


def dns_rr(owner, rtype, ttl, rdata, rclass=DNS_CLASS_IN):
    """One resource record; @owner is wire form (b"\xc0\x0c" for the question name)."""
    return owner + struct.pack("!HHIH", rtype, rclass, ttl, len(rdata)) + rdata


class DnsQuery:
    """A query as a stub resolver sends it, and what a forged answer to it
    must be (gg_dns.h: gg_dns_forge_answer), computed from the fields used
    to build it, not by parsing.

    @edns: None, or a dict for dns_opt() (udp_size, version, do, options)."""

    def __init__(self, qid, name, qtype=DNS_TYPE_A, qclass=DNS_CLASS_IN, flags=DNS_RD,
                 edns=None):
        self.qid = qid
        self.name = name
        self.qtype = qtype
        self.qclass = qclass
        self.flags = flags
        self.edns = edns
        self.question = dns_name(name) + struct.pack("!HH", qtype, qclass)

    def wire(self):
        opt = dns_opt(**self.edns) if self.edns is not None else b""
        return (dns_header(self.qid, self.flags, 1, 0, 0, 1 if opt else 0)
                + self.question + opt)

    def forged(self, portal_ipv4, portal_ipv6=None, ttl=10, other_rcode=DNS_RCODE_NXDOMAIN,
               udp_size=1232):
        """The response the walled garden must forge, as bytes."""
        rcode = DNS_RCODE_NOERROR
        answers = []
        edns = self.edns
        if edns is not None and edns.get("version", 0) != 0:
            rcode = DNS_RCODE_BADVERS
        elif self.qclass != DNS_CLASS_IN:
            rcode = other_rcode
        elif self.qtype == DNS_TYPE_A:
            answers.append(dns_rr(b"\xc0\x0c", DNS_TYPE_A, ttl, ip_bytes(portal_ipv4)))
        elif self.qtype == DNS_TYPE_AAAA:
            if portal_ipv6 is not None:
                answers.append(dns_rr(b"\xc0\x0c", DNS_TYPE_AAAA, ttl,
                                      socket.inet_pton(socket.AF_INET6, portal_ipv6)))
        elif self.qtype not in (DNS_TYPE_HTTPS, DNS_TYPE_SVCB):
            rcode = other_rcode
        flags = DNS_QR | DNS_RA | (rcode & 0xF) | (self.flags & (DNS_RD | DNS_CD))
        opt = b""
        if edns is not None:
            opt = dns_opt(udp_size=max(512, udp_size), version=0, do=bool(edns.get("do")),
                          ext_rcode=rcode >> 4)
        return (dns_header(self.qid, flags, 1, len(answers), 0, 1 if opt else 0)
                + self.question + b"".join(answers) + opt)


def dns_response(qid, name, qtype, answers, flags=DNS_QR | DNS_RD | DNS_RA, rcode=0,
                 qclass=DNS_CLASS_IN, authority=(), additional=()):
    """A resolver's response: question (@name, @qtype) and the answer
    records @answers (each a dns_rr() octet string; owners may point at
    offset 12, the question name)."""
    return (dns_header(qid, flags | rcode, 1, len(answers), len(authority), len(additional))
            + dns_name(name) + struct.pack("!HH", qtype, qclass) + b"".join(answers)
            + b"".join(authority) + b"".join(additional))


# ---------------------------------------------------------------------------
# Large generated traffic (throughput tests)

def random_sessions(count, seed=1, gnbs=("192.0.2.10", "192.0.2.11", "192.0.2.12",
                                         "192.0.2.13"), qfi_share=0.5):
    """@count sessions with distinct random TEIDs (non-zero, both
    directions) and distinct random UE addresses in 10.64.0.0/10; about
    @qfi_share of them carry a QFI."""
    rng = random.Random(seed)
    teids = set()
    ues = set()
    sessions = []
    while len(sessions) < count:
        ul = rng.randrange(1, 1 << 32)
        dl = rng.randrange(1, 1 << 32)
        ue = (10 << 24) | (64 << 16) | rng.randrange(1, 1 << 22)
        if ul in teids or ue in ues or (ue & 0xFF) in (0, 255):
            continue
        teids.add(ul)
        ues.add(ue)
        qfi = rng.randrange(1, 64) if rng.random() < qfi_share else None
        sessions.append(Session(ip_str(struct.pack("!I", ue)), ul, gnbs[len(sessions) % len(gnbs)],
                                dl, qfi))
    return sessions


class _PayloadPool:
    """Random bytes to slice payloads from (fast, reproducible)."""

    def __init__(self, rng, size=1 << 16):
        self.data = bytes(rng.getrandbits(8) for _ in range(size))
        self.rng = rng

    def take(self, n):
        start = self.rng.randrange(0, len(self.data) - n)
        return self.data[start:start + n]


def _inner_packet(rng, pool, src, dst, ip_len, ident):
    """An inner IPv4 packet of exactly @ip_len octets (>= 28): UDP most of
    the time, TCP or ICMP echo otherwise; transport checksums computed."""
    kind = rng.random()
    if kind < 0.7 or ip_len < 40:
        # ports no tshark dissector is registered for, so that tshark does
        # not read the random payload as some protocol and call it malformed
        return ipv4_udp(src, dst, rng.randrange(40000, 41000), rng.randrange(50000, 51000),
                        pool.take(ip_len - 28), ident=ident)
    if kind < 0.9:
        return ipv4_tcp(src, dst, rng.randrange(40000, 41000), 443, pool.take(ip_len - 40),
                        seq=rng.getrandbits(32), ack=rng.getrandbits(32), ident=ident, df=True)
    return ipv4_icmp_echo(src, dst, rng.randrange(65536), rng.randrange(65536),
                          pool.take(ip_len - 28), ident=ident)


def generate_traffic(outdir, sessions, n_uplink, n_downlink, n3_ip, n6_ip,
                     n3_mac=PCAP_PMD_MAC_N3, n6_mac=PCAP_PMD_MAC_N6,
                     n3_peer_mac="02:00:00:00:03:fe", n6_peer_mac="02:00:00:00:06:fe",
                     dn_hosts=("203.0.113.10", "203.0.113.11", "198.18.0.1"),
                     min_size=64, max_size=1500, mtu=1500, seed=1):
    """Write @outdir/n3-in.pcap (@n_uplink G-PDUs, round-robin over random
    sessions) and @outdir/n6-in.pcap (@n_downlink IPv4 packets to the UEs).

    Sizes: each frame's length is drawn uniformly from [min_size, max_size]
    (Ethernet frame without FCS); an uplink frame is at least its headers
    plus a 28-octet inner packet; a downlink packet is kept small enough
    that its encapsulation fits the N3 @mtu, so every packet is
    forwardable. Returns the expected counters as a dict."""
    rng = random.Random(seed)
    pool = _PayloadPool(rng)
    os.makedirs(outdir, exist_ok=True)
    ul_bytes = 0
    dl_bytes = 0
    with PcapWriter(os.path.join(outdir, "n3-in.pcap")) as w:
        for i in range(n_uplink):
            s = sessions[rng.randrange(len(sessions))]
            overhead = 14 + (GPDU_OVERHEAD_QFI if s.qfi is not None else GPDU_OVERHEAD)
            size = rng.randint(min_size, max_size)
            inner_len = max(28, size - overhead)
            inner = _inner_packet(rng, pool, s.ue, rng.choice(dn_hosts), inner_len, i & 0xFFFF)
            exts = [ext_pdu_session_ul(s.qfi)] if s.qfi is not None else []
            w.write(n3_frame(n3_mac, n3_peer_mac, s.gnb, n3_ip, gpdu(s.ul_teid, inner, exts=exts),
                             sport=GTPU_PORT, ident=i & 0xFFFF))
            ul_bytes += len(inner)
    with PcapWriter(os.path.join(outdir, "n6-in.pcap")) as w:
        for i in range(n_downlink):
            s = sessions[rng.randrange(len(sessions))]
            limit = mtu - (GPDU_OVERHEAD_QFI if s.qfi is not None else GPDU_OVERHEAD)
            size = rng.randint(min_size, max_size)
            ip_len = max(28, min(size - 14, limit))
            inner = _inner_packet(rng, pool, rng.choice(dn_hosts), s.ue, ip_len, i & 0xFFFF)
            w.write(ether(n6_mac, n6_peer_mac, ETH_P_IPV4, inner))
            dl_bytes += len(inner)
    expected = OrderedDict([
        ("rx_n3", n_uplink), ("rx_n6", n_downlink),
        ("ul_decap", n_uplink), ("ul_decap_bytes", ul_bytes),
        ("dl_encap", n_downlink), ("dl_encap_bytes", dl_bytes),
        ("tx_n6", n_uplink), ("tx_n3", n_downlink)])
    with open(os.path.join(outdir, "sessions.conf"), "w") as f:
        f.write("# %d sessions generated by gtpu_traffic.py (seed %d); paste into\n"
                "# sessions.static of a gardengate config.\n" % (len(sessions), seed))
        f.write("static = (\n  " + ",\n  ".join(s.conf_entry() for s in sessions) + "\n);\n")
    with open(os.path.join(outdir, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1)
    return expected


# ---------------------------------------------------------------------------
# scapy helpers (imported lazily: scapy takes a second to load)

_scapy = None


def scapy_all():
    """The scapy.all module, or SystemExit with a clear message."""
    global _scapy
    if _scapy is None:
        try:
            import scapy.all as sa  # noqa: F401
        except ImportError as e:
            raise SystemExit("scapy is not importable from %s (%s): install python3-scapy "
                             "and run with /usr/bin/python3" % (sys.executable, e))
        sa.conf.verb = 0
        _scapy = sa
    return _scapy


def scapy_ipv4_checksum_ok(ip_packet):
    """Recompute an IPv4 header checksum with scapy; True if it matches."""
    sa = scapy_all()
    p = sa.IP(bytes(ip_packet))
    given = p.chksum
    del p.chksum
    again = sa.IP(bytes(p))
    return given == again.chksum


# ---------------------------------------------------------------------------
# Self-test

def _tshark_check(path, expect_fields):
    """Run tshark on @path: no malformed packets, no bad checksums, and the
    listed fields decode to @expect_fields (list of dicts, one per frame)."""
    names = sorted({k for d in expect_fields for k in d})
    cmd = ["tshark", "-n", "-r", path, "-o", "ip.check_checksum:TRUE",
           "-o", "udp.check_checksum:TRUE", "-o", "tcp.check_checksum:TRUE",
           "-d", "udp.port==2152,gtp", "-T", "fields", "-E", "separator=\t",
           "-E", "occurrence=a", "-E", "aggregator=,", "-e", "frame.number", "-e", "_ws.malformed",
           "-e", "_ws.expert.severity"]
    for n in names:
        cmd += ["-e", n]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    rows = out.rstrip("\n").split("\n") if out.strip() else []
    errors = []
    if len(rows) != len(expect_fields):
        return ["%s: tshark saw %d frames, expected %d" % (path, len(rows), len(expect_fields))]
    for i, (row, exp) in enumerate(zip(rows, expect_fields)):
        cols = row.split("\t")[1:]
        if cols[0]:
            errors.append("%s frame %d: malformed" % (path, i + 1))
        sev = [int(x, 0) for x in cols[1].split(",") if x]
        if any(s >= 0x00600000 for s in sev):
            errors.append("%s frame %d: expert warning/error" % (path, i + 1))
        for n, v in zip(names, cols[2:]):
            if n in exp and v != exp[n]:
                errors.append("%s frame %d: %s = %r, expected %r" % (path, i + 1, n, v, exp[n]))
    return errors


def selftest(workdir):
    """Check the builders against scapy and generated pcaps against tshark."""
    if shutil.which("tshark") is None:
        return ["tshark is not installed (apt-get install tshark)"]
    sa = scapy_all()
    os.makedirs(workdir, exist_ok=True)
    errors = []

    def same(name, ours, theirs):
        if bytes(ours) != bytes(theirs):
            errors.append("%s: builder %s != scapy %s" % (name, bytes(ours).hex(), bytes(theirs).hex()))

    pl = bytes(range(40))
    same("ipv4/udp", ipv4_udp("10.0.0.1", "10.0.0.2", 1234, 53, pl, ttl=17, ident=7, tos=0xb8, df=True),
         sa.IP(src="10.0.0.1", dst="10.0.0.2", ttl=17, id=7, tos=0xb8, flags="DF")
         / sa.UDP(sport=1234, dport=53) / sa.Raw(pl))
    same("ipv4/tcp", ipv4_tcp("10.0.0.1", "10.0.0.2", 1234, 80, pl, seq=5, ack=9, flags=0x18),
         sa.IP(src="10.0.0.1", dst="10.0.0.2", id=0)
         / sa.TCP(sport=1234, dport=80, seq=5, ack=9, flags="PA", window=65535) / sa.Raw(pl))
    same("ipv4/icmp", ipv4_icmp_echo("10.0.0.1", "10.0.0.2", 3, 4, pl),
         sa.IP(src="10.0.0.1", dst="10.0.0.2", id=0) / sa.ICMP(type=8, id=3, seq=4) / sa.Raw(pl))
    same("ipv4 options", ipv4("10.0.0.1", "10.0.0.2", 17, b"", options=b"\x94\x04\x00\x00"),
         sa.IP(src="10.0.0.1", dst="10.0.0.2", id=0, proto=17,
               options=[sa.IPOption_Router_Alert()]))
    same("arp", arp_request_frame("02:00:00:00:00:01", "192.0.2.10", "192.0.2.1"),
         sa.Ether(dst="ff:ff:ff:ff:ff:ff", src="02:00:00:00:00:01")
         / sa.ARP(op=1, hwsrc="02:00:00:00:00:01", psrc="192.0.2.10",
                  hwdst="00:00:00:00:00:00", pdst="192.0.2.1") / sa.Padding(bytes(18)))
    inner = ipv4_udp("10.45.0.2", "203.0.113.10", 5000, 50000, pl)
    dec = decrement_ttl(inner)
    p = sa.IP(inner)
    p.ttl -= 1
    del p.chksum
    same("ttl decrement", dec, sa.IP(bytes(p)))
    ident = ident_for_zero_checksum("10.45.0.2", "203.0.113.10", 17, 8, ttl_after=63)
    z = ipv4_header("10.45.0.2", "203.0.113.10", 17, 8, ttl=63, ident=ident)
    if z[10:12] != b"\x00\x00" or not scapy_ipv4_checksum_ok(z + bytes(8)):
        errors.append("zero-checksum header wrong: %s" % z.hex())

    # GTP-U against scapy's contrib dissector
    from scapy.contrib import gtp as sgtp  # noqa: F401
    m = gpdu(0x101, inner, exts=[ext_pdu_session_ul(9)])
    d = sgtp.GTP_U_Header(m)
    if d.teid != 0x101 or d.gtp_type != 255 or d.E != 1 or d.length != len(m) - 8:
        errors.append("scapy reads our G-PDU as %r" % d.summary())
    er = echo_response(0x1234)
    d = sgtp.GTPHeader(er)
    if d.gtp_type != 2 or d.seq != 0x1234 or d.length != 6:
        errors.append("scapy reads our Echo Response as %r" % d.summary())

    # pcaps through tshark
    a = "02:70:63:61:70:00"
    g = "02:00:00:00:03:fe"
    frames = [
        n3_frame(a, g, "192.0.2.10", "192.0.2.1", gpdu(0x101, inner)),
        n3_frame(a, g, "192.0.2.10", "192.0.2.1", gpdu(0x102, inner, exts=[ext_pdu_session_ul(9)])),
        n3_frame(a, g, "192.0.2.1", "192.0.2.10", gpdu(0xa01, inner, exts=[ext_pdu_session_dl(5)])),
        n3_frame(a, g, "192.0.2.10", "192.0.2.1", echo_request(77)),
        n3_frame(a, g, "192.0.2.1", "192.0.2.10", echo_response(77)),
        n3_frame(a, g, "192.0.2.1", "192.0.2.10", error_indication(0xdead, "192.0.2.1", 40000)),
        n3_frame(a, g, "192.0.2.1", "192.0.2.10", error_indication(0xbeef, "192.0.2.1")),
        n3_frame(a, g, "192.0.2.1", "192.0.2.10",
                 gtpu(MSG_SUPPORTED_EXT_HDR_NOTIFICATION, 0, ie_ext_hdr_type_list([0x40, 0x85]), seq=3)),
        n3_frame(a, g, "192.0.2.10", "192.0.2.1", end_marker(0x101)),
    ]
    exp = [
        {"gtp.teid": "0x00000101", "gtp.message": "0xff", "ip.src": "192.0.2.10,10.45.0.2"},
        {"gtp.teid": "0x00000102", "gtp.ext_hdr.pdu_ses_con.pdu_type": "1",
         "gtp.ext_hdr.pdu_ses_con.qos_flow_id": "9"},
        {"gtp.teid": "0x00000a01", "gtp.ext_hdr.pdu_ses_con.pdu_type": "0",
         "gtp.ext_hdr.pdu_ses_con.qos_flow_id": "5"},
        {"gtp.message": "0x01", "gtp.seq_number": "0x004d"},
        {"gtp.message": "0x02", "gtp.seq_number": "0x004d", "gtp.recovery": "0"},
        {"gtp.message": "0x1a", "gtp.teid_data": "0x0000dead", "gtp.gsn_ipv4": "192.0.2.1",
         "gtp.ext_hdr.udp_port": "40000"},
        {"gtp.message": "0x1a", "gtp.teid_data": "0x0000beef", "gtp.gsn_ipv4": "192.0.2.1"},
        {"gtp.message": "0x1f", "gtp.ext_hdr_type": "64,133"},
        {"gtp.message": "0xfe", "gtp.teid": "0x00000101"},
    ]
    path = os.path.join(workdir, "selftest-gtpu.pcap")
    write_pcap(path, frames)
    if [bytes(f) for f in read_pcap(path)] != frames:
        errors.append("read_pcap does not give back what PcapWriter wrote")
    for i, f in enumerate(frames):
        v = decode_frame(f)
        if not v.get("ip.checksum_ok"):
            errors.append("decoder: frame %d checksum not ok" % (i + 1))
    errors += _tshark_check(path, exp)

    sessions = random_sessions(50, seed=7)
    gen = os.path.join(workdir, "selftest-perf")
    exp_counts = generate_traffic(gen, sessions, 400, 400, "192.0.2.1", "198.51.100.1", seed=3)
    n3 = read_pcap(os.path.join(gen, "n3-in.pcap"))
    n6 = read_pcap(os.path.join(gen, "n6-in.pcap"))
    if len(n3) != 400 or len(n6) != 400:
        errors.append("perf generator wrote %d/%d frames" % (len(n3), len(n6)))
    by_teid = {s.ul_teid: s for s in sessions}
    ul_bytes = 0
    for f in n3:
        if not 64 <= len(f) <= 1500 + 14 + 44:
            errors.append("uplink frame of %d octets" % len(f))
        v = decode_frame(f)
        s = by_teid.get(int(v["gtp.teid"], 16))
        if s is None or v.get("inner.src") != s.ue or not v.get("inner.checksum_ok"):
            errors.append("uplink frame wrong: %s" % summary(f))
            continue
        ul_bytes += v["inner.total_length"]
    by_ue = {s.ue: s for s in sessions}
    for f in n6:
        v = decode_frame(f)
        s = by_ue.get(v.get("ip.dst"))
        overhead = GPDU_OVERHEAD_QFI if s is not None and s.qfi is not None else GPDU_OVERHEAD
        if s is None or v["ip.total_length"] + overhead > 1500 or not v.get("ip.checksum_ok"):
            errors.append("downlink frame too big or bad: %s" % summary(f))
    if ul_bytes != exp_counts["ul_decap_bytes"]:
        errors.append("uplink inner bytes %d, expected.json says %d" % (ul_bytes, exp_counts["ul_decap_bytes"]))
    # tshark must dissect the generated uplink without complaint
    errors += _tshark_check(os.path.join(gen, "n3-in.pcap"), [{}] * len(n3))
    errors += _tshark_check(os.path.join(gen, "n6-in.pcap"), [{}] * len(n6))

    # The demo generator (scripts/gen-demo-traffic.py) on the default config:
    # it runs, and tshark finds nothing wrong but in its deliberately broken
    # frames (tshark objects to the GTP version 2 one and the bad checksum).
    root = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
    demo = os.path.join(workdir, "selftest-demo")
    r = subprocess.run([sys.executable, os.path.join(root, "scripts", "gen-demo-traffic.py"), demo],
                       capture_output=True, text=True)
    if r.returncode != 0:
        errors.append("gen-demo-traffic.py failed: %s" % r.stderr.strip()[-500:])
    else:
        for name in ("n3-in.pcap", "n6-in.pcap"):
            frames = read_pcap(os.path.join(demo, name))
            want = [{} for _ in frames]
            views = [decode_frame(f) for f in frames]
            broken = [i for i, v in enumerate(views)
                      if v.get("gtp.version", 1) != 1 or v.get("ip.checksum_ok") is False]
            problems = _tshark_check(os.path.join(demo, name), want)
            for i in broken:
                problems = [p for p in problems if not p.startswith("%s frame %d:" % (
                    os.path.join(demo, name), i + 1))]
            errors += problems
            if len(frames) < 50:
                errors.append("demo %s has only %d frames" % (name, len(frames)))
    return errors


# ---------------------------------------------------------------------------
# Command line

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("perf", help="write n3-in.pcap/n6-in.pcap over random sessions")
    p.add_argument("outdir")
    p.add_argument("--sessions", type=int, default=1000)
    p.add_argument("--packets", type=int, default=100000, help="uplink packets")
    p.add_argument("--downlink-packets", type=int, default=None,
                   help="downlink packets (default: same as --packets)")
    p.add_argument("--min-size", type=int, default=64)
    p.add_argument("--max-size", type=int, default=1500)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--config", help="gardengate config for the N3/N6 addresses and MTU "
                                    "(default: 192.0.2.1, 198.51.100.1, 1500)")
    s = sub.add_parser("selftest", help="check the builders against scapy and tshark")
    s.add_argument("workdir")
    args = ap.parse_args(argv)
    if args.cmd == "perf":
        n3_ip, n6_ip, mtu = "192.0.2.1", "198.51.100.1", 1500
        n3_peer, n6_peer = "02:00:00:00:03:fe", "02:00:00:00:06:fe"
        if args.config:
            c = GatewayConf(args.config)
            n3_ip, n6_ip, mtu = c.n3.address, c.n6.address, c.n3.mtu
            n3_peer = c.n3.next_hop_mac or n3_peer
            n6_peer = c.n6.next_hop_mac or n6_peer
        sessions = random_sessions(args.sessions, seed=args.seed)
        dl = args.packets if args.downlink_packets is None else args.downlink_packets
        exp = generate_traffic(args.outdir, sessions, args.packets, dl, n3_ip, n6_ip,
                               n3_peer_mac=n3_peer, n6_peer_mac=n6_peer,
                               min_size=args.min_size, max_size=args.max_size, mtu=mtu,
                               seed=args.seed)
        print(json.dumps(exp))
        return 0
    errors = selftest(args.workdir)
    for e in errors:
        print("FAIL: " + e)
    print("selftest: %s" % ("FAILED (%d problems)" % len(errors) if errors else "passed"))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
