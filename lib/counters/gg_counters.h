/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * gardengate counters: the one list of everything a worker counts.
 *
 * Each counter and each drop reason is named exactly once, in the X-macro
 * lists below; the enums, the printable names, the help texts, the
 * telemetry output and the final statistics are all generated from them.
 * doc/counters.rst explains each one; keep the two in step.
 *
 * Locking rule: a struct gg_counters belongs to one lcore, which is its only
 * writer (plain increments, no atomics). Any other thread may read it at any
 * time; a 64-bit aligned load on the 64-bit targets we build for is never
 * torn, so a reader sees a value that was true a moment ago.
 */
#ifndef GG_COUNTERS_H
#define GG_COUNTERS_H

#include <stdint.h>

#include <rte_common.h>

/** Events and volumes: X(name, help). */
#define GG_EVENT_LIST(X) \
	X(rx_n3, "packets received on N3") \
	X(rx_n6, "packets received on N6") \
	X(tx_n3, "packets sent on N3") \
	X(tx_n6, "packets sent on N6") \
	X(ul_decap, "uplink G-PDUs decapsulated and forwarded to N6") \
	X(ul_decap_bytes, "inner bytes of decapsulated uplink G-PDUs") \
	X(dl_encap, "downlink packets encapsulated and forwarded to N3") \
	X(dl_encap_bytes, "inner bytes of encapsulated downlink packets") \
	X(gtpu_echo_request, "GTP-U Echo Requests answered") \
	X(gtpu_echo_response, "GTP-U Echo Responses received (consumed)") \
	X(gtpu_error_indication_sent, "GTP-U Error Indications sent for unknown TEIDs") \
	X(gtpu_error_indication_rx, "GTP-U Error Indications received (consumed)") \
	X(gtpu_end_marker, "GTP-U End Markers received (consumed)") \
	X(gtpu_ext_hdr_notification_sent, "Supported Extension Headers Notifications sent") \
	X(reply_ratelimited, "Error Indications and ICMP unreachables not sent because of their rate limits") \
	X(to_control, "packets handed to the control lcore (ARP, and IPv4 to the appliance's addresses)") \
	X(arp_reply_sent, "ARP replies sent for the appliance's addresses") \
	X(arp_request_sent, "ARP requests sent to resolve next hops") \
	X(arp_next_hop_learned, "next-hop Ethernet addresses learned or changed") \
	X(icmp_echo_reply_sent, "ICMP echo replies sent by the appliance") \
	X(garden_forward_ul, "LIMITED uplink forwarded to a walled-garden destination") \
	X(garden_forward_dl, "LIMITED downlink forwarded from a walled-garden source") \
	X(dns_garden_forward, "LIMITED DNS queries for garden names forwarded") \
	X(dns_resolver_rewrite, "LIMITED garden DNS queries sent to another server, redirected to a trusted resolver") \
	X(dns_refused, "LIMITED DNS queries for names outside the garden refused (dns.mode snoop, or no portal)") \
	X(dns_forged, "LIMITED DNS queries answered in place with the portal") \
	X(dns_snooped, "DNS answers for garden names snooped on the way to a LIMITED device") \
	X(dns_snoop_held, "snooped DNS answers held until the control lcore learned from them: the worker's table of answers not yet learned was full") \
	X(dns_tcp_forward, "LIMITED DNS-over-TCP segments forwarded to a trusted resolver (SYN, ACK, FIN, whole garden queries)") \
	X(dns_tcp_answer, "DNS-over-TCP segments from a trusted resolver forwarded to a LIMITED device without learning from them") \
	X(dns_tcp_no_flow, "LIMITED DNS-over-TCP segment of no connection this worker saw open, refused with RST") \
	X(dns_tcp_out_of_order, "LIMITED DNS-over-TCP data not at the connection's next sequence number, refused with RST") \
	X(dns_tcp_unframed, "LIMITED DNS-over-TCP data that is not whole well-formed queries (or a SYN with data or other flags), refused with RST") \
	X(garden_learned, "addresses learned into the garden from snooped answers") \
	X(garden_learn_session_full, "addresses of snooped answers not learned: the session holds garden.learn.max_per_session already") \
	X(http_synack, "LIMITED HTTP: SYN answered with a SYN-cookie SYN-ACK") \
	X(http_redirect, "LIMITED HTTP: request answered with 302 Found to the portal") \
	X(http_ack, "LIMITED HTTP: the device's FIN after ours acknowledged") \
	X(http_absorb_ack, "LIMITED HTTP: bare ACK absorbed (handshake completion)") \
	X(http_absorb_rst, "LIMITED HTTP: RST from the device absorbed") \
	X(http_rst_cookie, "LIMITED HTTP: RST for data without a valid cookie") \
	X(http_rst_not_http, "LIMITED HTTP: RST for data that is not an HTTP request") \
	X(http_rst_too_big, "LIMITED HTTP: RST because the 302 would not fit") \
	X(http_rst_unexpected, "LIMITED HTTP: RST for an unexpected segment") \
	X(tcp_rst_refused, "LIMITED TCP outside the garden (not port 80) refused with RST") \
	X(icmp_unreach_sent, "LIMITED UDP outside the garden refused with ICMP unreachable") \
	X(tcp_mss_clamped, "TCP SYNs whose MSS option was lowered to fit the tunnel (mtu.tcp_mss)") \
	X(dl_frag_needed_sent, "ICMP Fragmentation Needed sent to an N6 sender: downlink too big for the N3 MTU with DF") \
	X(ul_frag_needed_sent, "ICMP Fragmentation Needed tunnelled to a UE: uplink too big for the N6 MTU with DF") \
	X(dl_fragmented, "downlink packets sent in outer IPv4 fragments (too big for the N3 MTU, no DF)") \
	X(ul_fragmented, "uplink T-PDUs sent in IPv4 fragments (too big for the N6 MTU, no DF)") \
	X(frag_sent, "IPv4 fragments sent (both directions)") \
	X(ul_fragment_rx, "outer IPv4 fragments received on N3 and given to the reassembly") \
	X(ul_reassembled, "outer IPv4 packets reassembled from fragments on N3")

/** Drop reasons: X(name, help). Every dropped packet counts under one. */
#define GG_DROP_LIST(X) \
	X(eth_truncated, "frame shorter than an Ethernet header") \
	X(multi_segment, "chained mbuf (frame larger than one mbuf) not supported") \
	X(eth_unsupported, "ethertype neither IPv4 nor ARP (VLAN, IPv6 outer, ...)") \
	X(ipv4_truncated, "IPv4 header or total length past the end of the frame") \
	X(ipv4_bad_header, "IPv4 version, IHL or total length invalid") \
	X(ipv4_bad_checksum, "outer IPv4 header checksum wrong") \
	X(ipv4_fragment, "outer IPv4 fragment while reassembly is off (mtu.reassembly.flows = 0)") \
	X(reasm_timeout, "outer fragment dropped: its packet was not complete within mtu.reassembly.timeout_ms") \
	X(reasm_overlap, "outer fragment dropped: its packet's fragments overlap, repeat a first or last fragment or are too many") \
	X(reasm_table_full, "outer fragment dropped: the worker's reassembly table is full (mtu.reassembly.flows)") \
	X(reasm_bad_fragment, "outer fragment without payload, or ending past 65535 octets") \
	X(reasm_too_big, "reassembled outer packet larger than one mbuf") \
	X(ipv4_options, "outer IPv4 header carries options") \
	X(not_for_us, "N3 packet not addressed to the appliance's N3 address") \
	X(not_gtpu, "N3 packet neither GTP-U (UDP 2152) nor for the control lcore") \
	X(udp_bad_length, "UDP length field disagrees with the IP payload") \
	X(gtpu_truncated, "GTP-U header cut short") \
	X(gtpu_bad_version, "GTP version not 1") \
	X(gtpu_bad_pt, "protocol type not GTP (PT=0, GTP')") \
	X(gtpu_bad_length, "GTP-U length field disagrees with the UDP payload") \
	X(gtpu_bad_ext_chain, "extension header chain runs past the message or has a zero length") \
	X(gtpu_bad_pdu_session, "PDU Session Container malformed") \
	X(gtpu_unknown_required_ext, "unknown extension header that requires comprehension") \
	X(gtpu_unsupported_msg, "GTP-U message type not handled") \
	X(gtpu_empty_gpdu, "G-PDU with no T-PDU") \
	X(ul_unknown_teid, "G-PDU for a TEID with no session") \
	X(ul_inner_not_ipv4, "T-PDU not an IPv4 packet") \
	X(ul_inner_bad_header, "T-PDU IPv4 header invalid or truncated") \
	X(ul_spoofed_source, "T-PDU source address is not the session's UE address") \
	X(ul_martian, "T-PDU to 0/8, 127/8, multicast (unless allowed), 255.255.255.255 or the appliance's own address") \
	X(ttl_expired, "inner TTL reached zero") \
	X(dl_no_session, "N6 packet for an address with no session") \
	X(dl_not_ipv4, "N6 frame carries no IPv4 packet") \
	X(dl_bad_header, "N6 IPv4 header invalid or truncated") \
	X(dl_too_big, "encapsulated packet would exceed the N3 MTU: DF set (Fragmentation Needed sent unless rate-limited) or fragmentation off") \
	X(ul_too_big, "uplink T-PDU larger than the N6 MTU: DF set (Fragmentation Needed sent unless rate-limited) or fragmentation off") \
	X(frag_failed, "packet too big not sent: its fragments could not be made (fragment pools empty)") \
	X(no_room, "mbuf has no room for the headers to add") \
	X(session_blocked, "session is BLOCKED") \
	X(limited_fragment, "LIMITED uplink IPv4 fragment (no ports to classify)") \
	X(limited_l4_truncated, "LIMITED uplink TCP/UDP header truncated") \
	X(limited_udp_refused, "LIMITED UDP outside the garden dropped (policy or rate limit)") \
	X(limited_icmp_refused, "LIMITED ICMP to outside the garden dropped") \
	X(limited_proto_refused, "LIMITED traffic of another protocol outside the garden dropped") \
	X(dns_malformed, "LIMITED DNS query or garden answer malformed") \
	X(limited_bad_checksum, "LIMITED packet the appliance would answer has a bad IPv4 or UDP checksum") \
	X(dns_no_room, "forged DNS answer does not fit the mbuf") \
	X(http_bad_checksum, "LIMITED HTTP segment with a bad IPv4 or TCP checksum") \
	X(http_malformed, "LIMITED TCP segment malformed") \
	X(dl_limited_filtered, "downlink to a LIMITED session from outside the garden") \
	X(dl_dns_not_garden, "DNS answer to a LIMITED session for a name outside the garden") \
	X(dns_no_resolver, "LIMITED DNS query for a garden name with no trusted resolver configured") \
	X(dns_pending_full, "LIMITED garden DNS query not forwarded: the worker's pending-query bucket is full") \
	X(dns_pending_session_full, "LIMITED garden DNS query not forwarded: the session waits on too many already") \
	X(dns_untrusted_answer, "DNS answer to a LIMITED session from a server that is not a trusted resolver") \
	X(dns_unsolicited, "DNS answer to a LIMITED session that answers no query we forwarded (session, port, ID)") \
	X(dns_mismatch, "DNS answer to a LIMITED session for a forwarded query's port and ID, but another question or resolver") \
	X(snoop_ring_full, "snooped DNS answer lost: control lcore's ring full") \
	X(no_neighbor, "next hop's Ethernet address not resolved yet") \
	X(control_ring_full, "control lcore's ring full") \
	X(control_unhandled, "packet for the control lcore it does not handle") \
	X(tx_full, "transmit queue full")

enum gg_event {
#define GG_X_EV_ENUM(n, h) GG_EV_##n,
	GG_EVENT_LIST(GG_X_EV_ENUM)
#undef GG_X_EV_ENUM
	GG_EV_MAX
};

enum gg_drop {
	GG_DROP_NONE = 0, /**< not dropped; never counted */
#define GG_X_DROP_ENUM(n, h) GG_DROP_##n,
	GG_DROP_LIST(GG_X_DROP_ENUM)
#undef GG_X_DROP_ENUM
	GG_DROP_MAX
};

/** Per-lcore counters; see the locking rule above. */
struct gg_counters {
	uint64_t ev[GG_EV_MAX];
	uint64_t drop[GG_DROP_MAX];
} __rte_cache_aligned;

/** Name of an event counter ("rx_n3"), NULL past the end. */
const char *gg_event_name(enum gg_event ev);
/** One-line description of an event counter. */
const char *gg_event_help(enum gg_event ev);
/** Name of a drop reason ("gtpu_bad_version"), NULL for NONE or past the end. */
const char *gg_drop_name(enum gg_drop d);
/** One-line description of a drop reason. */
const char *gg_drop_help(enum gg_drop d);

/** Total of all drop reasons of one set of counters. */
uint64_t gg_counters_drops(const struct gg_counters *c);

/**
 * Add @p src into @p dst, reading @p src with relaxed atomic loads so it may
 * be another lcore's live counters.
 */
void gg_counters_accumulate(struct gg_counters *dst,
		const struct gg_counters *src);

#endif /* GG_COUNTERS_H */
