/*
 * report_svg.c - the report's two drawings, as inline SVG: the map of the
 * cameras around the scene, and the coverage timeline of every camera on
 * one true-time axis.
 *
 * The map uses a local equirectangular projection centred on the scene:
 * over the few hundred metres of a canvass it is true to a fraction of a
 * percent, so the scale bar and the radius ring can be trusted.
 */
#define _DEFAULT_SOURCE
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"

#define US 1000000LL
#define EARTH_M 6371008.8
#define CHAR_W 6.4 /* average advance of an 11 px sans-serif character */

double rp__nice_step(double span, int n)
{
	double raw = span / (n > 0 ? n : 1), p, f;

	if (!(raw > 0))
		return 1;
	p = pow(10, floor(log10(raw)));
	f = raw / p;
	return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * p;
}

void rp__axis(const rp *r, int64_t *a, int64_t *b)
{
	int64_t x = r->from, y = r->to, pad;

	if (r->incident != VIDX_TIME_NONE) {
		x = r->incident < x ? r->incident : x;
		y = r->incident > y ? r->incident : y;
	}
	pad = (y - x) / 50;
	*a = x - pad;
	*b = y + pad;
}

/* ---- the map ----------------------------------------------------------------- */

typedef struct box {
	double x0, y0, x1, y1;
} box;

static int overlaps(const box *a, const box *b)
{
	return a->x0 < b->x1 && b->x0 < a->x1 && a->y0 < b->y1 && b->y0 < a->y1;
}

static void fmt_dist(char *b, size_t n, double m)
{
	if (isnan(m))
		snprintf(b, n, "?");
	else if (m >= 1000)
		snprintf(b, n, "%.2f km", m / 1000);
	else
		snprintf(b, n, "%.0f m", m);
}

/* metres per degree of longitude at the scene */
static double k_lon(const rp *r)
{
	return cos(r->lat * M_PI / 180) * EARTH_M * M_PI / 180;
}

static int has_footage(const rp_cam *c)
{
	return c->cov && c->cov->covered_us > 0;
}

void rp__svg_map(const rp *r, rp_buf *b)
{
	const double W = 720, H = 480, M = 36;
	double ext = r->radius, s, k = cos(r->lat * M_PI / 180) * EARTH_M * M_PI / 180;
	double kl = EARTH_M * M_PI / 180, L;
	size_t nsp = (r->cover[0] ? r->cover[0]->nspans : 0) + (r->cover[1] ? r->cover[1]->nspans : 0);
	box *taken = calloc(r->ncams * 2 + nsp * 2 + 8, sizeof(*taken));
	size_t i, pass, nt = 0, nopos = 0;
	char d[32];

	/* every camera on the map, whether or not a place was asked, and
	 * every track of a mobile one */
	for (i = 0; i < r->ncams; i++)
		if (!isnan(r->cams[i].lat))
			ext = fmax(ext, vidx_distance_m(r->lat, r->lon, r->cams[i].lat, r->cams[i].lon));
	for (pass = 0; pass < 2; pass++)
		for (i = 0; r->cover[pass] && i < r->cover[pass]->nspans; i++) {
			const vidx_span *sp = &r->cover[pass]->spans[i];
			size_t j;
			for (j = 0; sp->mobile && j < sp->ntrail; j++)
				ext = fmax(ext, vidx_distance_m(r->lat, r->lon, sp->trail[j].lat,
				                                sp->trail[j].lon));
			if (sp->mobile && !isnan(sp->lat))
				ext = fmax(ext, vidx_distance_m(r->lat, r->lon, sp->lat, sp->lon));
		}
	ext = ext < 25 ? 25 : ext * 1.12;
	s = (fmin(W, H) / 2 - M) / ext; /* px per metre */
	rp_printf(b, "<svg id=\"map-svg\" class=\"drawing\" xmlns=\"http://www.w3.org/2000/svg\" "
	          "viewBox=\"0 0 %.0f %.0f\" role=\"img\" aria-label=\"Map of the cameras\">\n",
	          W, H);
	rp_printf(b, "<rect class=\"map-bg\" x=\"0\" y=\"0\" width=\"%.0f\" height=\"%.0f\"/>\n", W, H);
	/* a light grid at the scale bar's step */
	L = rp__nice_step(120 / s, 1);
	{
		double g = L * s, x, y;
		rp_puts(b, "<g class=\"grid\">");
		for (x = fmod(W / 2, g); x < W; x += g)
			rp_printf(b, "<line x1=\"%.1f\" y1=\"0\" x2=\"%.1f\" y2=\"%.0f\"/>", x, x, H);
		for (y = fmod(H / 2, g); y < H; y += g)
			rp_printf(b, "<line x1=\"0\" y1=\"%.1f\" x2=\"%.0f\" y2=\"%.1f\"/>", y, W, y);
		rp_puts(b, "</g>\n");
	}
	if (r->has_place && r->radius > 0) {
		fmt_dist(d, sizeof(d), r->radius);
		rp_printf(b, "<circle class=\"ring\" cx=\"%.1f\" cy=\"%.1f\" r=\"%.1f\"/>\n",
		          W / 2, H / 2, r->radius * s);
		rp_printf(b, "<text class=\"ring-label\" x=\"%.1f\" y=\"%.1f\">radius %s</text>\n",
		          W / 2 + r->radius * s * 0.7071 + 4, H / 2 - r->radius * s * 0.7071 - 4, d);
	}
	if (r->has_place) {
		rp_printf(b, "<g class=\"scene\"><title>the scene: %.6f, %.6f</title>"
		          "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>"
		          "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/></g>\n",
		          r->lat, r->lon, W / 2 - 9, H / 2, W / 2 + 9, H / 2, W / 2, H / 2 - 9,
		          W / 2, H / 2 + 9);
		if (taken)
			taken[nt++] = (box){W / 2 - 10, H / 2 - 10, W / 2 + 10, H / 2 + 10};
	}
	/* the points first (labels must not cover any), then the labels */
	for (i = 0; i < r->ncams; i++) {
		const rp_cam *c = &r->cams[i];
		double x, y;
		if (isnan(c->lat)) {
			nopos += !c->mobile;
			continue;
		}
		x = W / 2 + (c->lon - r->lon) * k * s;
		y = H / 2 - (c->lat - r->lat) * kl * s;
		if (taken)
			taken[nt++] = (box){x - 7, y - 7, x + 7, y + 7};
	}
	/* mobile cameras: each span's track as a line (its part in the window),
	 * or its one position, with the closest approach marked and labelled */
	for (pass = 0; pass < 2; pass++)
		for (i = 0; r->cover[pass] && i < r->cover[pass]->nspans; i++) {
			const vidx_span *sp = &r->cover[pass]->spans[i];
			double x, y, tw;
			char lab[200], u1[64], u2[64], u3[64];
			size_t j;
			if (!sp->mobile || (isnan(sp->lat) && !sp->ntrail))
				continue;
			rp_puts(b, "<g class=\"track\" data-camera=\"");
			rp_html(b, sp->camera);
			rp_printf(b, "\" data-points=\"%zu\"><title>", sp->ntrail);
			rp_html(b, sp->camera);
			rp_printf(b, ": a mobile camera, its recording %lld from %s to %s", (long long)sp->recording_id,
			          rp__utc(sp->start, u1), rp__utc(sp->end, u2));
			if (!isnan(sp->closest_m))
				rp_printf(b, "; closest %.0f m from the scene at %s", sp->closest_m,
				          rp__utc(sp->closest_at, u3));
			rp_puts(b, "</title>");
			if (sp->ntrail > 1) {
				rp_puts(b, "<polyline points=\"");
				for (j = 0; j < sp->ntrail; j++)
					rp_printf(b, "%s%.1f,%.1f", j ? " " : "",
					          W / 2 + (sp->trail[j].lon - r->lon) * k_lon(r) * s,
					          H / 2 - (sp->trail[j].lat - r->lat) * kl * s);
				rp_puts(b, "\"/>");
			}
			x = W / 2 + ((isnan(sp->lon) ? sp->trail[0].lon : sp->lon) - r->lon) * k_lon(r) * s;
			y = H / 2 - ((isnan(sp->lat) ? sp->trail[0].lat : sp->lat) - r->lat) * kl * s;
			fmt_dist(d, sizeof(d), sp->closest_m);
			if (isnan(sp->closest_m))
				snprintf(lab, sizeof(lab), "%s", sp->camera);
			else
				snprintf(lab, sizeof(lab), "%s \xc2\xb7 %s", sp->camera, d);
			tw = (double)strlen(lab) * CHAR_W;
			rp_printf(b, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\"/><text x=\"%.1f\" y=\"%.1f\">",
			          x, y, x + 8, y - 8);
			rp_html(b, lab);
			rp_puts(b, "</text></g>\n");
			if (taken) {
				taken[nt++] = (box){x - 5, y - 5, x + 5, y + 5};
				taken[nt++] = (box){x + 8, y - 20, x + 8 + tw, y - 6};
			}
		}
	for (i = 0; i < r->ncams; i++) {
		const rp_cam *c = &r->cams[i];
		double x, y, tw;
		char lab[200];
		int j, best = 0;
		box cand[4];
		if (isnan(c->lat))
			continue;
		x = W / 2 + (c->lon - r->lon) * k * s;
		y = H / 2 - (c->lat - r->lat) * kl * s;
		fmt_dist(d, sizeof(d), c->dist);
		if (isnan(c->dist))
			snprintf(lab, sizeof(lab), "%s", c->id);
		else
			snprintf(lab, sizeof(lab), "%s \xc2\xb7 %s", c->id, d);
		tw = (double)(strlen(lab) - (isnan(c->dist) ? 0 : 1)) * CHAR_W;
		cand[0] = (box){x + 10, y - 7, x + 10 + tw, y + 7};
		cand[1] = (box){x - 10 - tw, y - 7, x - 10, y + 7};
		cand[2] = (box){x - tw / 2, y - 24, x + tw / 2, y - 10};
		cand[3] = (box){x - tw / 2, y + 10, x + tw / 2, y + 24};
		for (j = 0; j < 4; j++) {
			size_t t;
			int ok = cand[j].x0 >= 2 && cand[j].x1 <= W - 2 && cand[j].y0 >= 2 &&
			         cand[j].y1 <= H - 2;
			for (t = 0; ok && taken && t < nt; t++)
				ok = !overlaps(&cand[j], &taken[t]);
			if (ok) {
				best = j;
				break;
			}
			if (j == 3)
				best = cand[0].x1 <= W - 2 ? 0 : 1;
		}
		if (taken)
			taken[nt++] = cand[best];
		rp_puts(b, "<g class=\"cam");
		rp_puts(b, has_footage(c) ? " footage" : " none");
		if (c->nclips)
			rp_puts(b, " pulled");
		rp_puts(b, "\" data-camera=\"");
		rp_html(b, c->id);
		rp_puts(b, "\"><title>");
		rp_html(b, c->id);
		if (c->name && *c->name) {
			rp_puts(b, ": ");
			rp_html(b, c->name);
		}
		if (!isnan(c->dist))
			rp_printf(b, " (%s from the scene)", d);
		rp_printf(b, ": %s", has_footage(c) ? "footage in the window"
		          : "no footage in the window");
		rp_printf(b, "</title><circle cx=\"%.1f\" cy=\"%.1f\" r=\"6\"/>", x, y);
		rp_printf(b, "<text x=\"%.1f\" y=\"%.1f\"%s>", best == 1 ? cand[1].x1 : best >= 2
		          ? x : cand[0].x0, (cand[best].y0 + cand[best].y1) / 2 + 4,
		          best == 1 ? " text-anchor=\"end\"" : best >= 2 ? " text-anchor=\"middle\"" : "");
		rp_html(b, lab);
		rp_puts(b, "</text></g>\n");
	}
	/* scale bar: bottom left, two halves */
	{
		double px = L * s, x0 = 16, y0 = H - 22;
		fmt_dist(d, sizeof(d), L);
		rp_printf(b, "<g class=\"scale\"><rect class=\"a\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
		          "height=\"6\"/><rect class=\"b\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
		          "height=\"6\"/><text x=\"%.1f\" y=\"%.1f\">0</text><text x=\"%.1f\" "
		          "y=\"%.1f\" text-anchor=\"middle\">%s</text></g>\n", x0, y0, px / 2,
		          x0 + px / 2, y0, px / 2, x0 - 3, y0 - 4, x0 + px, y0 - 4, d);
	}
	/* north arrow: top right (the projection keeps north up) */
	rp_printf(b, "<g class=\"north\"><path d=\"M %.1f %.1f L %.1f %.1f L %.1f %.1f L %.1f %.1f Z\"/>"
	          "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">N</text></g>\n",
	          W - 28, 18.0, W - 20, 44.0, W - 28, 38.0, W - 36, 44.0, W - 28, 60.0);
	/* legend: bottom right */
	rp_printf(b, "<g class=\"legend\" transform=\"translate(%.0f %.0f)\">"
	          "<rect class=\"legend-bg\" x=\"0\" y=\"0\" width=\"196\" height=\"%d\"/>"
	          "<g class=\"cam footage\"><circle cx=\"12\" cy=\"13\" r=\"6\"/></g>"
	          "<text x=\"24\" y=\"17\">footage in the window</text>"
	          "<g class=\"cam none\"><circle cx=\"12\" cy=\"31\" r=\"6\"/></g>"
	          "<text x=\"24\" y=\"35\">no footage in the window</text>"
	          "<g class=\"cam footage pulled\"><circle cx=\"12\" cy=\"49\" r=\"6\"/></g>"
	          "<text x=\"24\" y=\"53\">clips in this report</text>"
	          "<g class=\"track\"><polyline points=\"4,71 12,65 20,69\"/></g>"
	          "<text x=\"24\" y=\"71\">a mobile camera's track</text>%s</g>\n",
	          W - 204, H - (r->has_place ? 104.0 : 86.0), r->has_place ? 96 : 78,
	          r->has_place ? "<g class=\"scene\"><line x1=\"6\" y1=\"85\" x2=\"18\" y2=\"85\"/>"
	          "<line x1=\"12\" y1=\"79\" x2=\"12\" y2=\"91\"/></g>"
	          "<text x=\"24\" y=\"89\">the scene</text>" : "");
	rp_puts(b, "</svg>\n");
	if (nopos)
		rp_printf(b, "<p class=\"note\">%zu camera%s without a position not on the map.</p>\n",
		          nopos, nopos == 1 ? "" : "s");
	free(taken);
}

/* ---- the coverage timeline ------------------------------------------------------------ */

static const int64_t steps[] = {1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600,
                                7200, 10800, 21600, 43200, 86400, 172800, 604800};

static double tx(int64_t t, int64_t a, int64_t b, double x0, double x1)
{
	/* in double: a hostile manifest's time is far from the axis, and
	 * t - a in int64 would overflow */
	return x0 + ((double)t - (double)a) / ((double)b - (double)a) * (x1 - x0);
}

static void hhmmss(int64_t us, int64_t step_s, char *b, size_t n)
{
	int64_t s = us / US - (us % US < 0);
	time_t t = (time_t)s;
	struct tm tm;
	gmtime_r(&t, &tm);
	if (step_s >= 86400)
		strftime(b, n, "%m-%d", &tm);
	else if (step_s >= 60)
		strftime(b, n, "%H:%M", &tm);
	else
		strftime(b, n, "%H:%M:%S", &tm);
}

static int cam_order(const void *x, const void *y)
{
	const rp_cam *a = *(const rp_cam *const *)x, *b = *(const rp_cam *const *)y;
	int an = isnan(a->dist), bn = isnan(b->dist);
	if (an != bn)
		return an - bn;
	if (!an && a->dist != b->dist)
		return a->dist < b->dist ? -1 : 1;
	return strcmp(a->id, b->id);
}

void rp__svg_timeline(const rp *r, rp_buf *b)
{
	const double W = 960, LW = 210, X0 = LW, X1 = W - 16, TOP = 56, ROW = 30, NOTE = 15;
	int64_t a, z, step = 60, t, first;
	const rp_cam **order = malloc((r->ncams ? r->ncams : 1) * sizeof(*order));
	double y, height;
	size_t i, j, nrows = 0;
	char l1[32], l2[32];

	if (!order) {
		b->oom = 1;
		return;
	}
	for (i = 0; i < r->ncams; i++)
		order[i] = &r->cams[i];
	qsort(order, r->ncams, sizeof(*order), cam_order);
	for (i = 0; i < r->ncams; i++)
		nrows += order[i]->nobs;
	rp__axis(r, &a, &z);
	height = TOP + (double)r->ncams * ROW + (double)nrows * NOTE * 2 + 52;
	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		step = steps[i];
		if ((z - a) / (step * US) <= 9)
			break;
	}
	rp_printf(b, "<svg id=\"timeline-svg\" class=\"drawing\" xmlns=\"http://www.w3.org/2000/svg\" "
	          "viewBox=\"0 0 %.0f %.0f\" data-a=\"%lld\" data-b=\"%lld\" data-x0=\"%.0f\" "
	          "data-x1=\"%.0f\" role=\"img\" aria-label=\"Coverage timeline\">\n", W, height,
	          (long long)a, (long long)z, X0, X1);
	rp_printf(b, "<defs><pattern id=\"hatch\" width=\"6\" height=\"6\" "
	          "patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\">"
	          "<rect width=\"6\" height=\"6\" class=\"gap-bg\"/><line x1=\"0\" y1=\"0\" "
	          "x2=\"0\" y2=\"6\" class=\"gap-line\"/></pattern></defs>\n");
	rp_printf(b, "<rect class=\"tl-bg\" x=\"0\" y=\"0\" width=\"%.0f\" height=\"%.0f\"/>\n",
	          W, height);
	/* ticks on local time: labels in local time above, UTC below */
	rp_printf(b, "<text class=\"axis-title\" x=\"8\" y=\"20\">local (");
	rp_html(b, r->zone);
	rp_printf(b, ")</text><text class=\"axis-title\" x=\"8\" y=\"38\">UTC</text>\n");
	{
		int64_t off = rp__zone_off(r, a), st = step * US;
		first = a + off * US;
		first = (first / st + (first % st > 0)) * st - off * US;
	}
	rp_puts(b, "<g class=\"ticks\">");
	for (t = first; t <= z; t += step * US) {
		double x = tx(t, a, z, X0, X1);
		hhmmss(t + rp__zone_off(r, t) * US, step, l1, sizeof(l1));
		hhmmss(t, step, l2, sizeof(l2));
		rp_printf(b, "<line x1=\"%.1f\" y1=\"%.0f\" x2=\"%.1f\" y2=\"%.0f\"/>"
		          "<text x=\"%.1f\" y=\"20\" text-anchor=\"middle\">%s</text>"
		          "<text class=\"utc\" x=\"%.1f\" y=\"38\" text-anchor=\"middle\">%s</text>",
		          x, TOP - 10, x, height - 44, x, l1, x, l2);
	}
	rp_puts(b, "</g>\n");
	y = TOP;
	for (i = 0; i < r->ncams; i++) {
		const rp_cam *c = order[i];
		const vidx_coverage *cv = c->cov;
		double rh = ROW + (double)c->nobs * NOTE * 2;
		char d[32];
		rp_puts(b, "<g class=\"row\" data-camera=\"");
		rp_html(b, c->id);
		rp_puts(b, "\">");
		rp_printf(b, "<text class=\"row-id\" x=\"8\" y=\"%.1f\">", y + 13);
		rp_html(b, c->id);
		rp_puts(b, "</text>");
		fmt_dist(d, sizeof(d), c->dist);
		rp_printf(b, "<text class=\"row-sub\" x=\"8\" y=\"%.1f\">", y + 25);
		if (!isnan(c->dist))
			rp_printf(b, "%s \xc2\xb7 ", d);
		if (c->nobs) {
			double off = (double)(c->obs[c->nobs - 1].camera_time - c->obs[c->nobs - 1].true_time) / US;
			rp_printf(b, "clock %+.1f s \xc2\xb7 ", off);
		}
		if (cv)
			rp_printf(b, "%.1f%% covered", 100.0 * (double)cv->covered_us /
			          (double)(r->to - r->from));
		else
			rp_puts(b, "not in the index");
		rp_puts(b, "</text>");
		/* the window: hatched where not covered, bars where covered */
		rp_printf(b, "<rect class=\"gap\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"14\">"
		          "<title>not covered</title></rect>", tx(r->from, a, z, X0, X1), y + 4,
		          tx(r->to, a, z, X0, X1) - tx(r->from, a, z, X0, X1));
		for (j = 0; cv && j < cv->ncovered; j++) {
			char s1[64], s2[64];
			double x0 = tx(cv->covered[j].start, a, z, X0, X1);
			double x1 = tx(cv->covered[j].end, a, z, X0, X1);
			rp_printf(b, "<rect class=\"footage\" x=\"%.2f\" y=\"%.1f\" width=\"%.2f\" "
			          "height=\"14\"><title>footage %s to %s</title></rect>", x0, y + 4,
			          x1 - x0 < 1 ? 1 : x1 - x0, rp__utc(cv->covered[j].start, s1),
			          rp__utc(cv->covered[j].end, s2));
		}
		for (j = 0; j < r->nclips; j++) {
			const rp_clip *k = &r->clips[j];
			double x0, x1;
			if (strcmp(k->camera, c->id) || k->start == VIDX_TIME_NONE ||
			    k->end == VIDX_TIME_NONE)
				continue;
			x0 = tx(k->start, a, z, X0, X1);
			x1 = tx(k->end, a, z, X0, X1);
			rp_printf(b, "<rect class=\"clip%s\" data-clip=\"", k->out ? "" : " missing");
			rp_html(b, k->rel);
			rp_printf(b, "\" x=\"%.2f\" y=\"%.1f\" width=\"%.2f\" height=\"6\"><title>clip ",
			          x0, y + 20, x1 - x0 < 2 ? 2 : x1 - x0);
			rp_html(b, k->rel);
			rp_puts(b, k->out ? "" : " (not in this report)");
			rp_puts(b, "</title></rect>");
		}
		for (j = 0; j < c->nobs; j++) {
			const vidx_clock_obs *o = &c->obs[j];
			double off = (double)(o->camera_time - o->true_time) / US;
			double ly = y + ROW + (double)j * NOTE * 2 + 10;
			char rec[64], note[400];
			/* two lines: what was seen, then who saw it and how (a long note
			 * is cut here and shown whole in the table below) */
			rp_printf(b, "<text class=\"obs\" x=\"16\" y=\"%.1f\">clock corrected %+.3f s "
			          "(camera %s): the camera showed ", ly, off,
			          off > 0 ? "ahead" : off < 0 ? "behind" : "right");
			rp_html(b, o->camera_time_raw);
			rp_puts(b, " when the true time was ");
			rp_html(b, o->true_time_raw);
			rp_printf(b, "</text><text class=\"obs\" x=\"16\" y=\"%.1f\">observed by ", ly + NOTE);
			rp_html(b, o->by);
			rp_printf(b, ", recorded %s", rp__utc(o->recorded, rec));
			if (o->note && *o->note) {
				size_t k = 0, cut = 0;
				/* at most 90 characters, cut between UTF-8 sequences */
				while (o->note[k] && cut < 90)
					if (((unsigned char)o->note[++k] & 0xc0) != 0x80)
						cut++;
				snprintf(note, sizeof(note), "%.*s%s", (int)k, o->note,
				         o->note[k] ? "\xe2\x80\xa6" : "");
				rp_puts(b, " \xe2\x80\x94 how: ");
				rp_html(b, note);
			}
			rp_puts(b, "</text>");
		}
		rp_puts(b, "</g>\n");
		y += rh;
	}
	/* the question's window, and the incident */
	for (i = 0; i < r->npulls; i++) {
		const rp_pull *p = &r->pulls[i];
		if (p->from == VIDX_TIME_NONE)
			continue;
		rp_printf(b, "<line class=\"window\" x1=\"%.1f\" y1=\"%.0f\" x2=\"%.1f\" y2=\"%.1f\"/>"
		          "<line class=\"window\" x1=\"%.1f\" y1=\"%.0f\" x2=\"%.1f\" y2=\"%.1f\"/>\n",
		          tx(p->from, a, z, X0, X1), TOP - 10, tx(p->from, a, z, X0, X1), y,
		          tx(p->to, a, z, X0, X1), TOP - 10, tx(p->to, a, z, X0, X1), y);
	}
	if (r->incident != VIDX_TIME_NONE) {
		double x = tx(r->incident, a, z, X0, X1);
		char s1[64];
		rp_printf(b, "<g class=\"incident\"><line x1=\"%.1f\" y1=\"%.0f\" x2=\"%.1f\" y2=\"%.1f\"/>"
		          "<text x=\"%.1f\" y=\"%.0f\" text-anchor=\"%s\">incident %s</text></g>\n",
		          x, TOP - 12, x, y, x + (x > W - 160 ? -4 : 4), TOP - 1,
		          x > W - 160 ? "end" : "start", rp__local(r, r->incident, 0, s1) + 11);
	}
	rp_printf(b, "<line id=\"tl-cursor\" class=\"cursor\" x1=\"%.1f\" y1=\"%.0f\" x2=\"%.1f\" "
	          "y2=\"%.1f\"/>\n", X0, TOP - 10, X0, y);
	/* legend */
	y += 18;
	rp_printf(b, "<g class=\"tl-legend\" transform=\"translate(%.0f %.1f)\">"
	          "<rect class=\"footage\" x=\"0\" y=\"0\" width=\"22\" height=\"12\"/>"
	          "<text x=\"28\" y=\"10\">footage</text>"
	          "<rect class=\"gap\" x=\"100\" y=\"0\" width=\"22\" height=\"12\"/>"
	          "<text x=\"128\" y=\"10\">not covered</text>"
	          "<rect class=\"clip\" x=\"230\" y=\"3\" width=\"22\" height=\"6\"/>"
	          "<text x=\"258\" y=\"10\">clip pulled</text>"
	          "<line class=\"window\" x1=\"356\" y1=\"-2\" x2=\"356\" y2=\"14\"/>"
	          "<text x=\"362\" y=\"10\">the window asked</text>"
	          "<g class=\"incident\"><line x1=\"490\" y1=\"-2\" x2=\"490\" y2=\"14\"/></g>"
	          "<text x=\"496\" y=\"10\">incident</text></g>\n", X0, y);
	rp_puts(b, "</svg>\n");
	free(order);
}
