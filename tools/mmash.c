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
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common.h"
#include "files.h"
#include "mmash_data.h"
#include "mmash_routes.h"

#define MMASH_DEFAULT_PORT	5002	/* the reference's */
#define MMASH_MAX_CONNECTIONS	64
#define MMASH_MAX_PER_CLIENT	16	/* one client cannot take them all */
#define MMASH_TIMEOUT_SECS	30
#define MMASH_WHERE_MAX		(INET6_ADDRSTRLEN + 8)	/* [ADDR]:PORT */

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
	       "                      (default those of $MMSTATS_PATH or "
	       "/tmp)\n"
	       "  -A, --all           also serve files whose writer is gone "
	       "(never\n"
	       "                      on /metrics)\n"
	       "  -h, --help          show this help and exit\n"
	       "  -V, --version       show the version and exit\n\n"
	       "Exit status: 0 stopped by SIGINT or SIGTERM, 1 cannot serve, "
	       "2 usage error.\n",
	       tool_name, MMASH_DEFAULT_PORT);
}

/*
 * A query parameter's value; "" for one given without '=' ("?all"), as
 * the reference's Flask has it.  libmicrohttpd gives such a parameter a
 * NULL value, which MHD_lookup_connection_value() cannot tell from an
 * absent one: with --all, "?all" would serve stale files, not leave
 * them out as an empty value does.
 */
static const char *query_arg(void *ctx, const char *name)
{
	const char *value = NULL;

	if (MHD_lookup_connection_value_n(ctx, MHD_GET_ARGUMENT_KIND, name,
					  strlen(name), &value,
					  NULL) != MHD_YES)
		return NULL;
	return value ? value : "";
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
	/* /metrics answers by the Accept header: caches must know. */
	MHD_add_response_header(resp, MHD_HTTP_HEADER_VARY, "Accept");
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
	struct mmash_request req = {
		.path = url, .arg = query_arg, .ctx = conn,
		.accept = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
						      MHD_HTTP_HEADER_ACCEPT),
	};
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
		{ "all", no_argument, NULL, 'A' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "a:p:g:d:AhV", longopts,
				NULL)) != -1) {
		switch (c) {
		case 'a': o->address = optarg; break;
		case 'p': o->port = parse_port(optarg); break;
		case 'g': o->conf.glob = optarg; break;
		case 'd': o->conf.dir = optarg; break;
		case 'A': o->conf.all = true; break;
		case 'h': tool_help(usage);
		case 'V': tool_version();
		default:  tool_usage_error();
		}
	}
	if (optind < argc) {
		tool_warn("unexpected argument: '%s'", argv[optind]);
		tool_usage_error();
	}
	if (!o->conf.glob)
		o->conf.glob = files_default_glob(o->glob_buf,
						  sizeof(o->glob_buf));
	if (!o->conf.glob) {
		tool_warn("default glob too long");
		exit(1);
	}
}

/*
 * "ADDR:PORT" or "[ADDR]:PORT", as messages and URLs name a socket.  The
 * port is the one asked for, or the one bound when it was 0.
 */
static void format_where(const char *addr, unsigned port, char *buf,
			 size_t len)
{
	bool v6 = strchr(addr, ':') != NULL;

	snprintf(buf, len, "%s%s%s:%u", v6 ? "[" : "", addr, v6 ? "]" : "",
		 port);
}

/* The listening socket, bound here so that its error is ours: -errno. */
static int listen_on(const struct sockaddr_storage *ss)
{
	socklen_t len = ss->ss_family == AF_INET6 ?
			sizeof(struct sockaddr_in6) :
			sizeof(struct sockaddr_in);
	int fd, one = 1, err;

	fd = socket(ss->ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
		    0);
	if (fd < 0)
		return -errno;
	/* As libmicrohttpd does: a restart must not wait for TIME_WAIT,
	 * and [::] must not take IPv4 too. */
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    (ss->ss_family == AF_INET6 &&
	     setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one,
			sizeof(one)) < 0) ||
	    bind(fd, (const struct sockaddr *)ss, len) < 0 ||
	    listen(fd, SOMAXCONN) < 0) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

static unsigned bound_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
		return 0;
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

/*
 * libmicrohttpd's messages, as every message of mmash: one line, named.
 * While the server starts they are held, so that a failure to start is
 * one line that says where, not the library's line and then ours.
 */
static struct {
	pthread_mutex_t lock;
	bool started;
	char held[256];
} mhd_log = { PTHREAD_MUTEX_INITIALIZER, false, "" };

static void log_mhd(void *cls, const char *fmt, va_list ap)
{
	char msg[512];
	size_t n;

	(void)cls;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	for (n = strlen(msg); n > 0 && (msg[n - 1] == '\n' ||
					msg[n - 1] == '.'); n--)
		msg[n - 1] = '\0';
	for (n = 0; msg[n]; n++)
		if (msg[n] == '\n')
			msg[n] = ' ';
	pthread_mutex_lock(&mhd_log.lock);
	if (mhd_log.started)
		tool_warn("%s", msg);
	else if (!mhd_log.held[0])
		snprintf(mhd_log.held, sizeof(mhd_log.held), "%s", msg);
	pthread_mutex_unlock(&mhd_log.lock);
}

static void mhd_log_started(void)
{
	pthread_mutex_lock(&mhd_log.lock);
	mhd_log.started = true;
	pthread_mutex_unlock(&mhd_log.lock);
}

/* The server on `fd`; on failure, one line and exit 1. */
static struct MHD_Daemon *start(struct mmash_opts *o, int fd,
				const char *where)
{
	/*
	 * A thread per connection: reading many files for one client must
	 * not stall the others.  Handlers share only the read-only conf.
	 */
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD |
			 MHD_USE_THREAD_PER_CONNECTION | MHD_USE_ERROR_LOG;
	struct MHD_Daemon *d;

	d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, &o->conf,
			     MHD_OPTION_EXTERNAL_LOGGER, log_mhd, NULL,
			     MHD_OPTION_LISTEN_SOCKET, fd,
			     MHD_OPTION_CONNECTION_LIMIT,
			     (unsigned)MMASH_MAX_CONNECTIONS,
			     MHD_OPTION_PER_IP_CONNECTION_LIMIT,
			     (unsigned)MMASH_MAX_PER_CLIENT,
			     MHD_OPTION_CONNECTION_TIMEOUT,
			     (unsigned)MMASH_TIMEOUT_SECS,
			     MHD_OPTION_END);
	if (!d) {
		tool_warn("%s: cannot start the HTTP server: %s", where,
			  mhd_log.held[0] ? mhd_log.held : "unknown error");
		exit(1);
	}
	mhd_log_started();
	return d;
}

/* Bind the address asked for; on failure, one line and exit 1. */
static int bind_or_exit(const struct mmash_opts *o)
{
	char where[MMASH_WHERE_MAX];
	struct sockaddr_storage ss;
	int fd;

	if (parse_address(o->address, o->port, &ss) < 0) {
		tool_warn("invalid address: '%s'", o->address);
		tool_usage_error();
	}
	fd = listen_on(&ss);
	if (fd < 0) {
		format_where(o->address, o->port, where, sizeof(where));
		tool_warn("%s: %s", where, strerror(-fd));
		exit(1);
	}
	return fd;
}

/*
 * A glob that matches nothing is served (files come and go with their
 * writers), but a mistyped one would serve nothing forever unnoticed:
 * say so once.
 */
static void warn_if_no_match(const char *glob)
{
	struct pathlist paths = PATHLIST_INIT;
	char *arg = (char *)glob;
	size_t i, found = 0;
	int err;

	err = files_expand_args(&arg, 1, &paths, NULL);
	for (i = 0; i < paths.n; i++)
		found += access(paths.v[i], F_OK) == 0;
	if (err && err != -ENOENT)
		tool_warn("%s: %s", glob, strerror(-err));
	else if (found == 0)
		tool_warn("%s: no file matches (yet)", glob);
	pathlist_free(&paths);
}

int main(int argc, char **argv)
{
	struct mmash_opts o = { .address = "127.0.0.1",
				.port = MMASH_DEFAULT_PORT };
	char where[MMASH_WHERE_MAX];
	struct MHD_Daemon *d;
	sigset_t stop;
	int sig, fd;

	tool_init("mmash");
	parse_args(argc, argv, &o);
	fd = bind_or_exit(&o);
	format_where(o.address, bound_port(fd), where, sizeof(where));
	/* Block the stop signals before MHD's thread inherits the mask. */
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	d = start(&o, fd, where);
	warn_if_no_match(o.conf.glob);
	printf("%s: serving %s on http://%s/\n", tool_name, o.conf.glob,
	       where);
	tool_flush();
	sigwait(&stop, &sig);
	/* closes the listening socket too */
	MHD_stop_daemon(d);
	return 0;
}
