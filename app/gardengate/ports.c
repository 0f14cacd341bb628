/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Port bring-up: find the N3 and N6 ports by the devices the configuration
 * names, give each worker one RX and one TX queue on both (RSS spreads
 * flows when there is more than one worker and the port can), start them,
 * and fill the data plane's view of each port. Close them at the end (the
 * pcap PMD writes its output file on close).
 */
#include <stdio.h>
#include <string.h>

#include <rte_ethdev.h>
#include <rte_log.h>
#include <rte_pci.h>

#include "gardengate.h"

#define LOG(level, ...) RTE_LOG(level, USER1, __VA_ARGS__)

/* The ethdev name of a device string: the PCI address in its canonical
 * form, or the vdev name (the text before the first comma). */
static void
device_name(const char *device, char *name, size_t size)
{
	struct rte_pci_addr addr;
	size_t n = strcspn(device, ",");

	snprintf(name, size, "%.*s", (int)n, device);
	if (rte_pci_addr_parse(name, &addr) == 0)
		rte_pci_device_name(&addr, name, size);
}

static int
port_setup(struct gg_app *app, const char *what, const struct gg_conf_port *pc,
		struct gg_port *p)
{
	struct rte_eth_conf conf;
	struct rte_eth_dev_info info;
	char name[RTE_ETH_NAME_MAX_LEN];
	uint16_t nw = app->n_workers, q, rxd = app->cfg.rx_desc, txd = app->cfg.tx_desc;
	int ret, socket;

	device_name(pc->device, name, sizeof(name));
	if (rte_eth_dev_get_port_by_name(name, &p->port_id) != 0) {
		LOG(ERR, "%s: no port named '%s' (device \"%s\")\n", what, name,
				pc->device);
		return -1;
	}
	ret = rte_eth_dev_info_get(p->port_id, &info);
	if (ret != 0)
		return ret;
	if (info.max_rx_queues < nw || info.max_tx_queues < nw) {
		LOG(ERR, "%s: port '%s' has %u RX / %u TX queues, %u workers need %u of each\n",
				what, name, info.max_rx_queues, info.max_tx_queues, nw, nw);
		return -1;
	}

	memset(&conf, 0, sizeof(conf));
	if (nw > 1 && info.flow_type_rss_offloads != 0) {
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf.rx_adv_conf.rss_conf.rss_hf = (RTE_ETH_RSS_IP | RTE_ETH_RSS_UDP) &
				info.flow_type_rss_offloads;
	}
	/* Fragments (mtu.fragment) are chains of a header and a data mbuf. */
	conf.txmode.offloads = RTE_ETH_TX_OFFLOAD_MULTI_SEGS & info.tx_offload_capa;
	ret = rte_eth_dev_configure(p->port_id, nw, nw, &conf);
	if (ret != 0) {
		LOG(ERR, "%s: configure port '%s': %s\n", what, name, rte_strerror(-ret));
		return ret;
	}
	rte_eth_dev_adjust_nb_rx_tx_desc(p->port_id, &rxd, &txd);
	socket = rte_eth_dev_socket_id(p->port_id);
	for (q = 0; q < nw; q++) {
		ret = rte_eth_rx_queue_setup(p->port_id, q, rxd, socket, NULL, app->pool);
		if (ret == 0)
			ret = rte_eth_tx_queue_setup(p->port_id, q, txd, socket, NULL);
		if (ret != 0) {
			LOG(ERR, "%s: queue %u of port '%s': %s%s\n", what, q, name,
					rte_strerror(-ret), ret == -ENOMEM || ret == -EINVAL ?
					" (a pcap input must fit in mempool.mbufs)" : "");
			return ret;
		}
	}
	/* Not every PMD can set an MTU (vdevs often cannot); the configured
	 * MTU still bounds what we send. */
	rte_eth_dev_set_mtu(p->port_id, pc->mtu);
	ret = rte_eth_dev_start(p->port_id);
	if (ret != 0) {
		LOG(ERR, "%s: start port '%s': %s\n", what, name, rte_strerror(-ret));
		return ret;
	}
	rte_eth_macaddr_get(p->port_id, &p->mac);
	p->addr = pc->address;
	p->next_hop = pc->next_hop;
	p->mtu = pc->mtu;
	if (pc->next_hop_mac_set)
		gg_port_set_next_hop_mac(p, &pc->next_hop_mac);
	LOG(INFO, "%s: port %u '%s' " RTE_ETHER_ADDR_PRT_FMT ", %u queue pair(s)%s\n",
			what, p->port_id, name, RTE_ETHER_ADDR_BYTES(&p->mac), nw,
			conf.rxmode.mq_mode == RTE_ETH_MQ_RX_RSS ? ", RSS" : "");
	return 0;
}

int
gg_ports_setup(struct gg_app *app)
{
	if (port_setup(app, "N3", &app->cfg.n3, &app->dp.n3) != 0)
		return -1;
	if (port_setup(app, "N6", &app->cfg.n6, &app->dp.n6) != 0)
		return -1;
	if (app->dp.n3.port_id == app->dp.n6.port_id) {
		LOG(ERR, "N3 and N6 must be different ports\n");
		return -1;
	}
	return 0;
}

void
gg_ports_close(struct gg_app *app)
{
	uint16_t ports[2] = { app->dp.n3.port_id, app->dp.n6.port_id };
	unsigned int i;

	for (i = 0; i < 2; i++) {
		if (!rte_eth_dev_is_valid_port(ports[i]))
			continue;
		rte_eth_dev_stop(ports[i]);
		rte_eth_dev_close(ports[i]);
	}
}
