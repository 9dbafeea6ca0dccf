/* vidx-pull - cut the footage of a question into a case folder, losslessly. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../libindex/vidx.h"
#include "cli.h"

static void usage(void)
{
	printf(
"usage: vidx-pull [-hV] [-d db] --case id --out dir [--by name] [--key file]\n"
"                 [--host name] [--sign [--cert file --cert-key file]]\n"
"                 [--format mp4|mkv|native] [--no-source-hash] [--json]\n"
"                 [--near lat,lon --radius dist] [--bbox s,w,n,e]\n"
"                 [-c camera ...] [--tag tag ...]\n"
"                 (--from time --to time | --at time --pad duration | -)\n"
"                 [-z zone]\n"
"\n"
"Pull the footage a question finds (the selectors and window of\n"
"vidx-query, or the spans vidx-query --json printed, read from standard\n"
"input with '-') into DIR, without re-encoding: one clip per continuous\n"
"stretch of a camera's footage, from the keyframe at or before the start to\n"
"the first frame at or after the end; spans of consecutive recordings join,\n"
"a gap starts a new clip.  Writes DIR/CAMERA/CAMERA_YYYYmmddTHHMMSSZ_Ns.ext,\n"
"DIR/manifest.json and DIR/SHA256SUMS, and records the pull in the case's\n"
"custody log.  Existing files are never overwritten.\n"
"\n"
"  --case ID               the case (vidx-case new) the footage is for\n"
"  --out DIR               the case folder (made if missing; must not hold\n"
"                          a pull already)\n"
"  --by NAME               the operator (default: the key's, else $USER)\n"
"  --key FILE              sign the manifest (manifest.json.sig) and the\n"
"                          custody event with this key (default\n"
"                          $XDG_CONFIG_HOME/vidx/key, when there is one)\n"
"  --sign                  sign each MP4 clip as the ONVIF Export File\n"
"                          Format asks (RSASSA-PSS, X.509 certificate)\n"
"  --cert FILE, --cert-key FILE\n"
"                          the certificate and its key for --sign (default\n"
"                          $XDG_CONFIG_HOME/vidx/cert.pem, cert-key.pem)\n"
"  --host NAME             the machine this is (default: its name): sources\n"
"                          held by another host are named, not read\n"
"  --format F              mp4 (default; mkv when the streams do not fit\n"
"                          MP4), mkv, or native: the exact source bytes of\n"
"                          MPEG-TS, DHAV and raw streams, one clip per\n"
"                          recording\n"
"  --no-source-hash        do not re-hash each source while cutting (the\n"
"                          index's hash is trusted; default: a source whose\n"
"                          SHA-256 changed is refused)\n"
"  --json                  one JSON object per clip\n"
"  -d, --db PATH           index (default $VIDX_DB, else ./vidx.db)\n"
"  selectors and window:   as vidx-query(1)\n"
"\n"
"Exit 0 when every clip was written, 1 when some could not be (each named\n"
"on stderr; the others written), 2 on a usage error.\n");
	exit(EXIT_OK);
}

static vidx *h;
static int json_out, header;

static void on_clip(void *ctx, const vidx_clip *c)
{
	char b1[VIDX_TIME_BUFSZ], b2[VIDX_TIME_BUFSZ];
	(void)ctx;
	if (c->error) {
		cli_warn("%s %s .. %s: %s", c->camera, vidx_time_format(c->req_start, b1),
		         vidx_time_format(c->req_end, b2), c->error);
		if (!json_out)
			return;
	}
	if (json_out) {
		char *js = vidx_clip_json(c);
		if (js)
			puts(js);
		free(js);
		return;
	}
	if (!header++)
		printf("%-14s %-24s %-24s %9s %10s  %s\n", "CAMERA", "START", "END",
		       "DURATION", "SIZE", "CLIP");
	printf("%-14s %-24s %-24s %8.1fs %10lld  %s\n", c->camera,
	       vidx_time_format(c->start, b1), vidx_time_format(c->end, b2),
	       (c->end - c->start) / 1e6, (long long)c->size, c->path);
}

/* the spans of the windows on stdin, found again in the index */
static int spans_from_stdin(cli_sel *s, vidx_result ***res, size_t *nres,
                            vidx_span **spans, size_t *n, char **qjson)
{
	char *text = NULL;
	size_t len = 0, cap = 0, i, j, k;
	vidx_window *w = NULL;
	size_t nw = 0;
	int rc = 0;

	for (;;) {
		size_t r;
		if (len + 65536 > cap) {
			char *t = realloc(text, cap = cap * 2 + 65536);
			if (!t) {
				free(text);
				cli_warn("out of memory");
				return -1;
			}
			text = t;
		}
		r = fread(text + len, 1, cap - len - 1, stdin);
		len += r;
		if (r == 0)
			break;
	}
	text[len] = 0;
	if (ferror(stdin) || memchr(text, 0, len)) {
		cli_warn("standard input: %s", ferror(stdin) ? "read error" : "binary data");
		free(text);
		return -1;
	}
	if (vidx_windows_parse(h, text, &w, &nw) < 0) {
		cli_warn("standard input: %s", vidx_errmsg(h));
		free(text);
		return -1;
	}
	free(text);
	if (!nw) {
		cli_warn("standard input: no spans");
		return -1;
	}
	*qjson = vidx_windows_json(w, nw);
	if (!(*res = calloc(nw, sizeof(**res)))) {
		free(w);
		cli_warn("out of memory");
		return -1;
	}
	*nres = nw;
	for (i = 0; i < nw && rc == 0; i++) {
		const char *cam = w[i].camera;
		vidx_query q = s->q;
		size_t found = 0;
		q.cameras = &cam;
		q.ncameras = 1;
		q.has_near = q.has_bbox = 0;
		q.ntags = 0;
		q.from = w[i].from;
		q.to = w[i].to;
		if (vidx_query_run(h, &q, &(*res)[i]) < 0) {
			cli_warn("standard input, span %zu: %s", i + 1, vidx_errmsg(h));
			rc = -1;
			break;
		}
		for (j = 0; j < (*res)[i]->nspans; j++) {
			vidx_span *sp = &(*res)[i]->spans[j];
			if (w[i].recording_id >= 0 && sp->recording_id != w[i].recording_id)
				continue;
			/* a span given twice (or overlapping) is pulled once */
			for (k = 0; k < *n; k++)
				if ((*spans)[k].segment_id == sp->segment_id &&
				    (*spans)[k].start < sp->end && sp->start < (*spans)[k].end)
					break;
			found++;
			if (k < *n) {
				if (sp->start < (*spans)[k].start)
					(*spans)[k] = *sp;
				if (sp->end > (*spans)[k].end)
					(*spans)[k].end = sp->end, (*spans)[k].camera_end = sp->camera_end;
				continue;
			}
			{
				vidx_span *ns = realloc(*spans, (*n + 1) * sizeof(**spans));
				if (!ns) {
					cli_warn("out of memory");
					rc = -1;
					break;
				}
				*spans = ns;
				(*spans)[(*n)++] = *sp;
			}
		}
		if (rc == 0 && !found) {
			char b1[VIDX_TIME_BUFSZ], b2[VIDX_TIME_BUFSZ];
			cli_warn("standard input, span %zu (%s %s .. %s): no such footage in "
			         "the index", i + 1, cam, vidx_time_format(w[i].from, b1),
			         vidx_time_format(w[i].to, b2));
			rc = -1;
		}
	}
	free(w);
	return rc;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		CLI_SEL_OPTIONS,
		{"case", required_argument, NULL, 'K'},
		{"out", required_argument, NULL, 'o'},
		{"by", required_argument, NULL, 'b'},
		{"key", required_argument, NULL, 'k'},
		{"sign", no_argument, NULL, 'G'},
		{"cert", required_argument, NULL, 'C'},
		{"cert-key", required_argument, NULL, 'Q'},
		{"host", required_argument, NULL, 'S'},
		{"format", required_argument, NULL, 'F'},
		{"no-source-hash", no_argument, NULL, 'H'},
		{"json", no_argument, NULL, 'J'},
		{"db", required_argument, NULL, 'd'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	const char *db = cli_default_db(), *keyfile = NULL, *cert = NULL, *cert_key = NULL;
	vidx_pull_opts o;
	vidx_result *r = NULL, **res = NULL;
	vidx_span *spans = NULL;
	size_t nspans = 0, nres = 0, i;
	char *qjson = NULL;
	cli_sel s;
	int ch, rc = EXIT_OK, from_stdin = 0, n;

	cli_prog = "vidx-pull";
	memset(&s, 0, sizeof(s));
	memset(&o, 0, sizeof(o));
	if (!(h = vidx_new())) {
		cli_warn("out of memory");
		return EXIT_SOME_FAILED;
	}
	while ((ch = getopt_long(argc, argv, "c:z:d:hV", lo, NULL)) != -1) {
		if (cli_sel_option(&s, ch, optarg))
			continue;
		switch (ch) {
		case 'K': o.case_id = optarg; break;
		case 'o': o.out_dir = optarg; break;
		case 'b': o.by = optarg; break;
		case 'k': keyfile = optarg; break;
		case 'G': o.sign = 1; break;
		case 'C': cert = optarg; break;
		case 'Q': cert_key = optarg; break;
		case 'S':
			if (vidx_set_host(h, optarg) < 0)
				cli_usage_error("--host: %s", vidx_errmsg(h));
			break;
		case 'F':
			if (!strcmp(optarg, "mp4"))
				o.format = VIDX_FMT_MP4;
			else if (!strcmp(optarg, "mkv"))
				o.format = VIDX_FMT_MKV;
			else if (!strcmp(optarg, "native"))
				o.format = VIDX_FMT_NATIVE;
			else
				cli_usage_error("--format: mp4, mkv or native, not '%s'", optarg);
			break;
		case 'H': o.no_source_hash = 1; break;
		case 'J': json_out = 1; break;
		case 'd': db = optarg; break;
		case 'h': usage(); break;
		case 'V': cli_version(); break;
		default:
			cli_bad_option();
		}
	}
	if (optind < argc && !strcmp(argv[optind], "-")) {
		from_stdin = 1;
		optind++;
	}
	if (optind < argc)
		cli_usage_error("unexpected argument '%s'", argv[optind]);
	if (!o.case_id)
		cli_usage_error("which case? give --case ID");
	if (!o.out_dir || !*o.out_dir)
		cli_usage_error("where to? give --out DIR");
	if (from_stdin && s.given)
		cli_usage_error("spans come from standard input ('-') or from selectors "
		                "and a window, not both");
	if ((cert || cert_key) && !o.sign)
		cli_usage_error("--cert and --cert-key go with --sign");
	if (!!cert != !!cert_key)
		cli_usage_error("--sign: give both --cert and --cert-key, or neither");
	if (o.by && !vidx_operator_valid(o.by))
		cli_usage_error("--by: one line of UTF-8 text without control characters");
	if (isatty(STDIN_FILENO) && from_stdin)
		cli_usage_error("'-' reads spans from standard input, which is a terminal");
	cli_sel_finish(h, &s, !from_stdin);
	if (!o.by && !cli_have_default_key() && !keyfile &&
	    (!getenv("USER") || !*getenv("USER")))
		cli_usage_error("who is pulling? give --by NAME (no $USER)");
	if (cli_use_key(h, keyfile, &o.by, o.by != NULL) < 0) {
		rc = EXIT_SOME_FAILED;
		goto out;
	}
	if (!o.by)
		o.by = getenv("USER");
	if (!vidx_operator_valid(o.by))
		cli_usage_error("--by: one line of UTF-8 text without control characters");
	if (o.sign && cli_use_cert(h, cert, cert_key) < 0) {
		rc = EXIT_SOME_FAILED;
		goto out;
	}
	o.on_clip = on_clip;

	if (vidx_open(h, db, 0) < 0) {
		cli_warn("%s", vidx_errmsg(h));
		rc = EXIT_SOME_FAILED;
		goto out;
	}
	if (from_stdin) {
		if (spans_from_stdin(&s, &res, &nres, &spans, &nspans, &qjson) < 0) {
			rc = EXIT_SOME_FAILED;
			goto out;
		}
	} else {
		if (vidx_query_run(h, &s.q, &r) < 0) {
			cli_warn("%s", vidx_errmsg(h));
			rc = EXIT_SOME_FAILED;
			goto out;
		}
		spans = r->spans;
		nspans = r->nspans;
		qjson = vidx_query_json(&s.q);
	}
	if (!nspans) {
		cli_warn("no footage in the window: nothing to pull");
		rc = EXIT_SOME_FAILED;
		goto out;
	}
	o.query_json = qjson;
	n = vidx_pull(h, spans, nspans, &o);
	if (n < 0) {
		cli_warn("%s", vidx_errmsg(h));
		rc = EXIT_SOME_FAILED;
	} else if (n > 0) {
		cli_warn("%d clip%s could not be pulled", n, n == 1 ? "" : "s");
		rc = EXIT_SOME_FAILED;
	}
out:
	if (from_stdin)
		free(spans);
	for (i = 0; i < nres; i++)
		vidx_result_free(res[i]);
	free(res);
	vidx_result_free(r);
	free(qjson);
	vidx_free(h);
	return cli_flush(rc);
}
