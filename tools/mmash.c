/*
 * mmash - serve mmstats over HTTP: the reference's JSON API and pages,
 * plus /metrics for Prometheus.  HTTP is libmicrohttpd's; every request
 * reads the files afresh, so the answer is what they hold now.
 */
#include <arpa/inet.h>
#include <bsd/stdlib.h>
#include <errno.h>
#include <getopt.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "common.h"
#include "files.h"
#include "mmash_data.h"
#include "mmash_routes.h"

#define MMASH_DEFAULT_PORT	5002	/* the reference's */
#define MMASH_MAX_CONNECTIONS	64
#define MMASH_MAX_PER_CLIENT	16	/* one client cannot take them all */
#define MMASH_TIMEOUT_SECS	30

struct mmash_opts {
	const char *address;
	unsigned port;
	struct mmash_conf conf;
	char glob_buf[4096];
};

static void usage(void)
{
	printf("Usage: %s [OPTION]...\n"
	       "Serve mmstats files over HTTP (JSON, pages, Prometheus "
	       "metrics).\n\n"
	       "  -a, --address=ADDR  IPv4 or IPv6 address to listen on "
	       "(default 127.0.0.1)\n"
	       "  -p, --port=PORT     TCP port (default %d; 0: any free "
	       "port)\n"
	       "  -g, --glob=GLOB     files to serve (default $MMSTATS_GLOB "
	       "or\n"
	       "                      $MMSTATS_PATH/*.mmstats)\n"
	       "  -d, --dir=DIR       directory a client's ?glob= looks in\n"
	       "                      (default $MMSTATS_PATH or /tmp)\n"
	       "  -h, --help          show this help and exit\n"
	       "  -V, --version       show the version and exit\n\n"
	       "Exit status: 0 stopped by SIGINT or SIGTERM, 1 cannot serve, "
	       "2 usage error.\n",
	       tool_name, MMASH_DEFAULT_PORT);
}

static const char *query_arg(void *ctx, const char *name)
{
	return MHD_lookup_connection_value(ctx, MHD_GET_ARGUMENT_KIND, name);
}

static enum MHD_Result queue(struct MHD_Connection *conn, unsigned status,
			     const char *type, char *body, size_t len)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;

	resp = MHD_create_response_from_buffer(len, body,
					       MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL,
				"no-store");
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW,
					"GET, HEAD");
	ret = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn,
				  const char *url, const char *method,
				  const char *version, const char *upload_data,
				  size_t *upload_size, void **state)
{
	const struct mmash_conf *conf = cls;
	struct mmash_request req = { url, query_arg, conn };
	struct mmash_reply rep;
	char *msg;

	(void)version, (void)upload_data, (void)upload_size, (void)state;
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 &&
	    strcmp(method, MHD_HTTP_METHOD_HEAD) != 0) {
		msg = strdup("405 Method Not Allowed\n");
		return queue(conn, MHD_HTTP_METHOD_NOT_ALLOWED,
			     "text/plain; charset=utf-8", msg,
			     msg ? strlen(msg) : 0);
	}
	mmash_route(conf, &req, &rep);
	return queue(conn, rep.status, rep.type, rep.body, rep.len);
}

/* ADDR as an IPv4 or IPv6 socket address with `port`. */
static int parse_address(const char *addr, unsigned port,
			 struct sockaddr_storage *ss)
{
	struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, addr, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons((uint16_t)port);
		return 0;
	}
	if (inet_pton(AF_INET6, addr, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		return 0;
	}
	return -EINVAL;
}

static unsigned parse_port(const char *s)
{
	const char *err;
	long long v = strtonum(s, 0, 65535, &err);

	if (err) {
		tool_warn("invalid port '%s': %s", s, err);
		tool_usage_error();
	}
	return (unsigned)v;
}

static void parse_args(int argc, char **argv, struct mmash_opts *o)
{
	static const struct option longopts[] = {
		{ "address", required_argument, NULL, 'a' },
		{ "port", required_argument, NULL, 'p' },
		{ "glob", required_argument, NULL, 'g' },
		{ "dir", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "a:p:g:d:hV", longopts,
				NULL)) != -1) {
		switch (c) {
		case 'a': o->address = optarg; break;
		case 'p': o->port = parse_port(optarg); break;
		case 'g': o->conf.glob = optarg; break;
		case 'd': o->conf.dir = optarg; break;
		case 'h': tool_help(usage);
		case 'V': tool_version();
		default:  tool_usage_error();
		}
	}
	if (optind < argc) {
		tool_warn("unexpected argument: '%s'", argv[optind]);
		tool_usage_error();
	}
	if (!o->conf.dir)
		o->conf.dir = files_stats_dir();
	if (!o->conf.glob)
		o->conf.glob = files_default_glob(o->glob_buf,
						  sizeof(o->glob_buf));
	if (!o->conf.glob) {
		tool_warn("default glob too long");
		exit(1);
	}
}

static struct MHD_Daemon *start(struct mmash_opts *o)
{
	/*
	 * A thread per connection: reading many files for one client must
	 * not stall the others.  Handlers share only the read-only conf.
	 */
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD |
			 MHD_USE_THREAD_PER_CONNECTION | MHD_USE_ERROR_LOG;
	struct sockaddr_storage ss;

	if (parse_address(o->address, o->port, &ss) < 0) {
		tool_warn("invalid address: '%s'", o->address);
		tool_usage_error();
	}
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	return MHD_start_daemon(flags, (uint16_t)o->port, NULL, NULL,
				on_request, &o->conf,
				MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
				MHD_OPTION_CONNECTION_LIMIT,
				(unsigned)MMASH_MAX_CONNECTIONS,
				MHD_OPTION_PER_IP_CONNECTION_LIMIT,
				(unsigned)MMASH_MAX_PER_CLIENT,
				MHD_OPTION_CONNECTION_TIMEOUT,
				(unsigned)MMASH_TIMEOUT_SECS,
				MHD_OPTION_END);
}

int main(int argc, char **argv)
{
	struct mmash_opts o = { .address = "127.0.0.1",
				.port = MMASH_DEFAULT_PORT };
	const union MHD_DaemonInfo *info;
	struct MHD_Daemon *d;
	sigset_t stop;
	int sig;

	tool_init("mmash");
	parse_args(argc, argv, &o);
	/* Block the stop signals before MHD's thread inherits the mask. */
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	d = start(&o);
	if (!d) {
		tool_warn("cannot listen on %s port %u", o.address, o.port);
		return 1;
	}
	info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	printf("%s: serving %s on http://%s%s%s:%u/\n", tool_name,
	       o.conf.glob, strchr(o.address, ':') ? "[" : "", o.address,
	       strchr(o.address, ':') ? "]" : "",
	       info ? info->port : o.port);
	tool_flush();
	sigwait(&stop, &sig);
	MHD_stop_daemon(d);
	return 0;
}
