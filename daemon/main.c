/*
 * svcsyncd: the svcsync node daemon. Parses arguments, loads the config and
 * runs the node (lib/svc_daemon.c); nothing else lives here.
 */
#include "svc_config.h"
#include "svc_daemon.h"
#include "svc_err.h"
#include "svc_operator.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *out)
{
	fputs("usage: svcsyncd --dir DIR [--listen tcp://ADDR:PORT] [--config FILE] [-n]\n"
	      "\n"
	      "Runs one svcsync node in the foreground: replicates its store with its\n"
	      "upstream (from the node's enrollment bundle) and serves the downstream\n"
	      "nodes that connect to --listen. Logs one line per event to stderr.\n"
	      "\n"
	      "  -d, --dir DIR        node directory (or SVCSYNC_DIR, or [node] dir)\n"
	      "  -l, --listen EP      where downstream nodes connect, e.g. tcp://0.0.0.0:7700\n"
	      "  -c, --config FILE    INI config file ([node], [sync], [log]); SIGHUP reloads it\n"
	      "  -n, --check          check the configuration, print it, and exit\n"
	      "  -v, --verbose        log at debug level\n"
	      "  -h, --help           this text\n"
	      "      --version        print the version\n"
	      "\n"
	      "Signals: SIGTERM/SIGINT finish the batch in hand and exit 0; SIGHUP reloads\n"
	      "the config file (a config with errors is refused and the old one kept).\n"
	      "Exit status: 0 clean stop, 1 runtime error, 2 usage or configuration error.\n",
	      out);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"dir", required_argument, NULL, 'd'},    {"listen", required_argument, NULL, 'l'},
	    {"config", required_argument, NULL, 'c'}, {"check", no_argument, NULL, 'n'},
	    {"verbose", no_argument, NULL, 'v'},      {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},      {NULL, 0, NULL, 0},
	};
	const char *dir = NULL, *listen = NULL, *config = NULL;
	int check = 0, verbose = 0, c;
	svc_config cfg;

	while ((c = getopt_long(argc, argv, "d:l:c:nvh", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			dir = optarg;
			break;
		case 'l':
			listen = optarg;
			break;
		case 'c':
			config = optarg;
			break;
		case 'n':
			check = 1;
			break;
		case 'v':
			verbose = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			puts("svcsyncd 0.1.0");
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "svcsyncd: unexpected argument '%s' (try --help)\n", argv[optind]);
		return 2;
	}
	svc_config_defaults(&cfg);
	if (config && svc_config_load(&cfg, config)) {
		fprintf(stderr, "svcsyncd: %s\n", svc_errmsg());
		return 2;
	}
	if (!dir && !cfg.dir[0])
		dir = getenv("SVCSYNC_DIR");
	if (dir)
		snprintf(cfg.dir, sizeof cfg.dir, "%s", dir);
	if (listen)
		snprintf(cfg.listen, sizeof cfg.listen, "%s", listen);
	if (verbose)
		cfg.log_level = SVC_LOG_DEBUG;
	if (!cfg.dir[0]) {
		fprintf(stderr, "svcsyncd: no node directory: give --dir DIR, set SVCSYNC_DIR, "
		                "or set dir in [node]\n");
		return 2;
	}
	if (svc_config_validate(&cfg)) {
		fprintf(stderr, "svcsyncd: %s\n", svc_errmsg());
		return 2;
	}
	if (check) {
		svc_config_print(&cfg, stdout);
		return 0;
	}

	svc_daemon *d;
	/* The changes the daemon originates itself (HQ revoking an expired
	 * certificate) record the daemon as their operator: no person typed them. */
	svc_operator_set(SVC_OPERATOR_DAEMON);
	if (svc_daemon_new(&cfg, config, &d)) {
		fprintf(stderr, "svcsyncd: %s\n", svc_errmsg());
		return 1;
	}
	int rc = svc_daemon_run(d);
	svc_daemon_destroy(&d);
	return rc ? 1 : 0;
}
