/*
 * report_html.c - the report page: one HTML file with its style, script,
 * map and timeline inline.
 *
 * Every name that comes from a case (camera names, titles, notes, paths,
 * operators) goes through rp_html; the data the script reads is a JSON
 * block with '<', '>' and '&' escaped, so it can never end its element.
 * The page's Content-Security-Policy admits only its own style and script
 * (by their SHA-256) and media and pictures from its own folder: even a
 * name that slipped through could neither run nor fetch anything.
 */
#define _DEFAULT_SOURCE
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/opensslv.h>
#include <libavformat/avformat.h>
#include <libavcodec/avcodec.h>

#include "report.h"

#define US 1000000LL

static void esc(rp_buf *b, const char *s)
{
	rp_html(b, s ? s : "");
}

static void csp_hash(const char *s, char out[64])
{
	unsigned char d[32];
	EVP_Digest(s, strlen(s), d, NULL, EVP_sha256(), NULL);
	EVP_EncodeBlock((unsigned char *)out, d, 32);
}

/* both clocks of an instant: UTC, and local time in the report's zone */
static void when(const rp *r, rp_buf *b, int64_t us)
{
	char u[64], l[64];
	if (us == VIDX_TIME_NONE) {
		rp_puts(b, "-");
		return;
	}
	rp_printf(b, "<span class=\"mono\">%s</span><br><span class=\"note mono\">%s</span>",
	          rp__utc(us, u), rp__local(r, us, 1, l));
}

static void iso(rp_buf *b, int64_t us)
{
	char t[VIDX_TIME_BUFSZ];
	rp_puts(b, us == VIDX_TIME_NONE ? "-" : vidx_time_format(us, t));
}

static void correction(rp_buf *b, double ms)
{
	if (isnan(ms))
		rp_puts(b, "unknown");
	else if (ms == 0)
		rp_puts(b, "none (the camera's clock is taken as right)");
	else
		rp_printf(b, "%+.3f s: the camera's clock was %s; its times are corrected by "
		          "%.3f s", ms / 1000, ms > 0 ? "ahead (fast)" : "behind (slow)",
		          -ms / 1000);
}

static const rp_cam *cam_of(const rp *r, const char *id)
{
	size_t i;
	for (i = 0; id && i < r->ncams; i++)
		if (!strcmp(r->cams[i].id, id))
			return &r->cams[i];
	return NULL;
}

const char *rp__event_summary(rp *r, const rp_event *e)
{
	json_t *d = json_loads(e->detail, 0, NULL);
	const char *s = NULL;

	if (!d)
		return rp__str(r, e->detail);
	if (!strcmp(e->kind, "case created")) {
		s = rp__strf(r, "title: %s", json_string_value(json_object_get(d, "title")));
	} else if (!strcmp(e->kind, "pull")) {
		s = rp__strf(r, "%zu clip%s into %s (manifest SHA-256 %s), %lld failed",
		             json_array_size(json_object_get(d, "clips")),
		             json_array_size(json_object_get(d, "clips")) == 1 ? "" : "s",
		             json_string_value(json_object_get(d, "folder")),
		             json_string_value(json_object_get(d, "manifest_sha256")),
		             (long long)json_integer_value(json_object_get(d, "failed")));
	} else if (!strcmp(e->kind, "verify")) {
		const char *scope = json_string_value(json_object_get(d, "scope"));
		s = rp__strf(r, "%s %s: %lld checked, %lld failed",
		             scope && !strcmp(scope, "folder") ? "folder" : "recordings of",
		             json_string_value(json_object_get(d, "what")),
		             (long long)json_integer_value(json_object_get(d, "checked")),
		             (long long)json_integer_value(json_object_get(d, "failed")));
	} else if (!strcmp(e->kind, "note")) {
		s = rp__strf(r, "%s", json_string_value(json_object_get(d, "text")));
	} else if (!strcmp(e->kind, "report")) {
		json_t *f = json_object_get(d, "folder");
		s = rp__strf(r, "report %s%s (manifest SHA-256 %s), %lld clips, %lld failed",
		             json_is_string(f) ? "in " : "", json_is_string(f) ?
		             json_string_value(f) : "(timelines only)",
		             json_is_string(json_object_get(d, "manifest_sha256")) ?
		             json_string_value(json_object_get(d, "manifest_sha256")) : "-",
		             (long long)json_integer_value(json_object_get(d, "clips")),
		             (long long)json_integer_value(json_object_get(d, "failed")));
	}
	json_decref(d);
	return s ? s : rp__str(r, e->detail);
}

/* ---- the data the script reads ----------------------------------------------------- */

static int player_clip(const rp_clip *c)
{
	return c->out && (c->playable || c->proxy);
}

static char *page_data(const rp *r, double frame)
{
	json_t *o = json_object(), *clips = json_array(), *zones = json_array();
	int64_t a, z;
	size_t i, n = 0;
	char *s;
	rp_buf b = {0};

	rp__axis(r, &a, &z);
	json_object_set_new(o, "case", vidx__jstr(r->case_id));
	json_object_set_new(o, "from", json_integer(a));
	json_object_set_new(o, "to", json_integer(z));
	json_object_set_new(o, "incident", r->incident == VIDX_TIME_NONE ? json_null()
	                    : json_integer(r->incident));
	json_object_set_new(o, "zone", vidx__jstr(r->zone));
	json_object_set_new(o, "frame", json_real(frame));
	for (i = 0; i < r->nzones; i++)
		json_array_append_new(zones, json_pack("[I,I]", (json_int_t)r->zones[i][0],
		                                       (json_int_t)r->zones[i][1]));
	json_object_set_new(o, "zones", zones);
	for (i = 0; i < r->nclips; i++) {
		const rp_clip *c = &r->clips[i];
		if (!player_clip(c))
			continue;
		json_array_append_new(clips, json_pack("{s:I,s:o,s:I,s:o,s:I,s:I,s:f,s:f,s:o,s:b}",
		        "index", (json_int_t)n++, "clip", vidx__jstr(c->rel),
		        "pull", (json_int_t)c->pull->seq,
		        "src", vidx__jstr(c->playable ? c->out : c->proxy),
		        "start", (json_int_t)c->start, "end", (json_int_t)c->end,
		        "t0", c->t0, "dur", c->duration, "camera", vidx__jstr(c->camera),
		        "proxy", !c->playable));
	}
	json_object_set_new(o, "clips", clips);
	s = json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII | JSON_REAL_PRECISION(15));
	json_decref(o);
	if (!s)
		return NULL;
	/* '<', '>' and '&' only occur inside strings: escaped, nothing can end
	 * the script element or open a comment */
	for (i = 0; s[i]; i++) {
		if (s[i] == '<')
			rp_puts(&b, "\\u003c");
		else if (s[i] == '>')
			rp_puts(&b, "\\u003e");
		else if (s[i] == '&')
			rp_puts(&b, "\\u0026");
		else
			rp_putn(&b, s + i, 1);
	}
	free(s);
	if (b.oom) {
		rp_buf_free(&b);
		return NULL;
	}
	return b.s;
}

/* ---- sections ---------------------------------------------------------------------- */

static void sec_case(rp *r, rp_buf *b)
{
	size_t i, j;
	char u[64];

	rp_puts(b, "<section id=\"case\"><h2>Case</h2>\n<dl class=\"facts\">\n");
	rp_puts(b, "<dt>Case</dt><dd class=\"mono\">");
	esc(b, r->case_id);
	rp_puts(b, "</dd>\n<dt>Title</dt><dd>");
	esc(b, r->title);
	rp_puts(b, "</dd>\n<dt>Opened</dt><dd>");
	when(r, b, r->created);
	rp_puts(b, "<br>by ");
	esc(b, r->created_by);
	rp_puts(b, "</dd>\n<dt>Operators</dt><dd>");
	for (i = 0; i < r->nev; i++) {
		for (j = 0; j < i && strcmp(r->ev[j].by, r->ev[i].by); j++)
			;
		if (j < i)
			continue;
		if (i)
			rp_puts(b, ", ");
		esc(b, r->ev[i].by);
	}
	rp_printf(b, "</dd>\n<dt>Custody log</dt><dd>%zu event%s; ", r->nev, r->nev == 1 ? "" : "s");
	if (r->broken)
		rp_printf(b, "<span class=\"bad\">BROKEN: %zu event%s fail%s the check</span>",
		          r->broken, r->broken == 1 ? "" : "s", r->broken == 1 ? "s" : "");
	else
		rp_puts(b, "<span class=\"ok\">chain intact</span> (every event's hash and link check out)");
	rp_puts(b, "</dd>\n<dt>Incident time</dt><dd>");
	if (r->incident != VIDX_TIME_NONE)
		when(r, b, r->incident);
	else
		rp_puts(b, "not given (<code>vidx report --at</code>)");
	rp_puts(b, "</dd>\n<dt>Local time</dt><dd>");
	esc(b, r->zone);
	rp_puts(b, r->o->tz && *r->o->tz ? " (as asked: <code>--tz</code>)" :
	        " (the zone of the case's cameras)");
	rp_puts(b, "</dd>\n</dl>\n");

	rp_puts(b, "<h3>The questions asked</h3>\n");
	if (!r->npulls)
		rp_puts(b, "<p>No footage has been pulled for this case yet.</p>\n");
	for (i = 0; i < r->npulls; i++) {
		const rp_pull *p = &r->pulls[i];
		json_t *q = p->query, *v;
		rp_printf(b, "<div class=\"card\"><b>Pull, custody event %lld</b>, by ", (long long)p->seq);
		esc(b, p->by);
		rp_printf(b, ", %s<br>\n", rp__utc(p->at, u));
		if (p->problem) {
			rp_puts(b, "<span class=\"bad\">Its clips are not in this report: ");
			esc(b, p->problem);
			rp_puts(b, "</span><br>\n");
		}
		rp_puts(b, "<dl class=\"facts\">");
		if ((v = json_object_get(q, "near")) && json_is_array(v)) {
			rp_printf(b, "<dt>Place</dt><dd>within %.0f m of %.6f, %.6f</dd>",
			          json_number_value(json_object_get(q, "radius_m")),
			          json_number_value(json_array_get(v, 0)),
			          json_number_value(json_array_get(v, 1)));
		}
		if ((v = json_object_get(q, "bbox")) && json_is_array(v))
			rp_printf(b, "<dt>Box</dt><dd>south %.6f, west %.6f, north %.6f, east %.6f</dd>",
			          json_number_value(json_array_get(v, 0)), json_number_value(json_array_get(v, 1)),
			          json_number_value(json_array_get(v, 2)), json_number_value(json_array_get(v, 3)));
		if ((v = json_object_get(q, "cameras")) && json_is_array(v)) {
			json_t *x;
			size_t k;
			rp_puts(b, "<dt>Cameras</dt><dd>");
			json_array_foreach(v, k, x) {
				if (k)
					rp_puts(b, ", ");
				esc(b, json_string_value(x));
			}
			rp_puts(b, "</dd>");
		}
		if ((v = json_object_get(q, "tags")) && json_is_array(v)) {
			json_t *x;
			size_t k;
			rp_puts(b, "<dt>Tags</dt><dd>");
			json_array_foreach(v, k, x) {
				if (k)
					rp_puts(b, ", ");
				esc(b, json_string_value(x));
			}
			rp_puts(b, "</dd>");
		}
		if (p->from != VIDX_TIME_NONE) {
			char l1[64], l2[64], u1[64], u2[64];
			rp_printf(b, "<dt>Window, local</dt><dd class=\"mono\">%s to %s</dd>"
			          "<dt>Window, UTC</dt><dd class=\"mono\">%s to %s</dd>",
			          rp__local(r, p->from, 1, l1), rp__local(r, p->to, 1, l2),
			          rp__utc(p->from, u1), rp__utc(p->to, u2));
		}
		if ((v = json_object_get(q, "spans_from_stdin")) && json_is_array(v)) {
			json_t *x;
			size_t k;
			rp_puts(b, "<dt>Spans chosen</dt><dd>");
			json_array_foreach(v, k, x) {
				rp_puts(b, k ? "<br>" : "");
				esc(b, json_string_value(json_object_get(x, "camera")));
				rp_puts(b, " <span class=\"mono\">");
				esc(b, json_string_value(json_object_get(x, "start")));
				rp_puts(b, " to ");
				esc(b, json_string_value(json_object_get(x, "end")));
				rp_puts(b, "</span>");
			}
			rp_puts(b, "</dd>");
		}
		rp_puts(b, "<dt>Case folder</dt><dd class=\"mono\">");
		esc(b, p->folder);
		rp_printf(b, "</dd><dt>Clips</dt><dd>%zu</dd>", p->nclips);
		if (p->tool) {
			rp_puts(b, "<dt>Pulled with</dt><dd>");
			esc(b, p->tool);
			rp_puts(b, ", ");
			esc(b, p->libavformat);
			rp_puts(b, "</dd>");
		}
		rp_puts(b, "<dt>Last vidx verify</dt><dd>");
		if (!p->verify_seq)
			rp_puts(b, "<span class=\"warn\">never verified</span>");
		else
			rp_printf(b, "<span class=\"%s\">%s</span>: %lld checked, %lld failed (custody "
			          "event %lld, %s, by ", p->verify_failed ? "bad" : "ok",
			          p->verify_failed ? "FAILED" : "passed", (long long)p->verify_checked,
			          (long long)p->verify_failed, (long long)p->verify_seq,
			          rp__utc(p->verify_at, u));
		if (p->verify_seq) {
			esc(b, p->verify_by);
			rp_puts(b, ")");
		}
		rp_puts(b, "</dd></dl></div>\n");
	}
	rp_puts(b, "<h3>This report</h3>\n<dl class=\"facts\">\n<dt>Made</dt><dd>");
	when(r, b, r->made);
	rp_puts(b, "<br>by ");
	esc(b, r->o->by);
	rp_puts(b, "</dd>\n<dt>Index</dt><dd class=\"mono\">");
	esc(b, r->index_path);
	rp_printf(b, "</dd>\n<dt>Tools</dt><dd>vidx-report %s; %s, %s; SQLite %s; jansson %s; %s</dd>\n",
	          VIDX_VERSION, LIBAVFORMAT_IDENT, LIBAVCODEC_IDENT, sqlite3_libversion(),
	          JANSSON_VERSION, OPENSSL_VERSION_TEXT);
	rp_puts(b, "</dl>\n</section>\n");
}

static void sec_map(rp *r, rp_buf *b)
{
	size_t i;
	char u[32];

	rp_puts(b, "<section id=\"map\"><h2>Map</h2>\n");
	if (r->has_place) {
		rp_printf(b, "<p class=\"note\">The cameras around the scene (%.6f, %.6f)", r->lat, r->lon);
		if (r->radius > 0)
			rp_printf(b, " and the radius asked (%.0f m)", r->radius);
		rp_puts(b, ", in a local projection centred on the scene, north up.</p>\n");
	} else {
		rp_puts(b, "<p class=\"note\">No place was asked: the map is centred on the "
		        "case's cameras, north up.</p>\n");
	}
	rp__svg_map(r, b);
	rp_puts(b, "<table><thead><tr><th>Camera</th><th>Name</th><th>Address</th><th>Distance</th>"
	        "<th>Position</th><th>Footage in the window</th><th>Clips</th><th>Clock</th></tr></thead><tbody>\n");
	for (i = 0; i < r->ncams; i++) {
		const rp_cam *c = &r->cams[i];
		rp_puts(b, "<tr data-camera=\"");
		esc(b, c->id);
		rp_puts(b, "\"><td class=\"mono\">");
		esc(b, c->id);
		rp_puts(b, "</td><td>");
		esc(b, c->name);
		rp_puts(b, "</td><td>");
		esc(b, c->address);
		if (isnan(c->dist))
			rp_puts(b, "</td><td>-");
		else
			rp_printf(b, "</td><td>%.0f m", c->dist);
		if (c->mobile)
			rp_puts(b, "</td><td>mobile: its recordings carry it");
		else if (isnan(c->lat))
			rp_puts(b, "</td><td>unknown");
		else
			rp_printf(b, "</td><td class=\"mono\">%.6f, %.6f", c->lat, c->lon);
		if (c->cov)
			rp_printf(b, "</td><td>%s (%.1f%%)", c->cov->covered_us ? "yes" : "<b>none</b>",
			          100.0 * (double)c->cov->covered_us / (double)(r->to - r->from));
		else
			rp_puts(b, "</td><td>not asked");
		rp_printf(b, "</td><td>%zu</td><td>", c->nclips);
		if (!c->nobs)
			rp_puts(b, "no observation");
		else
			rp_printf(b, "%+.3f s (%zu observation%s, last %s)",
			          (double)(c->obs[c->nobs - 1].camera_time - c->obs[c->nobs - 1].true_time) / US,
			          c->nobs, c->nobs == 1 ? "" : "s", rp__utc(c->obs[c->nobs - 1].recorded, u));
		rp_puts(b, "</td></tr>\n");
	}
	rp_puts(b, "</tbody></table>\n</section>\n");
}

static void sec_coverage(rp *r, rp_buf *b)
{
	size_t i, j;
	int any = 0;
	char u[64];

	rp_puts(b, "<section id=\"coverage\"><h2>Coverage</h2>\n<p class=\"note\">Every camera "
	        "on one axis of true time (the cameras' clocks corrected), local time above and "
	        "UTC below: footage in blue, holes hatched, clips pulled in orange.  Click the "
	        "timeline to move the player there.</p>\n");
	rp__svg_timeline(r, b);
	rp_puts(b, "<h3>Clock corrections</h3>\n");
	for (i = 0; i < r->ncams; i++) {
		const rp_cam *c = &r->cams[i];
		for (j = 0; j < c->nobs; j++) {
			const vidx_clock_obs *o = &c->obs[j];
			double off = (double)(o->camera_time - o->true_time) / US;
			if (!any++)
				rp_puts(b, "<table><thead><tr><th>Camera</th><th>Camera showed</th>"
				        "<th>True time was</th><th>Offset</th><th>Observed by</th>"
				        "<th>Recorded</th><th>How</th></tr></thead><tbody>\n");
			rp_puts(b, "<tr><td class=\"mono\">");
			esc(b, c->id);
			rp_puts(b, "</td><td class=\"mono\">");
			esc(b, o->camera_time_raw);
			rp_puts(b, "</td><td class=\"mono\">");
			esc(b, o->true_time_raw);
			rp_printf(b, "</td><td>%+.3f s (camera %s)</td><td>", off,
			          off > 0 ? "ahead" : off < 0 ? "behind" : "right");
			esc(b, o->by);
			rp_printf(b, "</td><td class=\"mono\">%s</td><td>", rp__utc(o->recorded, u));
			esc(b, o->note);
			rp_puts(b, "</td></tr>\n");
		}
	}
	if (any)
		rp_puts(b, "</tbody></table>\n<p class=\"note\">A camera's offset is interpolated "
		        "between its observations and held beyond them; raw camera times are kept "
		        "beside the corrected ones.</p>\n");
	else
		rp_puts(b, "<p>No camera of this case has a clock observation: every camera's own "
		        "clock is taken as right.</p>\n");
	rp_puts(b, "</section>\n");
}

static void sec_player(rp *r, rp_buf *b, double frame)
{
	size_t i, n = 0, bad = 0;
	int64_t a, z;

	rp__axis(r, &a, &z);
	rp_puts(b, "<section id=\"player\"><h2>Player</h2>\n<p class=\"note screen-only\">The "
	        "clips a browser can play, each held at its true time on one scrubber.  A link "
	        "to a moment: <code>report.html#t=2022-07-05T01:25:13Z</code>.</p>\n");
	rp_puts(b, "<div class=\"player-bar\"><button id=\"play\" type=\"button\">Play all</button>"
	        "<button type=\"button\" data-step=\"-10\">&minus;10 s</button>"
	        "<button type=\"button\" data-step=\"-1\">&minus;1 s</button>"
	        "<button type=\"button\" data-step=\"-frame\">&minus;1 frame</button>"
	        "<button type=\"button\" data-step=\"frame\">+1 frame</button>"
	        "<button type=\"button\" data-step=\"1\">+1 s</button>"
	        "<button type=\"button\" data-step=\"10\">+10 s</button>");
	if (r->incident != VIDX_TIME_NONE)
		rp_printf(b, "<button type=\"button\" data-jump=\"%lld\">incident</button>",
		          (long long)r->incident);
	rp_puts(b, "<form id=\"jump-form\"><input id=\"jump\" type=\"text\" "
	        "placeholder=\"time: 2022-07-05T01:25:13Z or 21:25:13\" aria-label=\"jump to a time\">"
	        " <button type=\"submit\">Go</button> <span id=\"jump-error\"></span></form>"
	        "<div class=\"clock\">UTC <b id=\"now-utc\"></b> &middot; local <b id=\"now-local\"></b>"
	        " &middot; link <span id=\"link\" class=\"mono\"></span></div></div>\n");
	rp_printf(b, "<input id=\"scrub\" type=\"range\" min=\"0\" max=\"%lld\" value=\"0\" "
	          "aria-label=\"true time\">\n", (long long)((z - a) / 1000));
	rp_printf(b, "<p class=\"note screen-only\">Frame step: %.3f s.</p>\n", frame);
	rp_puts(b, "<div class=\"videos\">\n");
	for (i = 0; i < r->nclips; i++) {
		const rp_clip *c = &r->clips[i];
		const rp_cam *cam;
		if (!player_clip(c))
			continue;
		cam = cam_of(r, c->camera);
		rp_printf(b, "<figure class=\"cam-video\"><video data-index=\"%zu\" data-clip=\"", n);
		esc(b, c->rel);
		rp_printf(b, "\" data-pull=\"%lld\"%s src=\"", (long long)c->pull->seq,
		          c->playable ? "" : " data-proxy=\"1\"");
		rp_url(b, c->playable ? c->out : c->proxy);
		rp_puts(b, "\" preload=\"metadata\" muted playsinline></video><figcaption><b class=\"mono\">");
		esc(b, c->camera);
		rp_puts(b, "</b> ");
		if (cam)
			esc(b, cam->name);
		rp_puts(b, "<br><span class=\"mono\">");
		esc(b, c->rel);
		rp_puts(b, "</span>");
		if (!c->playable)
			rp_puts(b, " <span class=\"wc\">working copy: H.264 proxy</span>");
		rp_printf(b, "<br><label><input type=\"checkbox\" data-sound=\"%zu\"> sound</label> "
		          "<span class=\"state\"></span></figcaption></figure>\n", n);
		n++;
	}
	rp_puts(b, "</div>\n");
	if (!n)
		rp_puts(b, "<p>No clip of this case can be played by a browser.</p>\n");
	for (i = 0; i < r->nclips; i++) {
		const rp_clip *c = &r->clips[i];
		if (!c->out || c->playable)
			continue;
		if (!bad++)
			rp_puts(b, "<h3>Clips a browser cannot play</h3>\n<table><thead><tr><th>Clip</th>"
			        "<th>Why</th><th>Working copy</th></tr></thead><tbody>\n");
		rp_puts(b, "<tr><td class=\"mono\">");
		esc(b, c->rel);
		rp_puts(b, "</td><td>");
		esc(b, c->why_not ? c->why_not : "unknown");
		rp_puts(b, "</td><td>");
		if (c->proxy) {
			rp_puts(b, "<span class=\"wc\">working copy</span> <a href=\"");
			rp_url(b, c->proxy);
			rp_puts(b, "\" class=\"mono\">");
			esc(b, c->proxy);
			rp_printf(b, "</a><br><span class=\"hash\">SHA-256 %s</span>", c->proxy_sha256);
		} else if (c->proxy_problem) {
			rp_puts(b, "<span class=\"bad\">not made: ");
			esc(b, c->proxy_problem);
			rp_puts(b, "</span>");
		} else {
			rp_puts(b, "none (<code>vidx report --proxies</code> makes H.264 working copies)");
		}
		rp_puts(b, "<br>the clip itself: <a href=\"");
		rp_url(b, c->out);
		rp_puts(b, "\">open it</a> with a player that reads it</td></tr>\n");
	}
	if (bad)
		rp_puts(b, "</tbody></table>\n");
	rp_puts(b, "</section>\n");
}

static void verify_cell(const rp *r, rp_buf *b, const rp_clip *c)
{
	char u[64];
	if (!c->verify) {
		rp_puts(b, "<span class=\"warn\">never verified</span>");
		return;
	}
	if (!strcmp(c->verify, "ok"))
		rp_puts(b, "<span class=\"ok\">passed</span>");
	else {
		rp_puts(b, "<span class=\"bad\">FAILED</span>: ");
		esc(b, c->verify);
	}
	rp_printf(b, " (vidx verify, custody event %lld, %s, by ", (long long)c->verify_seq,
	          rp__utc(c->verify_at, u));
	esc(b, c->verify_by);
	rp_puts(b, ")");
	(void)r;
}

/* the clip's stills: working copies decoded from its sources */
static void stills(const rp *r, rp_buf *b, const rp_clip *c)
{
	int k, any = 0;
	char u[64];

	for (k = 0; k < 2; k++) {
		const rp_still *st = &c->still[k];
		if (!st->path && !st->problem)
			continue;
		if (!any++)
			rp_puts(b, "<div class=\"stills\">");
		rp_puts(b, "<figure>");
		if (st->path) {
			rp_puts(b, "<img src=\"");
			rp_url(b, st->path);
			rp_printf(b, "\" width=\"%d\" height=\"%d\" alt=\"", st->width, st->height);
			rp_puts(b, k ? "the frame on screen at the incident" : "the clip's first frame");
			rp_puts(b, "\">");
		}
		rp_printf(b, "<figcaption><span class=\"wc\">working copy</span> %s: %s",
		          k ? "at the incident" : "at its start", rp__utc(st->at, u));
		if (st->path) {
			rp_printf(b, "<br>frame %lld on screen from ", (long long)st->frame);
			rp_puts(b, rp__utc(st->frame_time, u));
			rp_printf(b, " (recording %lld)<br><span class=\"hash\">frame_hash %s</span>"
			          "<br><span class=\"hash\">PNG SHA-256 %s</span>",
			          (long long)st->recording_id, st->frame_hash, st->sha256);
		} else {
			rp_puts(b, "<br><span class=\"bad\">not made: ");
			esc(b, st->problem);
			rp_puts(b, "</span>");
		}
		rp_puts(b, "</figcaption></figure>");
	}
	if (any)
		rp_puts(b, "</div>\n");
	(void)r;
}

static void sec_clips(rp *r, rp_buf *b)
{
	size_t i, j;

	rp_puts(b, "<section id=\"clips\"><h2>Clips</h2>\n");
	rp_puts(b, "<table id=\"clip-table\"><thead><tr><th>#</th><th>Camera</th>"
	        "<th>Clip and its SHA-256</th><th>True start (UTC)</th><th>True end (UTC)</th>"
	        "<th>Length</th><th>Verify</th></tr></thead><tbody>\n");
	for (i = 0; i < r->nclips; i++) {
		const rp_clip *c = &r->clips[i];
		char s1[64], s2[64];
		rp_printf(b, "<tr data-clip=\"");
		esc(b, c->rel);
		rp_printf(b, "\"><td><a href=\"#clip-%zu\">%zu</a></td><td class=\"mono\">", i + 1, i + 1);
		esc(b, c->camera);
		rp_puts(b, "</td><td class=\"mono\">");
		esc(b, c->rel);
		if (!c->out)
			rp_puts(b, "<br><span class=\"bad\">not in this report</span>");
		rp_puts(b, "<br><span class=\"hash sum\">");
		esc(b, c->sha256);
		rp_printf(b, "</span></td><td class=\"mono\">%s</td><td class=\"mono\">%s</td>"
		          "<td>%.3f s</td><td>", rp__utc(c->start, s1), rp__utc(c->end, s2),
		          c->start != VIDX_TIME_NONE && c->end != VIDX_TIME_NONE ?
		          (double)(c->end - c->start) / US : 0.0);
		rp_puts(b, !c->verify ? "never" : !strcmp(c->verify, "ok") ? "<span class=\"ok\">passed</span>"
		        : "<span class=\"bad\">FAILED</span>");
		rp_puts(b, "</td></tr>\n");
	}
	rp_puts(b, "</tbody></table>\n");
	for (i = 0; i < r->nclips; i++) {
		const rp_clip *c = &r->clips[i];
		const rp_cam *cam = cam_of(r, c->camera);
		rp_printf(b, "<div class=\"card clip\" id=\"clip-%zu\" data-clip=\"", i + 1);
		esc(b, c->rel);
		rp_printf(b, "\"><h3>%zu. <span class=\"mono\">", i + 1);
		esc(b, c->camera);
		rp_puts(b, "</span> ");
		if (cam)
			esc(b, cam->name);
		rp_puts(b, "</h3>\n");
		if (c->problem) {
			rp_puts(b, "<p class=\"banner bad\">Not in this report: ");
			esc(b, c->problem);
			rp_puts(b, "</p>\n");
		}
		stills(r, b, c);
		rp_puts(b, "<dl class=\"facts\"><dt>Clip in the case folder</dt><dd class=\"mono\">");
		esc(b, c->rel);
		rp_puts(b, "</dd>");
		if (c->out) {
			rp_puts(b, "<dt>In this report</dt><dd><a class=\"mono\" href=\"");
			rp_url(b, c->out);
			rp_puts(b, "\">");
			esc(b, c->out);
			rp_printf(b, "</a> (%s; its SHA-256 checked against the manifest)</dd>",
			          !strcmp(c->how, "linked") ? "a hard link to the case folder's file"
			          : "a copy of the case folder's file");
		}
		rp_puts(b, "<dt>True time</dt><dd>");
		when(r, b, c->start);
		rp_puts(b, "<br>to ");
		when(r, b, c->end);
		rp_puts(b, "</dd><dt>Asked for</dt><dd class=\"mono\">");
		iso(b, c->req_start);
		rp_puts(b, " to ");
		iso(b, c->req_end);
		rp_puts(b, "</dd><dt>Camera clock</dt><dd class=\"mono\">");
		if (!isnan(c->correction_ms) && c->start != VIDX_TIME_NONE) {
			int64_t k = (int64_t)llround(c->correction_ms * 1000);
			iso(b, c->start + k);
			rp_puts(b, " to ");
			iso(b, c->end + k);
		} else {
			rp_puts(b, "-");
		}
		rp_puts(b, "</dd><dt>Clock correction</dt><dd>");
		correction(b, c->correction_ms);
		rp_puts(b, "</dd><dt>Format</dt><dd>");
		esc(b, c->format);
		rp_puts(b, ", ");
		esc(b, c->vcodec);
		if (c->profile && *c->profile) {
			rp_puts(b, " (");
			esc(b, c->profile);
			rp_puts(b, ")");
		}
		if (c->width)
			rp_printf(b, " %dx%d", c->width, c->height);
		if (c->fps > 0)
			rp_printf(b, " %.3g fps", c->fps);
		rp_puts(b, c->acodec ? ", sound " : ", no sound");
		esc(b, c->acodec);
		rp_puts(b, "</dd><dt>In the player</dt><dd>");
		if (!c->out)
			rp_puts(b, "no");
		else if (c->playable)
			rp_puts(b, "yes");
		else {
			rp_puts(b, "no: ");
			esc(b, c->why_not);
			if (c->proxy)
				rp_puts(b, "; played from its <span class=\"wc\">working copy</span>");
		}
		rp_puts(b, "</dd><dt>SHA-256</dt><dd class=\"hash\">");
		esc(b, c->sha256);
		if (c->size >= 0)
			rp_printf(b, " (%lld bytes)", (long long)c->size);
		rp_printf(b, "</dd><dt>Video packets</dt><dd class=\"hash\">%lld packets, packet hash ",
		          (long long)c->vpackets);
		esc(b, c->vhash);
		rp_puts(b, "</dd>");
		if (c->acodec) {
			rp_puts(b, "<dt>Audio packets</dt><dd class=\"hash\">");
			if (c->ahash) {
				rp_printf(b, "%lld packets, packet hash ", (long long)c->apackets);
				esc(b, c->ahash);
			} else {
				rp_puts(b, "not counted (a native clip holds the source's bytes)");
			}
			rp_puts(b, "</dd>");
		}
		rp_puts(b, "<dt>Last vidx verify</dt><dd>");
		verify_cell(r, b, c);
		rp_puts(b, "</dd>");
		if (c->proxy) {
			rp_puts(b, "<dt>Working copy</dt><dd><span class=\"wc\">working copy, not evidence</span> "
			        "<a class=\"mono\" href=\"");
			rp_url(b, c->proxy);
			rp_puts(b, "\">");
			esc(b, c->proxy);
			rp_printf(b, "</a><br><span class=\"hash\">SHA-256 %s (%lld bytes)</span><br>",
			          c->proxy_sha256, (long long)c->proxy_size);
			esc(b, c->proxy_how);
			rp_puts(b, "</dd>");
		}
		rp_puts(b, "</dl>\n");
		if (c->nsrc) {
			rp_puts(b, "<table class=\"sources\"><thead><tr><th>Source</th><th>SHA-256</th>"
			        "<th>Taken</th><th>Time source</th><th>Camera clock at its start</th>"
			        "<th>Checks</th></tr></thead><tbody>\n");
			for (j = 0; j < c->nsrc; j++) {
				const rp_src *s = &c->src[j];
				rp_printf(b, "<tr><td><span class=\"mono\">");
				esc(b, s->path);
				rp_puts(b, "</span>");
				if (s->host && *s->host) {
					rp_puts(b, " on ");
					esc(b, s->host);
				}
				if (s->recording_id >= 0)
					rp_printf(b, "<br>recording %lld, ", (long long)s->recording_id);
				else
					rp_puts(b, "<br>not in the index now, ");
				esc(b, s->format);
				rp_printf(b, ", %lld bytes</td><td class=\"hash\">", (long long)s->size);
				esc(b, s->sha256);
				rp_printf(b, "</td><td>bytes %lld to %lld<br>%lld video packets</td><td>",
				          (long long)s->byte_start, (long long)s->byte_end,
				          (long long)s->video_packets);
				esc(b, s->time_source);
				rp_puts(b, "</td><td class=\"mono\">");
				iso(b, s->camera_start);
				rp_puts(b, "</td><td>");
				rp_puts(b, s->sha256_checked ? "hashed again while cut" :
				        "<span class=\"warn\">not hashed while cut</span>");
				rp_puts(b, "<br>vidx verify --case: ");
				if (!s->verify)
					rp_puts(b, "never");
				else if (!strcmp(s->verify, "ok"))
					rp_puts(b, "<span class=\"ok\">ok</span>");
				else {
					rp_puts(b, "<span class=\"bad\">");
					esc(b, s->verify);
					rp_puts(b, "</span>");
				}
				rp_puts(b, "</td></tr>\n");
			}
			rp_puts(b, "</tbody></table>\n");
		}
		rp_puts(b, "</div>\n");
	}
	rp_puts(b, "</section>\n");
}

static void sec_custody(rp *r, rp_buf *b)
{
	size_t i;
	char u[64];

	rp_puts(b, "<section id=\"custody\"><h2>Custody</h2>\n");
	if (r->broken)
		rp_printf(b, "<p class=\"banner bad\">The custody log is BROKEN: %zu event%s fail%s "
		          "the check (edited, or an event before removed).</p>\n", r->broken,
		          r->broken == 1 ? "" : "s", r->broken == 1 ? "s" : "");
	else
		rp_printf(b, "<p class=\"banner good\">The custody log is intact: each of its %zu "
		          "events hashes to the hash it holds, and holds the hash of the one before."
		          "</p>\n", r->nev);
	rp_puts(b, "<table id=\"custody-table\"><thead><tr><th>#</th><th>When (UTC)</th><th>By</th>"
	        "<th>What</th><th>Detail</th><th>Hash</th><th>Check</th></tr></thead><tbody>\n");
	for (i = 0; i < r->nev; i++) {
		const rp_event *e = &r->ev[i];
		rp_printf(b, "<tr><td>%lld</td><td class=\"mono\">%s</td><td>", (long long)e->seq,
		          rp__utc(e->at, u));
		esc(b, e->by);
		rp_puts(b, "</td><td>");
		esc(b, e->kind);
		rp_puts(b, "</td><td>");
		esc(b, rp__event_summary(r, e));
		rp_puts(b, "</td><td class=\"hash\">");
		esc(b, e->hash);
		rp_puts(b, "</td><td>");
		if (e->problem) {
			rp_puts(b, "<span class=\"bad\">");
			esc(b, e->problem);
			rp_puts(b, "</span>");
		} else {
			rp_puts(b, "<span class=\"ok\">ok</span>");
		}
		rp_puts(b, "</td></tr>\n");
	}
	rp_puts(b, "</tbody></table>\n<p class=\"note\">Making this report adds a "
	        "<code>report</code> event to the log, holding the SHA-256 of this folder's "
	        "<code>report-manifest.json</code>.</p>\n</section>\n");
}

static void cmd_start(rp_buf *b, const char *id)
{
	rp_puts(b, "<pre class=\"cmd\"");
	if (id) {
		rp_puts(b, " data-cmd=\"");
		esc(b, id);
		rp_puts(b, "\"");
	}
	rp_puts(b, ">");
}

static void sec_reproduce(rp *r, rp_buf *b)
{
	rp_buf c = {0};
	size_t i, j;

	rp_puts(b, "<section id=\"reproduce\"><h2>Reproduce and re-check</h2>\n");
	rp_puts(b, "<p class=\"note\">Exact commands, as run where the report was made (on a "
	        "copy of this folder, <code>cd</code> to the folder that holds "
	        "<code>report.html</code> instead).</p>\n<h3>Check this report's folder</h3>\n");
	cmd_start(b, "check-report");
	rp_puts(&c, "cd ");
	rp_shell(&c, r->dir);
	rp_puts(&c, " && sha256sum -c SHA256SUMS");
	esc(b, c.s);
	rp_puts(b, "</pre>\n");
	c.n = 0;
	for (i = 0; i < r->npulls; i++) {
		const rp_pull *p = &r->pulls[i];
		if (!p->folder)
			continue;
		rp_printf(b, "<h3>Check the case folder of pull %lld</h3>\n", (long long)p->seq);
		cmd_start(b, rp__strf(r, "check-pull-%lld", (long long)p->seq));
		c.n = 0;
		if (c.s)
			c.s[0] = 0;
		rp_puts(&c, "cd ");
		rp_shell(&c, p->folder);
		rp_puts(&c, " && sha256sum -c SHA256SUMS\nvidx verify -d ");
		rp_shell(&c, r->index_path);
		rp_puts(&c, " --by ");
		rp_shell(&c, r->o->by);
		rp_puts(&c, " ");
		rp_shell(&c, p->folder);
		rp_puts(&c, "\nvidx verify -d ");
		rp_shell(&c, r->index_path);
		rp_puts(&c, " --by ");
		rp_shell(&c, r->o->by);
		rp_puts(&c, " --case ");
		rp_shell(&c, r->case_id);
		rp_puts(&c, "\nvidx case -d ");
		rp_shell(&c, r->index_path);
		rp_puts(&c, " log ");
		rp_shell(&c, r->case_id);
		esc(b, c.s);
		rp_puts(b, "</pre>\n");
	}
	rp_puts(b, "<h3>Cut each clip again</h3>\n<p class=\"note\">Each clip's spans, fed to "
	        "<code>vidx pull</code>: with the same sources and the same libavformat it "
	        "writes the same bytes, which <code>cmp</code> then shows; for an MP4 clip, "
	        "up to the ONVIF export box at its end, which records when each export "
	        "was made (<code>cmp -n</code>).</p>\n");
	for (i = 0; i < r->nclips; i++) {
		const rp_clip *k = &r->clips[i];
		const char *out;
		if (!k->nsrc || !k->pull->folder)
			continue;
		out = rp__strf(r, "recut-%lld-%zu", (long long)k->pull->seq, i + 1);
		rp_printf(b, "<p class=\"mono\">%zu. ", i + 1);
		esc(b, k->rel);
		rp_puts(b, "</p>\n");
		cmd_start(b, rp__strf(r, "recut-%zu", i + 1));
		c.n = 0;
		if (c.s)
			c.s[0] = 0;
		rp_puts(&c, "printf '%s\\n'");
		for (j = 0; j < k->nsrc; j++) {
			json_t *o = json_object();
			char *line;
			json_object_set_new(o, "camera", vidx__jstr(k->camera));
			json_object_set_new(o, "start", vidx__jtime(k->src[j].req_start));
			json_object_set_new(o, "end", vidx__jtime(k->src[j].req_end));
			if (k->src[j].recording_id >= 0)
				json_object_set_new(o, "recording_id", json_integer(k->src[j].recording_id));
			line = json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII);
			json_decref(o);
			rp_puts(&c, " \\\n    ");
			rp_shell(&c, line ? line : "");
			free(line);
		}
		rp_puts(&c, " |\n  vidx pull -d ");
		rp_shell(&c, r->index_path);
		rp_puts(&c, " --case ");
		rp_shell(&c, r->case_id);
		rp_puts(&c, " --by ");
		rp_shell(&c, r->o->by);
		rp_puts(&c, " --out ");
		rp_shell(&c, out);
		if (!strcmp(k->format, "mkv"))
			rp_puts(&c, " --format mkv");
		else if (!strcmp(k->format, "native"))
			rp_puts(&c, " --format native");
		rp_puts(&c, " -\ncmp ");
		{
			/* the export box records its export's time: compare before it */
			int64_t meta = vidx__oeff_meta_offset(rp__strf(r, "%s/%s", k->pull->folder,
			                                                 k->rel));
			if (meta > 0)
				rp_printf(&c, "-n %lld ", (long long)meta);
		}
		rp_shell(&c, rp__strf(r, "%s/%s", out, k->rel));
		rp_puts(&c, " ");
		rp_shell(&c, rp__strf(r, "%s/%s", k->pull->folder, k->rel));
		esc(b, c.s);
		rp_puts(b, "</pre>\n");
		if (k->proxy) {
			rp_puts(b, "<p class=\"note\">Its working copy, made the same way by ffmpeg "
			        "(equivalent, not byte for byte):</p>\n");
			cmd_start(b, NULL);
			c.n = 0;
			if (c.s)
				c.s[0] = 0;
			rp_puts(&c, "ffmpeg -i ");
			rp_shell(&c, rp__strf(r, "%s/%s", k->pull->folder, k->rel));
			rp_puts(&c, " -map 0:v:0 -map '0:a:0?' -c:v libx264 -preset veryfast -crf 20 "
			        "-bf 0 -threads 1 -pix_fmt yuv420p -fps_mode passthrough -c:a aac "
			        "-b:a 128k -movflags +faststart proxy.mp4");
			esc(b, c.s);
			rp_puts(b, "</pre>\n");
		}
	}
	rp_buf_free(&c);
	rp_puts(b, "</section>\n");
}

static void sec_files(rp *r, rp_buf *b)
{
	size_t i;

	rp_puts(b, "<section id=\"files\"><h2>Files of this report</h2>\n<p class=\"note\">"
	        "<code>SHA256SUMS</code> lists them all with <code>report.html</code> and "
	        "<code>report-manifest.json</code>; the manifest says what each one is.</p>\n");
	rp_puts(b, "<table><thead><tr><th>File</th><th>What</th><th>Bytes</th><th>SHA-256</th>"
	        "</tr></thead><tbody>\n");
	for (i = 0; i < r->nfiles; i++) {
		const rp_file *f = &r->files[i];
		rp_puts(b, "<tr><td class=\"mono\"><a href=\"");
		rp_url(b, f->rel);
		rp_puts(b, "\">");
		esc(b, f->rel);
		rp_puts(b, "</a></td><td>");
		if (!strcmp(f->kind, "proxy") || !strcmp(f->kind, "still"))
			rp_puts(b, "<span class=\"wc\">working copy</span> ");
		esc(b, f->note);
		rp_printf(b, "</td><td>%lld</td><td class=\"hash\">%s</td></tr>\n", (long long)f->size,
		          f->sha256);
	}
	rp_puts(b, "</tbody></table>\n</section>\n");
}

int rp__html(rp *r, rp_buf *b)
{
	char jsh[64], cssh[64], u[64];
	char *data;
	double frame = 0;
	size_t i, problems = 0;

	for (i = 0; i < r->nclips; i++) {
		if (r->clips[i].fps > 0 && (frame == 0 || 1 / r->clips[i].fps < frame))
			frame = 1 / r->clips[i].fps;
		problems += r->clips[i].problem != NULL;
	}
	if (frame == 0)
		frame = 0.04;
	if (!(data = page_data(r, frame)))
		return vidx__fail(r->h, VIDX_ENOMEM, "out of memory");
	csp_hash(vidx__report_js, jsh);
	csp_hash(vidx__report_css, cssh);
	rp_puts(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
	rp_printf(b, "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
	          "script-src 'sha256-%s'; style-src 'sha256-%s'; img-src 'self' file:; "
	          "media-src 'self' file:; base-uri 'none'; form-action 'none'\">\n", jsh, cssh);
	rp_puts(b, "<meta name=\"referrer\" content=\"no-referrer\">\n"
	        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	        "<meta name=\"generator\" content=\"vidx-report " VIDX_VERSION "\">\n<title>Case ");
	esc(b, r->case_id);
	rp_puts(b, " \xe2\x80\x94 ");
	esc(b, r->title);
	rp_puts(b, "</title>\n<style>");
	rp_puts(b, vidx__report_css);
	rp_puts(b, "</style>\n</head>\n<body>\n<header class=\"top\"><div class=\"kicker\">vidx case "
	        "report &middot; working copy</div><h1>");
	esc(b, r->case_id);
	rp_puts(b, " \xe2\x80\x94 ");
	esc(b, r->title);
	rp_printf(b, "</h1><p>Made by vidx-report %s on %s by ", VIDX_VERSION, rp__utc(r->made, u));
	esc(b, r->o->by);
	rp_puts(b, ", from the index and the case's custody log.  The evidence is the case "
	        "folder and its log; the clips here are copies of it, each checked against "
	        "its SHA-256.</p></header>\n");
	rp_puts(b, "<nav class=\"toc\"><a href=\"#case\">Case</a><a href=\"#map\">Map</a>"
	        "<a href=\"#coverage\">Coverage</a><a href=\"#player\">Player</a>"
	        "<a href=\"#clips\">Clips</a><a href=\"#custody\">Custody</a>"
	        "<a href=\"#reproduce\">Reproduce</a><a href=\"#files\">Files</a></nav>\n<main>\n");
	if (problems || r->broken)
		rp_printf(b, "<p class=\"banner bad\">%s%s%s</p>\n", r->broken ? "The custody log "
		          "is BROKEN. " : "", problems ? "Some clips of the case are NOT in this "
		          "report: " : "", problems ? "see Clips." : "");
	sec_case(r, b);
	sec_map(r, b);
	sec_coverage(r, b);
	sec_player(r, b, frame);
	sec_clips(r, b);
	sec_custody(r, b);
	sec_reproduce(r, b);
	sec_files(r, b);
	rp_puts(b, "</main>\n<footer>vidx-report " VIDX_VERSION ": a working copy made from case ");
	esc(b, r->case_id);
	rp_puts(b, ".  Times are true time (each camera's clock corrected), UTC and local.</footer>\n");
	rp_puts(b, "<script type=\"application/json\" id=\"vidx-data\">");
	rp_puts(b, data);
	rp_puts(b, "</script>\n<script>");
	rp_puts(b, vidx__report_js);
	rp_puts(b, "</script>\n</body>\n</html>\n");
	free(data);
	if (b->oom)
		return vidx__fail(r->h, VIDX_ENOMEM, "out of memory");
	return 0;
}
