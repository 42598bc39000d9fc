/* mmash_pages.c - the HTML pages; all assets are inline. */
#include "mmash_pages.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const char page_css[] =
	"body{font:14px/1.4 system-ui,sans-serif;margin:0;color:#1d2630;"
	"background:#f4f6f8}"
	"header{background:#1d2630;color:#fff;padding:10px 20px}"
	"header h1{display:inline;font-size:20px;margin-right:16px}"
	"header a{color:#9cd1ff;margin-right:12px}"
	"main{padding:16px 20px}"
	".controls{margin-top:6px;color:#cfd8e0}"
	".controls input{width:6em}"
	"#filter{width:14em}"
	".grid{display:grid;grid-template-columns:repeat(auto-fill,"
	"minmax(380px,1fr));gap:12px}"
	".card{background:#fff;border:1px solid #d8dee4;border-radius:6px;"
	"padding:8px 10px}"
	".card h3{font-size:13px;margin:0;overflow-wrap:anywhere}"
	".card .value{font:600 20px ui-monospace,monospace;color:#0b5cad}"
	"canvas{width:100%;height:120px;display:block}"
	"table{border-collapse:collapse;background:#fff}"
	"td,th{border:1px solid #d8dee4;padding:4px 8px;text-align:left}"
	"ul.stats{columns:2;font-family:ui-monospace,monospace}"
	".error{color:#b00020}";

static const char graph_js[] =
	"'use strict';\n"
	"const charts = new Map(), strings = new Map();\n"
	"/* What the writers say each label is (/notes/): counters are drawn\n"
	"   as rates per second, the rest as values; no notes: values. */\n"
	"let notes = {};\n"
	"const isRate = (label) => /^(counter|histogram_sum|histogram_bucket)$/\n"
	"  .test((notes[label] || {}).metric || '');\n"
	"function title(label) {\n"
	"  const u = (notes[label] || {}).unit || '';\n"
	"  if (isRate(label)) return label + (u ? ' (' + u + '/s)' : '/s');\n"
	"  return label + (u ? ' (' + u + ')' : '');\n"
	"}\n"
	"let paused = false;\n"
	"const $ = (id) => document.getElementById(id);\n"
	"function asNumber(v) {\n"
	"  if (typeof v === 'boolean') return v ? 1 : 0;\n"
	"  if (typeof v === 'number') return v;\n"
	"  return null;\n"
	"}\n"
	"/* One number per label: the sum over files, as pollstats does. */\n"
	"function combine(values) {\n"
	"  let sum = 0;\n"
	"  for (const v of values) {\n"
	"    const n = asNumber(v);\n"
	"    if (n === null) return null;\n"
	"    sum += n;\n"
	"  }\n"
	"  return sum;\n"
	"}\n"
	"function card(label) {\n"
	"  const div = document.createElement('div');\n"
	"  div.className = 'card';\n"
	"  div.dataset.label = label;\n"
	"  const h = document.createElement('h3');\n"
	"  h.textContent = title(label);\n"
	"  const value = document.createElement('span');\n"
	"  value.className = 'value';\n"
	"  const canvas = document.createElement('canvas');\n"
	"  canvas.width = 360; canvas.height = 120;\n"
	"  div.append(h, value, canvas);\n"
	"  $('charts').append(div);\n"
	"  const chart = { div, h, value, canvas, points: [], last: null };\n"
	"  charts.set(label, chart);\n"
	"  return chart;\n"
	"}\n"
	"function fmt(n) {\n"
	"  return Number.isInteger(n) ? String(n) : String(+n.toPrecision(6));\n"
	"}\n"
	"/* Who wrote a file (sys.pid, sys.created...) is no quantity to sum. */\n"
	"const identity = /(^|\\.)sys\\./;\n"
	"function draw(chart) {\n"
	"  const c = chart.canvas, ctx = c.getContext('2d'), p = chart.points;\n"
	"  const w = c.width, h = c.height, pad = 4;\n"
	"  ctx.clearRect(0, 0, w, h);\n"
	"  ctx.strokeStyle = '#e3e8ee';\n"
	"  for (let i = 1; i < 4; i++) {\n"
	"    ctx.beginPath(); ctx.moveTo(0, h * i / 4);\n"
	"    ctx.lineTo(w, h * i / 4); ctx.stroke();\n"
	"  }\n"
	"  let lo = Math.min(...p), hi = Math.max(...p);\n"
	"  if (lo === hi) { lo -= 1; hi += 1; }\n"
	"  const max = +$('points').value || 120;\n"
	"  const x = (i) => pad + (w - 2 * pad) * i / Math.max(max - 1, 1);\n"
	"  const y = (v) => h - pad - (h - 2 * pad) * (v - lo) / (hi - lo);\n"
	"  ctx.strokeStyle = '#0b5cad'; ctx.lineWidth = 2;\n"
	"  ctx.beginPath();\n"
	"  p.forEach((v, i) =>\n"
	"    i ? ctx.lineTo(x(i), y(v)) : ctx.moveTo(x(i), y(v)));\n"
	"  ctx.stroke();\n"
	"  ctx.fillStyle = '#5b6b7b'; ctx.font = '11px monospace';\n"
	"  ctx.textAlign = 'right';\n"
	"  ctx.fillText(fmt(hi), w - pad, 12);\n"
	"  ctx.fillText(fmt(lo), w - pad, h - pad);\n"
	"  c.dataset.points = String(p.length);\n"
	"}\n"
	"function showString(label, values) {\n"
	"  let row = strings.get(label);\n"
	"  if (!row) {\n"
	"    row = $('strings').insertRow();\n"
	"    row.insertCell().textContent = label;\n"
	"    row.insertCell();\n"
	"    strings.set(label, row);\n"
	"  }\n"
	"  row.cells[1].textContent = values.map(String).join(', ');\n"
	"}\n"
	"/* A counter's change per second since the last poll; null at first\n"
	"   and when it went down (a writer restarted, or left). */\n"
	"function perSecond(chart, n, now) {\n"
	"  const last = chart.last;\n"
	"  chart.last = { n, now };\n"
	"  if (!last || n < last.n || now <= last.now) return null;\n"
	"  return (n - last.n) * 1000 / (now - last.now);\n"
	"}\n"
	"function update(data, now) {\n"
	"  const max = +$('points').value || 120, want = $('filter').value;\n"
	"  for (const [label, values] of Object.entries(data)) {\n"
	"    let n = identity.test(label) ? null : combine(values);\n"
	"    if (n === null) { showString(label, values); continue; }\n"
	"    const chart = charts.get(label) || card(label);\n"
	"    chart.h.textContent = title(label);\n"
	"    chart.div.hidden = want !== '' && !label.includes(want);\n"
	"    if (isRate(label) && (n = perSecond(chart, n, now)) === null) {\n"
	"      chart.value.textContent = '-';\n"
	"      continue;\n"
	"    }\n"
	"    chart.points.push(n);\n"
	"    if (chart.points.length > max)\n"
	"      chart.points.splice(0, chart.points.length - max);\n"
	"    chart.value.textContent = fmt(n);\n"
	"    draw(chart);\n"
	"  }\n"
	"  $('empty').hidden = charts.size + strings.size > 0;\n"
	"}\n"
	"/* The files this page was asked for: the same as /values/ serves. */\n"
	"const asked = new URLSearchParams(location.search), query = [];\n"
	"for (const k of ['glob', 'all'])\n"
	"  if (asked.has(k))\n"
	"    query.push(k + '=' + encodeURIComponent(asked.get(k)));\n"
	"const valuesUrl = '/values/' + (query.length ? '?' + query.join('&') : '');\n"
	"const notesUrl = '/notes/' + (query.length ? '?' + query.join('&') : '');\n"
	"async function poll() {\n"
	"  if (!paused) {\n"
	"    try {\n"
	"      const r = await fetch(valuesUrl, { cache: 'no-store' });\n"
	"      if (!r.ok) throw new Error('HTTP ' + r.status);\n"
	"      const data = await r.json(), now = performance.now();\n"
	"      if (Object.keys(data).some((l) => !charts.has(l) &&\n"
	"                                        !strings.has(l))) {\n"
	"        const n = await fetch(notesUrl, { cache: 'no-store' });\n"
	"        if (n.ok) notes = await n.json();\n"
	"      }\n"
	"      update(data, now);\n"
	"      $('status').textContent = 'updated ' +\n"
	"        new Date().toLocaleTimeString();\n"
	"    } catch (e) {\n"
	"      $('status').textContent = 'error: ' + e.message;\n"
	"    }\n"
	"  }\n"
	"  setTimeout(poll, Math.max(+$('interval').value || 1000, 100));\n"
	"}\n"
	"$('pause').onclick = () => {\n"
	"  paused = !paused;\n"
	"  $('pause').textContent = paused ? 'Resume' : 'Pause';\n"
	"};\n"
	"poll();\n";

void mmash_html_escape(struct buf *b, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&':  buf_puts(b, "&amp;"); break;
		case '<':  buf_puts(b, "&lt;"); break;
		case '>':  buf_puts(b, "&gt;"); break;
		case '"':  buf_puts(b, "&quot;"); break;
		case '\'': buf_puts(b, "&#39;"); break;
		default:   buf_putc(b, *s); break;
		}
	}
}

/* Percent-encode a label for a link: everything but unreserved bytes. */
static void url_escape(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p = (const unsigned char *)s;

	for (; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("-._~", *p)) {
			buf_putc(b, (char)*p);
			continue;
		}
		buf_putc(b, '%');
		buf_putc(b, hex[*p >> 4]);
		buf_putc(b, hex[*p & 15]);
	}
}

static void page_head(struct buf *b, const struct mmash_conf *conf,
		      const char *what)
{
	buf_puts(b, "<!doctype html>\n<html lang=\"en\">\n<head>\n"
		    "<meta charset=\"utf-8\">\n"
		    "<meta name=\"viewport\" content=\"width=device-width\">\n"
		    "<title>mmash ");
	buf_puts(b, what);
	buf_puts(b, " for ");
	mmash_html_escape(b, conf->glob);
	buf_printf(b, "</title>\n<style>%s</style>\n</head>\n<body>\n"
		      "<header><h1>mmash</h1>", page_css);
	buf_puts(b, "<a href=\"/\">index</a><a href=\"/graph/\">graphs</a>"
		    "<a href=\"/stats/\">stats</a><a href=\"/files/\">files</a>"
		    "<a href=\"/metrics\">metrics</a><span>");
	mmash_html_escape(b, conf->glob);
	buf_puts(b, "</span>\n");
}

/*
 * A link to this page with all= set: the request's glob goes with it, or
 * the link would show another set of files than the one it is about.
 */
static void all_link(struct buf *out, const char *glob, const char *all,
		     const char *text)
{
	struct buf url = BUF_INIT;

	buf_putc(&url, '?');
	if (glob && *glob) {
		buf_puts(&url, "glob=");
		url_escape(&url, glob);
		buf_putc(&url, '&');
	}
	buf_printf(&url, "all=%s", all);
	buf_puts(out, "<a href=\"");
	if (url.failed)
		out->failed = true;
	else
		mmash_html_escape(out, url.data);
	buf_printf(out, "\">%s</a>", text);
	buf_free(&url);
}

/* Why a file may be missing from the page, and how to see it. */
static void stale_note(struct buf *out, const struct mmash_set *set,
		       const char *glob, bool with_stale)
{
	if (with_stale) {
		buf_puts(out, "<p>Files of writers that are gone are shown (");
		all_link(out, glob, "0", "only live ones");
		buf_puts(out, ")</p>\n");
		return;
	}
	if (set->nstale == 0)
		return;
	buf_printf(out, "<p id=\"stale\">%zu file%s of writers that are gone "
			"left out (", set->nstale, set->nstale == 1 ? "" : "s");
	all_link(out, glob, "1", "show all");
	buf_puts(out, ")</p>\n");
}

int mmash_page_index(const struct mmash_conf *conf,
		     const struct mmash_set *set, const char *glob,
		     bool with_stale, struct buf *out)
{
	const char **labels;
	size_t i, n;
	int err;

	err = mmash_labels(set, &labels, &n);
	if (err)
		return err;
	page_head(out, conf, "index");
	buf_puts(out, "</header>\n<main>\n<ul class=\"stats\">\n");
	for (i = 0; i < n; i++) {
		buf_puts(out, "<li><a href=\"/stats/");
		url_escape(out, labels[i]);
		buf_puts(out, "?exact=1\">");
		mmash_html_escape(out, labels[i]);
		buf_puts(out, "</a></li>\n");
	}
	buf_puts(out, "</ul>\n");
	if (n == 0)
		buf_puts(out, "<p class=\"error\">No stats found</p>\n");
	stale_note(out, set, glob, with_stale);
	buf_puts(out, "</main>\n</body>\n</html>\n");
	free(labels);
	return out->failed ? -ENOMEM : 0;
}

int mmash_page_graph(const struct mmash_conf *conf, struct buf *out)
{
	page_head(out, conf, "graphs");
	buf_puts(out,
		 "<div class=\"controls\">every <input id=\"interval\" "
		 "type=\"number\" min=\"100\" value=\"1000\"> ms, keep "
		 "<input id=\"points\" type=\"number\" min=\"10\" "
		 "value=\"120\"> samples, <input id=\"filter\" "
		 "placeholder=\"only labels containing\"> "
		 "<button id=\"pause\">Pause</button> "
		 "<span id=\"status\">loading</span></div>\n</header>\n"
		 "<main>\n<p id=\"empty\" class=\"error\" hidden>No stats "
		 "found</p>\n<h2>Numeric values (sum over files)</h2>\n"
		 "<div id=\"charts\" class=\"grid\"></div>\n"
		 "<h2>Other values (one per file)</h2>\n"
		 "<table id=\"strings\"></table>\n"
		 "</main>\n<script>\n");
	buf_puts(out, graph_js);
	buf_puts(out, "</script>\n</body>\n</html>\n");
	return out->failed ? -ENOMEM : 0;
}
